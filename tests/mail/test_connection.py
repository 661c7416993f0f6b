"""The worker keeps one connection to the mail server while mails follow one another, and
each mail's fate stays its own: a dropped connection is reopened, a refusal is recorded
against its mail alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from portique.mail import connection
from portique.mail.connection import mail_connection
from portique.mail.delivery import mail_deliver
from portique.mail.models import OutboundMail
from tests.mail.helpers import queue_recovery_mail, run_worker

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]


def fate(mail: OutboundMail) -> tuple[str, int | None, str]:
    mail = OutboundMail.objects.get(pk=mail.pk)
    return mail.status, mail.smtp_code, mail.smtp_answer


def restart(server: SmtpServer) -> None:
    """Stop and start the server on the same port: it drops every open connection, as a
    server does at its idle timeout or when it restarts."""
    server.stop()
    server.start()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_delivers_consecutive_mails_on_one_connection(smtp_settings: SmtpServer) -> None:
    for number in range(3):
        queue_recovery_mail(f"perso{number}@example.com")

    run_worker()

    received = smtp_settings.received
    assert len(received) == 3
    assert len({mail.peer for mail in received}) == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_run_again_opens_a_new_connection(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail("perso0@example.com")
    run_worker()
    queue_recovery_mail("perso1@example.com")

    run_worker()

    first, second = smtp_settings.received
    assert first.peer != second.peer


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_by_the_server_is_reopened_for_the_next_mail(
    smtp_settings: SmtpServer,
) -> None:
    first, second = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("perso1@example.com"),
    )

    with mail_connection.kept():
        mail_deliver(first.pk)
        restart(smtp_settings)
        mail_deliver(second.pk)

    assert (fate(first)[0], fate(second)[0]) == ("sent", "sent")
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [
        ["perso0@example.com"],
        ["perso1@example.com"],
    ]
    assert OutboundMail.objects.get(pk=second.pk).attempts == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_refusal_behind_a_dropped_connection_is_recorded_as_the_refusal(
    smtp_settings: SmtpServer,
) -> None:
    first, second = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("nobody@example.com"),
    )
    smtp_settings.refuse_address("nobody@example.com", "550 5.1.1 no such user")

    with mail_connection.kept():
        mail_deliver(first.pk)
        restart(smtp_settings)
        mail_deliver(second.pk)

    assert fate(second) == ("refused", 550, "5.1.1 no such user")


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_refused_recipient_leaves_the_mails_after_it_untouched(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_address("nobody@example.com", "550 5.1.1 no such user")
    before = queue_recovery_mail("perso0@example.com")
    refused = queue_recovery_mail("nobody@example.com")
    after = queue_recovery_mail("perso1@example.com")

    run_worker()

    assert [fate(mail) for mail in (before, refused, after)] == [
        ("sent", None, ""),
        ("refused", 550, "5.1.1 no such user"),
        ("sent", None, ""),
    ]
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [
        ["perso0@example.com"],
        ["perso1@example.com"],
    ]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_after_a_temporary_refusal_goes_on_a_new_connection_and_is_sent(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later")
    deferred, sent = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("perso1@example.com"),
    )

    run_worker()

    assert (fate(deferred)[:2], fate(sent)[0]) == (("queued", 451), "sent")
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [["perso1@example.com"]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_kept_connection_idle_too_long_is_closed(
    smtp_settings: SmtpServer, monkeypatch: Any
) -> None:
    first, second = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("perso1@example.com"),
    )

    with mail_connection.kept():
        mail_deliver(first.pk)
        monkeypatch.setattr(connection, "IDLE_SECONDS", 0.0)
        mail_connection.close_if_idle()
        monkeypatch.setattr(connection, "IDLE_SECONDS", 3600.0)
        mail_deliver(second.pk)

    first_received, second_received = smtp_settings.received
    assert first_received.peer != second_received.peer


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_kept_connection_not_yet_idle_is_kept(smtp_settings: SmtpServer, monkeypatch: Any) -> None:
    monkeypatch.setattr(connection, "IDLE_SECONDS", 3600.0)
    first, second = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("perso1@example.com"),
    )

    with mail_connection.kept():
        mail_deliver(first.pk)
        mail_connection.close_if_idle()
        mail_deliver(second.pk)

    first_received, second_received = smtp_settings.received
    assert first_received.peer == second_received.peer


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_delivered_outside_a_worker_leaves_no_connection_open(
    smtp_settings: SmtpServer,
) -> None:
    first, second = (
        queue_recovery_mail("perso0@example.com"),
        queue_recovery_mail("perso1@example.com"),
    )

    mail_deliver(first.pk)
    mail_deliver(second.pk)

    first_received, second_received = smtp_settings.received
    assert first_received.peer != second_received.peer
