"""portique remind: a reminder at the personal address 7 and 21 days after the letter, each
once, never after the activation, a revocation or the end of the provisional password, and
never a credential."""

import threading
from datetime import timedelta
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from portique.accounts.models import Person
from portique.core.models import AuditEvent
from portique.mail.models import OutboundMail
from portique.onboarding import reminders
from portique.onboarding.models import LetterReminder
from portique.onboarding.reminders import reminder_send, reminders_send
from portique.onboarding.services import credentials_reissue, credentials_revoke
from tests.security.conftest import activate
from tests.support.letters import ISSUED, import_people, person_of
from tests.support.mail import deliver_mail
from tests.support.walkers import Walker

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]
pytestmark = pytest.mark.django_db

JANE = "1,Jane,Doe,staff,Chimie,jane.perso@example.com"


def reminders_to(address: str) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(kind="letter_reminder", to=address).order_by("id"))


def remind_at(days: float) -> str:
    """Run `portique remind` `days` after the letters were issued; return what it prints."""
    out = StringIO()
    with time_machine.travel(ISSUED + timedelta(days=days), tick=False):
        call_command("remind", no_digest=True, stdout=out)
    return out.getvalue()


def test_no_reminder_before_the_seventh_day() -> None:
    import_people(JANE)

    remind_at(6.99)

    assert reminders_to("jane.perso@example.com") == []


def test_a_reminder_is_queued_on_the_seventh_day() -> None:
    import_people(JANE)

    printed = remind_at(7)

    assert len(reminders_to("jane.perso@example.com")) == 1
    assert "Reminders sent: 1 (day 7: 1)" in printed


def test_a_second_run_the_same_day_sends_nothing_more() -> None:
    import_people(JANE)
    remind_at(7)

    printed = remind_at(7.5)

    assert len(reminders_to("jane.perso@example.com")) == 1
    assert "Reminders sent: 0" in printed


def test_the_second_reminder_comes_on_the_twenty_first_day() -> None:
    import_people(JANE)
    remind_at(7)
    remind_at(20)
    assert len(reminders_to("jane.perso@example.com")) == 1

    remind_at(21)
    remind_at(30)

    assert len(reminders_to("jane.perso@example.com")) == 2
    days = LetterReminder.objects.values_list("day", "outcome")
    assert sorted(days) == [(7, "sent"), (21, "sent")]


def test_a_run_that_missed_the_seventh_day_sends_one_mail_for_the_twenty_first() -> None:
    import_people(JANE)

    printed = remind_at(22)

    assert len(reminders_to("jane.perso@example.com")) == 1
    assert sorted(LetterReminder.objects.values_list("day", "outcome")) == [
        (7, "superseded"),
        (21, "sent"),
    ]
    assert "passed (a later one was due): 1" in printed


def test_a_reminder_another_run_recorded_is_not_sent_again() -> None:
    import_people(JANE)
    person = Person.objects.get(hr_id="1")

    with time_machine.travel(ISSUED + timedelta(days=7), tick=False):
        first = reminder_send(person=person, day=7, superseded=[], actor="cron")
        second = reminder_send(person=person, day=7, superseded=[], actor="cron")

    assert (first, second) == (True, False)
    assert len(reminders_to("jane.perso@example.com")) == 1


def test_people_without_a_personal_address_get_no_reminder() -> None:
    import_people("1,Jane,Doe,staff,Chimie,")

    remind_at(7)

    assert not OutboundMail.objects.filter(kind="letter_reminder").exists()


def test_no_reminder_after_the_activation() -> None:
    report = import_people(JANE)
    with time_machine.travel(ISSUED + timedelta(days=2), tick=False):
        activate(Walker(Client(), person_of(report, "jane.doe")))

    remind_at(7)
    remind_at(21)

    assert reminders_to("jane.perso@example.com") == []


def test_no_reminder_after_the_provisional_password_was_revoked() -> None:
    import_people(JANE)
    with time_machine.travel(ISSUED + timedelta(days=3), tick=False):
        credentials_revoke(people=[Person.objects.get(hr_id="1")], actor="hr.agent")

    remind_at(7)

    assert reminders_to("jane.perso@example.com") == []


def test_no_reminder_once_the_provisional_password_has_expired(settings: object) -> None:
    setattr(settings, "PORTIQUE_PROVISIONAL_PASSWORD_DAYS", 10)  # noqa: B010
    import_people(JANE)
    remind_at(7)

    remind_at(21)

    assert [mail.created_at for mail in reminders_to("jane.perso@example.com")] == [
        ISSUED + timedelta(days=7)
    ]


def test_a_reissued_letter_is_reminded_from_its_own_date() -> None:
    import_people(JANE)
    remind_at(7)
    with time_machine.travel(ISSUED + timedelta(days=10), tick=False):
        credentials_reissue(people=[Person.objects.get(hr_id="1")], actor="hr.agent")

    remind_at(16)
    remind_at(17)

    assert len(reminders_to("jane.perso@example.com")) == 2


def test_each_reminder_is_audited() -> None:
    import_people(JANE)

    remind_at(7)

    event = AuditEvent.objects.get(action="reminder_sent")
    assert (event.subject, event.data) == (
        "jane.doe",
        {"day": 7, "email": "jane.perso@example.com"},
    )


def test_the_reminder_reaches_the_mail_server_without_any_credential(
    smtp_settings: "SmtpServer",
) -> None:
    report = import_people(JANE)
    password = person_of(report, "jane.doe").provisional_password
    remind_at(7)

    deliver_mail()

    [mail] = smtp_settings.wait_for(1, timeout=10)
    assert mail.rcpt_tos == ["jane.perso@example.com"]
    assert mail.subject == "Université de Montpellier : activez votre compte informatique"
    text, html = mail.text(), mail.html()
    for body in (text, html):
        assert password not in body
        assert "jane.doe" not in body
        assert "/activation/lien/" not in body
    assert "Bonjour Jane Doe," in text
    assert "la DRH vous a remis le 3 mars 2025 un document appelé PASS'UM" in text
    assert "https://portail.example.org/activation/identifiant/" in text
    assert "fonctionne jusqu'au 1 juin 2025" in text
    assert "Adressez-vous aux services de la DRH" in text


def test_the_reminder_speaks_english_when_the_portal_does(settings: object) -> None:
    from django.utils import translation

    import_people(JANE)

    with translation.override("en"), time_machine.travel(ISSUED + timedelta(days=7), tick=False):
        reminders_send()

    [mail] = reminders_to("jane.perso@example.com")
    assert mail.subject == "Université de Montpellier: activate your IT account"
    assert "This mail holds no login and no password" in mail.body_text


@pytest.mark.django_db(transaction=True)
def test_of_two_runs_at_once_that_both_found_the_reminder_due_one_sends_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_people(JANE)
    # Hold both runs once each has found the reminder due and is about to send it: only the
    # unique constraint can tell them apart.
    both_chose = threading.Barrier(2, timeout=10)
    real_send = reminders.reminder_send

    def wait_then_send(**kwargs: Any) -> bool:
        both_chose.wait()
        return real_send(**kwargs)

    monkeypatch.setattr(reminders, "reminder_send", wait_then_send)
    outcomes: list[object] = []

    def run() -> None:
        try:
            result: object = reminders_send(actor="cron")
        # Kept rather than lost in the thread: it is the outcome under test.
        except Exception as error:
            result = error
        finally:
            connection.close()
        outcomes.append(result)

    with time_machine.travel(ISSUED + timedelta(days=7), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    reports = [o for o in outcomes if isinstance(o, reminders.RemindersReport)]
    assert sorted((r.sent, r.already_sent) for r in reports) == [(0, 1), (1, 0)], outcomes
    assert len(reminders_to("jane.perso@example.com")) == 1
