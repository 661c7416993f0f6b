"""The worker recovers from what goes wrong: retries spaced 15 s, 30 s, then at most the
longest interval; a mail claimed by a live worker is left alone, one claimed by a dead worker
is handed out again; a sent mail is never sent twice. And the mail server being down while
someone activates their account changes nothing they see."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult, get_date_max

from portique.core import clock
from portique.mail.delivery import mail_deliver
from portique.mail.models import OutboundMail
from portique.mail.services import mail_queue
from portique.mail.tasks import deliver_mail
from tests.factories import PersonFactory
from tests.mail.helpers import PARIS, main_text, run_worker

if TYPE_CHECKING:
    from tests.factories import DemoPerson
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

RECIPIENT = "perso@example.com"
URL = "https://portail.example.org/activation/lien/abc/"
MORNING = datetime(2030, 6, 14, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _letters_still_valid_in_2030(settings: Any) -> None:
    """The scenarios run in 2030: the people's letters, issued today, must still be valid."""
    settings.PORTIQUE_PROVISIONAL_PASSWORD_DAYS = 36500


LINK_RE = re.compile(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)")
TRY_LATER = "451 4.3.0 try later"


def queue_mail(to: str = RECIPIENT) -> OutboundMail:
    with transaction.atomic():
        return mail_queue(
            to=to,
            kind="recovery_email",
            subject_login="x",
            context={"url": URL, "expires_at": clock.now(), "login": "x@umontpellier.fr"},
        )


def scheduled_retry() -> DBTaskResult:
    """The one task waiting for a set time (a plain enqueue runs at once)."""
    return DBTaskResult.objects.get(status="READY", run_after__lt=get_date_max())


def retry_delays(attempts: int) -> list[timedelta]:
    """Let the worker try a mail `attempts` times, each time as soon as its retry is due;
    return how long after each attempt the next one was scheduled."""
    delays = []
    with time_machine.travel(MORNING, tick=False) as traveller:
        queue_mail()
        for _ in range(attempts):
            run_worker()
            retry = scheduled_retry()
            delays.append(retry.run_after - clock.now())
            traveller.move_to(retry.run_after)
    return delays


def claim_as_another_worker(mail: OutboundMail, *, ago: timedelta) -> None:
    OutboundMail.objects.filter(pk=mail.pk).update(claimed_at=clock.now() - ago)


def reload(mail: OutboundMail) -> OutboundMail:
    return OutboundMail.objects.get(pk=mail.pk)


# --- Retry delays ------------------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_retries_after_451_come_15_30_60_and_60_seconds_after_each_attempt(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next(TRY_LATER, count=10)

    delays = retry_delays(4)

    assert [d.total_seconds() for d in delays] == [15, 30, 60, 60]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_longest_retry_interval_follows_its_setting(
    smtp_settings: SmtpServer, settings: Any
) -> None:
    settings.PORTIQUE_MAIL_RETRY_MAX_INTERVAL_SECONDS = 20
    smtp_settings.refuse_next(TRY_LATER, count=10)

    delays = retry_delays(4)

    assert [d.total_seconds() for d in delays] == [15, 20, 20, 20]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_refused_four_times_is_still_queued_with_four_attempts(
    smtp_settings: SmtpServer,
) -> None:
    smtp_settings.refuse_next(TRY_LATER, count=10)

    retry_delays(4)

    mail = OutboundMail.objects.get()
    assert (mail.status, mail.attempts, mail.claimed_at) == ("queued", 4, None)
    assert smtp_settings.received == []


# --- Claims ------------------------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_claimed_a_minute_ago_by_another_worker_is_not_delivered_again(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    claim_as_another_worker(mail, ago=timedelta(minutes=1))

    outcome = mail_deliver(mail.pk)

    assert outcome is None
    assert smtp_settings.received == []
    assert reload(mail).status == "queued"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_leaves_a_mail_claimed_a_minute_ago_to_the_worker_sending_it(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    claim_as_another_worker(mail, ago=timedelta(minutes=1))

    run_worker()

    assert smtp_settings.received == []
    assert reload(mail).attempts == 0


def die_while_sending(mail: OutboundMail, *, ago: timedelta) -> None:
    """Leave the mail as a worker that died mid-send `ago` leaves it: claimed, still
    queued, its task forever running."""
    claim_as_another_worker(mail, ago=ago)
    DBTaskResult.objects.update(status="RUNNING", started_at=clock.now() - ago)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_cut_short_10_minutes_ago_is_delivered_when_a_worker_starts(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    die_while_sending(mail, ago=timedelta(minutes=10))

    run_worker()

    assert [m.rcpt_tos for m in smtp_settings.received] == [[RECIPIENT]]
    assert reload(mail).status == "sent"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_cut_short_is_delivered_once_however_many_workers_start(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    die_while_sending(mail, ago=timedelta(minutes=10))

    run_worker()
    run_worker()
    run_worker()

    assert len(smtp_settings.received) == 1
    assert reload(mail).attempts == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_cut_short_whose_first_task_is_still_waiting_is_delivered_once(
    smtp_settings: SmtpServer,
) -> None:
    # The claim is stale but the first task was never picked up: both tasks will run.
    mail = queue_mail()
    claim_as_another_worker(mail, ago=timedelta(minutes=10))

    run_worker()

    assert len(smtp_settings.received) == 1
    assert reload(mail).status == "sent"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_claimed_a_minute_ago_is_not_handed_out_again_when_a_worker_starts(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    die_while_sending(mail, ago=timedelta(minutes=1))

    run_worker()

    assert smtp_settings.received == []
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_sent_mail_is_not_sent_again_by_a_second_task_for_it(
    smtp_settings: SmtpServer,
) -> None:
    mail = queue_mail()
    run_worker()
    with transaction.atomic():
        deliver_mail.enqueue(mail.pk)

    run_worker()

    assert len(smtp_settings.received) == 1
    assert reload(mail).attempts == 1


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_delivering_a_sent_mail_again_does_nothing(smtp_settings: SmtpServer) -> None:
    mail = queue_mail()
    run_worker()

    assert mail_deliver(mail.pk) is None
    assert len(smtp_settings.received) == 1


# --- Headers -----------------------------------------------------------------------------


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_carries_the_reply_to_address_when_one_is_set(
    smtp_settings: SmtpServer, settings: Any
) -> None:
    settings.PORTIQUE_EMAIL_REPLY_TO = "assistance@umontpellier.fr"
    queue_mail()

    run_worker()

    (received,) = smtp_settings.received
    assert str(received.message["Reply-To"]) == "assistance@umontpellier.fr"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_has_no_reply_to_when_none_is_set(smtp_settings: SmtpServer, settings: Any) -> None:
    settings.PORTIQUE_EMAIL_REPLY_TO = ""
    queue_mail()

    run_worker()

    (received,) = smtp_settings.received
    assert received.message["Reply-To"] is None


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_comes_from_the_default_from_address(smtp_settings: SmtpServer) -> None:
    queue_mail()

    run_worker()

    (received,) = smtp_settings.received
    assert str(received.message["From"]) == settings.DEFAULT_FROM_EMAIL
    assert received.mail_from == "no-reply@umontpellier.fr"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_is_marked_auto_generated(smtp_settings: SmtpServer) -> None:
    queue_mail()

    run_worker()

    (received,) = smtp_settings.received
    assert received.message["Auto-Submitted"] == "auto-generated"


# --- The mail server down during an activation -------------------------------------------


def give_recovery_email(walker: Any, address: str = RECIPIENT) -> Any:
    walker.identify()
    walker.give_provisional_password()
    return walker.give_recovery_email(address)


def step_4_page(walker: Any, person: DemoPerson) -> tuple[int, str, int, str]:
    """What the person sees after step 3, with their own address written as <person>."""
    sent = give_recovery_email(walker)
    page = walker.client.get(sent["Location"])
    return (
        sent.status_code,
        sent["Location"],
        page.status_code,
        main_text(page).replace(person.email, "<person>"),
    )


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_step_4_page_is_the_same_whether_the_mail_server_is_up_or_down(
    smtp_settings: SmtpServer, staff: DemoPerson, walker_for: Any
) -> None:
    colleague = PersonFactory(login="john.roe", category="staff")
    with time_machine.travel(MORNING, tick=False):
        page_when_up = step_4_page(walker_for(colleague, Client()), colleague)
        smtp_settings.stop()

        page_when_down = step_4_page(walker_for(staff), staff)

    assert page_when_down == page_when_up
    assert page_when_down[:3] == (302, "/activation/mail-de-secours/envoye/", 200)
    assert "Un mail a été envoyé sur votre adresse mail de secours" in page_when_down[3]


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_worker_keeps_the_mail_of_step_3_queued_while_the_mail_server_is_down(
    smtp_settings: SmtpServer, staff: DemoPerson, walker_for: Any
) -> None:
    smtp_settings.stop()
    give_recovery_email(walker_for(staff))

    run_worker()

    mail = OutboundMail.objects.get(kind="recovery_email")
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert LINK_RE.search(mail.body_text)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_mail_written_while_the_server_was_down_arrives_once_and_its_link_works(
    smtp_settings: SmtpServer, staff: DemoPerson, walker_for: Any
) -> None:
    walker = walker_for(staff)
    smtp_settings.stop()
    with time_machine.travel(MORNING, tick=False) as traveller:
        give_recovery_email(walker)
        run_worker()
        assert OutboundMail.objects.get().status == "queued"
        smtp_settings.start()
        traveller.shift(timedelta(seconds=61))

        run_worker()

        (received,) = smtp_settings.received_by(RECIPIENT)
        found = LINK_RE.search(received.text())
        assert found
        response = walker.follow_link(found.group(1))

    assert response["Location"] == "/activation/charte/"
    assert len(smtp_settings.received) == 1
    assert OutboundMail.objects.get().status == "sent"


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_a_mail_failed_for_good_keeps_no_link_in_the_database(smtp_settings) -> None:
    smtp_settings.refuse_next("550 5.1.1 no such user", count=1)
    with transaction.atomic():
        mail = mail_queue(
            to="perso@example.com",
            kind="recovery_email",
            subject_login="x",
            context={
                "url": "https://portail.example.org/activation/lien/SECRET-TOKEN/",
                "expires_at": clock.now(),
                "login": "x@umontpellier.fr",
            },
        )
    run_worker()
    mail.refresh_from_db()
    assert mail.status == "failed"
    assert "SECRET-TOKEN" not in mail.body_text + mail.body_html
