"""The letter's life on the person's page (issued, reminded, started, activated, expired,
revoked, with dates) and in /metrics (reminders sent, letters by state)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from portique.accounts.models import Person
from portique.onboarding.services import credentials_reissue, credentials_revoke
from tests.security.conftest import RECOVERY, activate
from tests.support.letters import ISSUED, import_people, person_of
from tests.support.metrics import metric
from tests.support.pages import readable
from tests.support.walkers import Walker

pytestmark = pytest.mark.django_db
JANE = "1,Jane,Doe,staff,Chimie,jane.perso@example.com"


def timeline(agent: User, *, days: float) -> list[str]:
    """The timeline's lines as an agent reads them, `days` after the letter."""
    browser = Client()
    browser.force_login(agent)
    with time_machine.travel(ISSUED + timedelta(days=days), tick=False):
        page = browser.get(f"/helpdesk/personnes/{Person.objects.get(hr_id='1').pk}/")
    body = page.content.decode()
    start = body.index('id="letter-timeline"')
    items = body[start : body.index("</ol>", start)].split("<li")[1:]
    return [readable("<li" + item) for item in items]


def remind(days: float) -> None:
    with time_machine.travel(ISSUED + timedelta(days=days), tick=False):
        call_command("remind", no_digest=True, verbosity=0)


def scrape(days: float) -> str:
    with time_machine.travel(ISSUED + timedelta(days=days), tick=False):
        return Client().get("/metrics").content.decode()


def test_a_letter_awaiting_activation_shows_when_it_was_issued(agent: User) -> None:
    import_people(JANE)

    assert timeline(agent, days=1) == ["3 mars 2025 09:00 : courrier remis"]


def test_the_timeline_shows_the_reminders_the_start_and_the_activation_in_order(
    agent: User,
) -> None:
    report = import_people(JANE)
    remind(7)
    with time_machine.travel(ISSUED + timedelta(days=8, hours=2), tick=False):
        activate(Walker(Client(), person_of(report, "jane.doe")))

    assert timeline(agent, days=9) == [
        "3 mars 2025 09:00 : courrier remis",
        "10 mars 2025 09:00 : rappel envoyé (jour 7)",
        "11 mars 2025 11:00 : activation commencée",
        "11 mars 2025 11:00 : compte activé",
    ]


def test_a_revoked_then_reissued_letter_shows_both_letters(agent: User) -> None:
    import_people(JANE)
    jane = Person.objects.get(hr_id="1")
    with time_machine.travel(ISSUED + timedelta(days=2), tick=False):
        credentials_revoke(people=[jane], actor="hr.agent")
    with time_machine.travel(ISSUED + timedelta(days=3), tick=False):
        credentials_reissue(people=[jane], actor="hr.agent")

    assert timeline(agent, days=4) == [
        "3 mars 2025 09:00 : courrier remis",
        "5 mars 2025 09:00 : mot de passe provisoire révoqué",
        "6 mars 2025 09:00 : courrier remis",
    ]


def test_an_expired_letter_shows_when_its_password_stopped_working(
    agent: User, settings: Any
) -> None:
    settings.PORTIQUE_PROVISIONAL_PASSWORD_DAYS = 10
    import_people(JANE)
    remind(7)

    assert timeline(agent, days=15)[-1] == "13 mars 2025 23:59 : mot de passe provisoire expiré"


def test_the_page_shows_the_personal_address_from_hr(agent: User) -> None:
    import_people(JANE)
    browser = Client()
    browser.force_login(agent)

    page = readable(
        browser.get(f"/helpdesk/personnes/{Person.objects.get(hr_id='1').pk}/").content.decode()
    )

    assert "Adresse personnelle (RH) jane.perso@example.com" in page


def test_metrics_count_the_reminders_sent_and_the_letters_by_state() -> None:
    report = import_people(
        JANE,
        "2,Paul,Martin,staff,Chimie,paul@example.com",
        "3,Léa,Bernard,staff,Chimie,",
        "4,Anne,Durand,staff,Physique,anne@example.com",
    )
    with time_machine.travel(ISSUED + timedelta(days=1), tick=False):
        paul = Walker(Client(), person_of(report, "paul.martin"))
        paul.identify()
        paul.give_provisional_password()
        paul.give_recovery_email(RECOVERY)
        activate(Walker(Client(), person_of(report, "anne.durand")))
        credentials_revoke(people=[Person.objects.get(hr_id="3")], actor="hr.agent")
    remind(7)

    scraped = scrape(8)

    assert metric(scraped, "portique_reminders_sent_total") == 2
    letters = {
        state: metric(scraped, "portique_letters", state=state)
        for state in ("issued", "reminded", "started", "activated", "expired", "revoked")
    }
    assert letters == {
        "issued": 0,
        "reminded": 1,
        "started": 1,
        "activated": 1,
        "expired": 0,
        "revoked": 1,
    }


def test_metrics_count_a_letter_past_its_password_as_expired(settings: Any) -> None:
    settings.PORTIQUE_PROVISIONAL_PASSWORD_DAYS = 10
    import_people(JANE)

    assert metric(scrape(5), "portique_letters", state="issued") == 1
    assert metric(scrape(15), "portique_letters", state="expired") == 1
