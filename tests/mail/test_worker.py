"""The mail worker keeps django-tasks' records of each task as db_worker kept them: who ran
it, when, and how it ended, a task that raises included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from portique.mail import tasks
from portique.mail.models import OutboundMail
from tests.mail.helpers import queue_recovery_mail, run_worker

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_mails_task_is_successful_with_its_outcome(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()

    run_worker()

    task = DBTaskResult.objects.get()
    assert (task.status, task.return_value, task.traceback) == ("SUCCESSFUL", "sent", "")
    assert len(task.worker_ids) == 1
    assert task.started_at is not None
    assert task.finished_at is not None
    assert task.started_at <= task.finished_at


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_task_that_raises_is_failed_with_its_traceback_and_the_next_one_runs(
    smtp_settings: SmtpServer, monkeypatch: Any
) -> None:
    broken, fine = (
        queue_recovery_mail("broken@example.com"),
        queue_recovery_mail("fine@example.com"),
    )
    deliver = tasks.mail_deliver

    def deliver_or_break(mail_id: int) -> Any:
        if mail_id == broken.pk:
            raise RuntimeError("the database went away")
        return deliver(mail_id)

    monkeypatch.setattr(tasks, "mail_deliver", deliver_or_break)

    run_worker()

    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.args_kwargs["args"] == [broken.pk]
    assert failed.exception_class_path == "builtins.RuntimeError"
    assert "the database went away" in failed.traceback
    assert DBTaskResult.objects.get(status="SUCCESSFUL").args_kwargs["args"] == [fine.pk]
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [["fine@example.com"]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_task_whose_code_is_gone_is_failed_and_the_next_one_runs(
    smtp_settings: SmtpServer,
) -> None:
    queue_recovery_mail("first@example.com")
    DBTaskResult.objects.update(task_path="portique.mail.tasks.no_such_task")
    queue_recovery_mail("second@example.com")

    run_worker()

    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "SUCCESSFUL"]
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [["second@example.com"]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_run_verbose_delivers_and_records_the_same(smtp_settings: SmtpServer) -> None:
    mail = queue_recovery_mail()

    call_command("worker", batch=True, verbosity=2)

    task = DBTaskResult.objects.get()
    assert (task.status, task.return_value) == ("SUCCESSFUL", "sent")
    assert OutboundMail.objects.get(pk=mail.pk).status == "sent"
    assert len(smtp_settings.received) == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_tasks_run_in_the_order_they_were_queued(smtp_settings: SmtpServer) -> None:
    for number in range(5):
        queue_recovery_mail(f"perso{number}@example.com")

    run_worker()

    assert [mail.rcpt_tos for mail in smtp_settings.received] == [
        [f"perso{number}@example.com"] for number in range(5)
    ]
