"""The rows queueing a mail writes with plain SQL are those the ORM and django-tasks write,
column for column: the worker, the admin and django-tasks' own tooling read them as theirs."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Model
from django_tasks_db.models import DBTaskResult

from portique.core import sql
from portique.mail.models import OutboundMail
from portique.mail.tasks import deliver_mail, deliver_mail_enqueue

NOW = datetime(2030, 6, 14, 9, 30, 12, 345678, tzinfo=UTC)


def stored_row(model: type[Model], pk: Any) -> dict[str, Any]:
    """The row as the database holds it, every column, before any field converts it."""
    (key,) = sql.prepared(model, pk=pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {sql.table(model)} WHERE {sql.columns(model, 'pk')} = %s",  # noqa: S608
            [key],
        )
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.mark.django_db
def test_task_row_is_the_one_django_tasks_writes_column_for_column() -> None:
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        theirs = deliver_mail.enqueue(42).id
        deliver_mail_enqueue(42)
    ours = DBTaskResult.objects.exclude(pk=theirs).get().pk

    their_row, our_row = stored_row(DBTaskResult, theirs), stored_row(DBTaskResult, ours)

    id_column = DBTaskResult._meta.pk.column
    assert their_row.pop(id_column) != our_row.pop(id_column)
    assert our_row == their_row


@pytest.mark.django_db
def test_task_queued_with_plain_sql_reads_as_django_tasks_own() -> None:
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        deliver_mail_enqueue(42)

    result = deliver_mail.get_result(str(DBTaskResult.objects.get().pk))

    assert (result.status, result.args, result.kwargs, result.enqueued_at) == (
        "READY", [42], {}, NOW,
    )  # fmt: skip
    assert result.task.module_path == deliver_mail.module_path
    assert result.task.run_after is None


MAIL = {
    "kind": "recovery_email",
    "subject_login": "jdupont",
    "flow_id": UUID("12345678-1234-5678-1234-567812345678"),
    "to": "perso@example.com",
    "subject": "Université de Montpellier : confirmez votre adresse",
    "body_text": "Bonjour,\n\nhttps://portail.example.org/activation/lien/abc/?a=1&b=2\n",
    "body_html": "<p>Bonjour,</p>\n<p>l'adresse « perso »</p>\n",
    "created_at": NOW,
    "attachment_count": 1,
}


@pytest.mark.django_db
def test_outbox_row_is_the_one_the_orm_writes_column_for_column() -> None:
    with transaction.atomic():
        theirs = OutboundMail.objects.create(**MAIL)
        ours = OutboundMail(**MAIL)
        sql.insert(ours)

    their_row, our_row = stored_row(OutboundMail, theirs.pk), stored_row(OutboundMail, ours.pk)

    id_column = OutboundMail._meta.pk.column
    assert their_row.pop(id_column) != our_row.pop(id_column)
    assert our_row == their_row


@pytest.mark.django_db
def test_inserted_mail_is_returned_as_saved_with_its_number() -> None:
    with transaction.atomic():
        mail = OutboundMail(**MAIL)
        sql.insert(mail)

    assert (mail._state.adding, mail._state.db) == (False, "default")
    assert OutboundMail.objects.values().get(pk=mail.pk) == {
        field.attname: getattr(mail, field.attname) for field in OutboundMail._meta.concrete_fields
    }
