"""The outbox delivered by the worker to a real SMTP server (aiosmtpd): what arrives, what
the outbox keeps, and how refusals and outages are retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult, get_date_max

from portique.core import clock
from portique.mail.backends import DevOutboxBackend
from portique.mail.models import OutboundMail
from portique.mail.services import mail_queue
from tests.mail.helpers import EXPIRES_AT, RECIPIENT, URL, queue_recovery_mail

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]


def run_worker() -> None:
    call_command("worker", batch=True, verbosity=0)


def scheduled_retries() -> Any:
    """Tasks waiting for a set time: the retries (a plain enqueue runs at once)."""
    return DBTaskResult.objects.filter(status="READY", run_after__lt=get_date_max())


def travel_past_retry() -> Any:
    retry = scheduled_retries().get()
    return time_machine.travel(retry.run_after + timedelta(seconds=1), tick=True)


def reload(mail: OutboundMail) -> OutboundMail:
    return OutboundMail.objects.get(pk=mail.pk)


# -- a mail that goes through -------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_delivers_one_message_to_the_recipient(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [[RECIPIENT]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_message_has_a_text_and_an_html_part(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    (received,) = smtp_settings.received
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_subject_names_the_institution(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    (received,) = smtp_settings.received
    assert "Université de Montpellier" in received.subject


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_text_and_html_carry_the_link(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    (received,) = smtp_settings.received
    assert URL in received.text()
    assert f'href="{URL}"' in received.html()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_text_and_html_carry_the_local_deadline(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    (received,) = smtp_settings.received
    for body in (received.text(), received.html()):
        assert "14 juin 2030" in body
        assert "23:59" in body


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_mail_is_marked_sent_after_one_attempt(smtp_settings: SmtpServer) -> None:
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 1, "")
    assert mail.sent_at is not None


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivered_mail_no_longer_holds_the_link_in_the_database(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_recovery_mail()
    assert URL in reload(mail).body_text
    run_worker()
    mail = reload(mail)
    assert (mail.body_text, mail.body_html) == ("", "")
    assert not OutboundMail.objects.filter(body_text__contains=URL).exists()
    assert not OutboundMail.objects.filter(body_html__contains=URL).exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_run_twice_delivers_once(smtp_settings: SmtpServer) -> None:
    queue_recovery_mail()
    run_worker()
    run_worker()
    assert len(smtp_settings.received) == 1


# -- a rollback -----------------------------------------------------------------------------


class Rollback(Exception):
    pass


def queue_then_roll_back() -> None:
    with pytest.raises(Rollback), transaction.atomic():
        mail_queue(
            to=RECIPIENT,
            kind="recovery_email",
            subject_login="x",
            context={"url": URL, "expires_at": EXPIRES_AT, "login": "x@umontpellier.fr"},
        )
        raise Rollback


@pytest.mark.django_db(transaction=True)
def test_rolled_back_mail_leaves_no_outbox_row_and_no_task() -> None:
    queue_then_roll_back()
    assert not OutboundMail.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_rolled_back_mail_is_never_sent(smtp_settings: SmtpServer) -> None:
    queue_then_roll_back()
    run_worker()
    assert smtp_settings.received == []


# -- a temporary refusal (451) -----------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_451_stays_queued_with_the_error(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later")
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert "451" in mail.last_error


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_451_schedules_a_retry_in_the_future(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later")
    mail = queue_recovery_mail()
    run_worker()
    retry = scheduled_retries().get()
    assert clock.now() < retry.run_after <= clock.now() + timedelta(minutes=1)
    assert retry.queue_name == "mail"
    assert retry.args_kwargs["args"] == [mail.pk]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_retry_is_not_attempted_before_its_time(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later")
    mail = queue_recovery_mail()
    run_worker()
    run_worker()
    assert reload(mail).attempts == 1
    assert smtp_settings.received == []


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_451_is_delivered_once_on_the_retry(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later")
    mail = queue_recovery_mail()
    run_worker()
    with travel_past_retry():
        run_worker()
        run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("sent", 2)
    assert [m.rcpt_tos for m in smtp_settings.received] == [[RECIPIENT]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_451_at_rcpt_is_delivered_on_the_retry(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.7.1 greylisted, try later", stage="RCPT")
    mail = queue_recovery_mail()
    run_worker()
    assert reload(mail).status == "queued"
    with travel_past_retry():
        run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("sent", 2)
    assert len(smtp_settings.received) == 1


# -- a permanent refusal (550) ------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_550_after_data_fails_with_the_error(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("550 5.1.1 no such user")
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("failed", 1)
    assert "550" in mail.last_error


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_550_after_data_keeps_the_servers_code_and_text(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("554 5.7.1 message rejected")
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.smtp_code, mail.smtp_answer) == (
        "failed",
        554,
        "5.7.1 message rejected",
    )


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_550_at_rcpt_is_refused_with_the_error(
    smtp_settings: SmtpServer,
) -> None:
    # Where real servers refuse an unknown user: smtplib raises SMTPRecipientsRefused.
    smtp_settings.refuse_next("550 5.1.1 no such user", stage="RCPT")
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("refused", 1)
    assert "550" in mail.last_error


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_at_rcpt_keeps_the_servers_code_and_text(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_address(RECIPIENT, "550 5.1.1 <perso@example.com>: no such user")
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.smtp_code, mail.smtp_answer) == (550, "5.1.1 <perso@example.com>: no such user")


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_at_rcpt_forgets_its_link(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_address(RECIPIENT)
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.body_text, mail.body_html) == ("", "")


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_server_refusing_one_address_still_takes_the_others(smtp_settings: SmtpServer) -> None:
    smtp_settings.refuse_address("nobody@example.com")
    refused = queue_recovery_mail("nobody@example.com")
    delivered = queue_recovery_mail()
    run_worker()
    assert (reload(refused).status, reload(delivered).status) == ("refused", "sent")
    assert [mail.rcpt_tos for mail in smtp_settings.received] == [[RECIPIENT]]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_with_451_then_sent_forgets_the_servers_answer(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.7.1 greylisted, try later", stage="RCPT")
    mail = queue_recovery_mail()
    run_worker()
    assert reload(mail).smtp_code == 451
    with travel_past_retry():
        run_worker()
    mail = reload(mail)
    assert (mail.status, mail.smtp_code, mail.smtp_answer) == ("sent", None, "")


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_mail_refused_with_550_is_not_retried(smtp_settings: SmtpServer, stage: Any) -> None:
    smtp_settings.refuse_next("550 5.1.1 no such user", stage=stage)
    queue_recovery_mail()
    run_worker()
    assert not scheduled_retries().exists()
    assert not DBTaskResult.objects.filter(status="READY").exists()


# -- the server down, then up -------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_for_a_server_that_is_down_stays_queued_with_the_error(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.stop()
    mail = queue_recovery_mail()
    run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert "ConnectionRefused" in mail.last_error
    assert scheduled_retries().count() == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_for_a_server_that_was_down_is_delivered_once_it_is_up(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.stop()
    mail = queue_recovery_mail()
    run_worker()
    smtp_settings.start()
    with travel_past_retry():
        run_worker()
        run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("sent", 2)
    assert [m.rcpt_tos for m in smtp_settings.received] == [[RECIPIENT]]


# -- the retry window ---------------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_older_than_the_retry_window_that_fails_again_is_failed(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later", count=2)
    start = datetime(2030, 6, 14, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=True):
        mail = queue_recovery_mail()
        run_worker()
    assert reload(mail).status == "queued"
    with time_machine.travel(
        start + timedelta(hours=settings.PORTIQUE_MAIL_RETRY_HOURS, minutes=1), tick=True
    ):
        run_worker()
    mail = reload(mail)
    assert (mail.status, mail.attempts) == ("failed", 2)
    assert "451" in mail.last_error
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_within_the_retry_window_that_fails_again_is_retried_later(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next("451 4.3.0 try later", count=2)
    start = datetime(2030, 6, 14, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=True):
        mail = queue_recovery_mail()
        run_worker()
    with time_machine.travel(
        start + timedelta(hours=settings.PORTIQUE_MAIL_RETRY_HOURS, minutes=-1), tick=True
    ):
        run_worker()
        mail = reload(mail)
        assert (mail.status, mail.attempts) == ("queued", 2)
        assert scheduled_retries().get().run_after > clock.now()


# -- the development outbox ---------------------------------------------------------------


def dev_mail(to: str = RECIPIENT) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Université de Montpellier : confirmez votre adresse",
        body=f"Ouvrez ce lien :\n{URL}\n",
        to=[to],
    )
    message.attach_alternative(f'<a href="{URL}">lien</a>', "text/html")
    return message


def test_dev_outbox_backend_writes_one_eml_file_per_mail(settings: Any, tmp_path: Path) -> None:
    settings.PORTIQUE_DEV_MAIL_DIR = tmp_path / "dev-mail"
    sent = DevOutboxBackend().send_messages([dev_mail(), dev_mail("autre@example.com")])
    files = sorted((tmp_path / "dev-mail").glob("*.eml"))
    assert sent == 2
    assert len(files) == 2
    assert any(b"To: autre@example.com" in path.read_bytes() for path in files)


def test_dev_outbox_backend_is_what_send_uses_without_an_smtp_url(
    settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "portique.mail.backends.DevOutboxBackend"
    settings.PORTIQUE_DEV_MAIL_DIR = tmp_path
    dev_mail().send()
    (path,) = tmp_path.glob("*.eml")
    assert URL in path.read_text()


@pytest.mark.django_db
def test_dev_outbox_page_shows_the_mails_in_debug(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    settings.DEBUG = True
    settings.PORTIQUE_DEV_MAIL_DIR = tmp_path
    DevOutboxBackend().send_messages([dev_mail()])
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "confirmez votre adresse" in content
    assert RECIPIENT in content
    assert URL in content


@pytest.mark.django_db
def test_dev_outbox_page_shows_the_mails_in_demo(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    settings.DEBUG = False
    settings.PORTIQUE_DEMO = True
    settings.PORTIQUE_DEV_MAIL_DIR = tmp_path
    DevOutboxBackend().send_messages([dev_mail()])
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    assert URL in page.content.decode()


@pytest.mark.django_db
def test_dev_outbox_page_is_404_outside_debug_and_demo(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    settings.DEBUG = False
    settings.PORTIQUE_DEMO = False
    settings.PORTIQUE_DEV_MAIL_DIR = tmp_path
    DevOutboxBackend().send_messages([dev_mail()])
    assert client.get("/dev/mail/").status_code == 404
