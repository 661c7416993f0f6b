"""The fate of a step's mail, as the outbox records it and mail_fate reads it: queued, handed
to a real SMTP server (aiosmtpd) at what time, refused at RCPT TO with the server's answer;
and only the flow's own mail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from portique.mail.models import OutboundMail, OutboundMailAttachment
from portique.mail.selectors import mail_fate
from portique.mail.services import Attachment, mail_queue, mails_purge

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

FLOW = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_FLOW = uuid.UUID("00000000-0000-4000-8000-000000000002")
NOW = datetime(2030, 6, 14, 8, 30, tzinfo=UTC)


def queue(to: str = "perso@example.com", *, flow_id: uuid.UUID = FLOW) -> OutboundMail:
    with transaction.atomic():
        return mail_queue(
            to=to,
            kind="recovery_email",
            subject_login="x",
            context={"url": "https://portail.example.org/x/", "expires_at": NOW},
            flow_id=flow_id,
        )


def run_worker() -> None:
    call_command("worker", batch=True, verbosity=0)


@pytest.mark.django_db
def test_mail_not_yet_delivered_is_queued() -> None:
    queue()
    fate = mail_fate(flow_id=FLOW, kind="recovery_email")
    assert fate is not None
    assert (fate.status, fate.to, fate.settled) == ("queued", "perso@example.com", False)


@pytest.mark.django_db
def test_flow_without_a_mail_has_no_fate() -> None:
    queue(flow_id=OTHER_FLOW)
    assert mail_fate(flow_id=FLOW, kind="recovery_email") is None


@pytest.mark.django_db
def test_fate_is_the_newest_mail_of_the_flow() -> None:
    with time_machine.travel(NOW, tick=False):
        queue("first@example.com")
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        queue("second@example.com")
    fate = mail_fate(flow_id=FLOW, kind="recovery_email")
    assert fate is not None and fate.to == "second@example.com"


@pytest.mark.django_db
def test_fate_of_another_kind_of_mail_is_not_the_steps() -> None:
    queue()
    assert mail_fate(flow_id=FLOW, kind="forwarding_address") is None


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_mail_is_sent_at_the_time_the_server_took_it(
    smtp_settings: SmtpServer,
) -> None:
    queue()
    with time_machine.travel(NOW, tick=False):
        run_worker()
    fate = mail_fate(flow_id=FLOW, kind="recovery_email")
    assert fate is not None
    assert (fate.status, fate.sent_at, fate.settled) == ("sent", NOW, True)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_at_rcpt_is_refused_for_an_unknown_mailbox(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_address("nobody@example.com", "550 5.1.1 no such user")
    queue("nobody@example.com")
    run_worker()
    fate = mail_fate(flow_id=FLOW, kind="recovery_email")
    assert fate is not None
    assert (fate.refused, fate.mailbox_unknown, fate.smtp_code) == (True, True, 550)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_at_rcpt_for_another_reason_is_not_an_unknown_mailbox(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_address("full@example.com", "552 5.2.2 mailbox full")
    queue("full@example.com")
    run_worker()
    fate = mail_fate(flow_id=FLOW, kind="recovery_email")
    assert fate is not None
    assert (fate.refused, fate.mailbox_unknown, fate.smtp_answer) == (
        True,
        False,
        "5.2.2 mailbox full",
    )


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_refused_mail_past_its_retention_is_purged(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_address("nobody@example.com")
    with time_machine.travel(NOW - timedelta(days=400), tick=False):
        queue("nobody@example.com")
        run_worker()
    with time_machine.travel(NOW, tick=False):
        assert mails_purge() == 1
    assert not OutboundMail.objects.exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_refused_mail_forgets_its_attachments(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_address("nobody@example.com")
    with transaction.atomic():
        mail = mail_queue(
            to="nobody@example.com",
            kind="recovery_email",
            subject_login="x",
            context={"url": "https://portail.example.org/x/", "expires_at": NOW},
            attachments=[Attachment("list.csv", b"login\njane\n", "text/csv")],
        )
    assert mail.attachment_count == 1

    run_worker()

    mail.refresh_from_db()
    assert (mail.status, mail.attachment_count) == ("refused", 0)
    assert not OutboundMailAttachment.objects.exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_without_attachments_is_delivered_without_any(smtp_settings: SmtpServer) -> None:
    queue()

    run_worker()

    [received] = smtp_settings.wait_for(1, timeout=10)
    assert list(received.message.iter_attachments()) == []
