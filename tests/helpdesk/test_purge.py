"""`portique purge`: what is past its retention goes, the rest stays, and it says how many
of each it deleted."""

from datetime import timedelta
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from portique.core import links
from portique.core.audit import audit_record
from portique.core.models import AuditEvent, OneTimeLink
from portique.helpdesk.models import PurgedEventCount
from portique.helpdesk.selectors import counts
from portique.mail.models import OutboundMail
from portique.mail.services import mail_queue
from portique.selfservice.models import AccountSession
from tests.helpdesk.conftest import NOW, make_flow, make_mail
from tests.support.mail import deliver_mail

LONG_AGO = NOW - timedelta(days=400)
LAST_MONTH = NOW - timedelta(days=29)


def account_session(login: str, *, open_: bool) -> None:
    """A row of the account's sessions, its session still open or ended without a logout."""
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store["account_login"] = login
    store.create()
    AccountSession.objects.create(
        login=login, session_key=store.session_key, created_at=NOW - timedelta(hours=1)
    )
    if not open_:
        store.delete()


def sent_mail() -> None:
    """A mail queued, then delivered by the worker: an outbox row and a finished task."""
    with transaction.atomic():
        mail_queue(
            to="perso@example.com",
            kind="recovery_email",
            subject_login="x",
            context={"url": "https://portail.example.org/x/", "expires_at": NOW},
        )
    deliver_mail()


@pytest.fixture
def records(db: None) -> None:
    """Of each kind, one record past its retention and one within it; one account session
    ended, one open."""
    with time_machine.travel(LONG_AGO, tick=False):
        make_flow("old")
        links.link_issue(subject="old", purpose="recovery_email", email="perso@example.com")
        sent_mail()
        make_mail("failed")
        make_mail("queued")  # never delivered, never deleted
        audit_record(actor="old", subject="old", action="account_activated")
        audit_record(actor="old", subject="old", action="account_activated")
        audit_record(actor="system", subject="old", action="account_locked")
    with time_machine.travel(LAST_MONTH, tick=False):
        make_flow("recent", expires_at=LAST_MONTH)
        issued = links.link_issue(
            subject="recent", purpose="recovery_email", email="perso@example.com"
        )
        links.link_consume(token=issued.token)
        make_mail("failed")
    with time_machine.travel(NOW - timedelta(days=6), tick=False):
        sent_mail()
    with time_machine.travel(NOW, tick=False):
        audit_record(actor="new", subject="new", action="account_activated")
        account_session("new", open_=True)
        account_session("new", open_=False)


def purge() -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge", stdout=out)
    return out.getvalue()


def test_purge_prints_how_many_of_each_it_deleted(records: None) -> None:
    assert purge().splitlines() == [
        "activation flows: 1 deleted",
        "one-time links: 1 deleted",
        "outbox mails: 2 deleted",
        "mail tasks: 1 deleted",
        "audit events: 3 deleted",
        "account sessions: 1 deleted",
    ]


def test_purge_keeps_what_is_within_its_retention(records: None) -> None:
    purge()

    assert sorted(OneTimeLink.objects.values_list("subject", flat=True)) == ["recent"]
    assert OutboundMail.objects.filter(created_at__lt=NOW - timedelta(days=300)).count() == 1
    assert OutboundMail.objects.filter(status="queued").count() == 1
    assert DBTaskResult.objects.count() == 1
    assert set(AuditEvent.objects.values_list("subject", flat=True)) == {"new", "-"}


def test_purge_is_audited_with_its_counts(records: None) -> None:
    purge()

    row = AuditEvent.objects.get(action="records_purged")
    assert (row.actor, row.at) == ("cli", NOW)
    assert row.data == {
        "flows": 1, "links": 1, "mails": 2, "tasks": 1, "audit_events": 3, "sessions": 1
    }  # fmt: skip


def test_purged_audit_rows_still_count_in_the_counters(records: None) -> None:
    purge()
    purge()

    assert dict(PurgedEventCount.objects.values_list("action", "count")) == {
        "account_activated": 2,
        "account_locked": 1,
    }
    assert counts.audit_action_total("account_activated") == 3
    assert counts.audit_action_total("account_locked") == 1


@pytest.mark.parametrize(
    ("setting", "days", "kind"),
    [
        ("PORTIQUE_AUDIT_RETENTION_DAYS", 1000, "audit events"),
        ("PORTIQUE_MAIL_RETENTION_DAYS", 1000, "outbox mails"),
        ("PORTIQUE_FLOW_RETENTION_DAYS", 1000, "activation flows"),
    ],
)
def test_purge_follows_the_retention_settings(
    records: None, settings: Any, setting: str, days: int, kind: str
) -> None:
    setattr(settings, setting, days)

    assert f"{kind}: 0 deleted" in purge().splitlines()
