"""The warning before a session ends (WCAG 2.2.1): pages served with a session say how long
it lasts, and "Prolonger la session" restarts the idle timeout, never the absolute one."""

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone

from portique.core.middleware import SESSION_RENEWED_AT, SESSION_STARTED_AT
from tests.factories import DemoPerson

PARIS = ZoneInfo("Europe/Paris")
STEP_1 = "/activation/identifiant/"
STEP_2 = "/activation/mot-de-passe-provisoire/"
EXTEND = "/session/prolonger/"
BODY = re.compile(r"<body([^>]*)>")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 12, 8, 0, tzinfo=PARIS), tick=False) as t:
        yield t


@pytest.fixture
def identified(staff: DemoPerson, client: Client, clock: time_machine.Traveller) -> Client:
    """A browser at step 2 of an activation: its session holds the identifier."""
    assert client.post(STEP_1, {"identifier": staff.login})["Location"] == STEP_2
    return client


def session_attributes(response: Any) -> dict[str, str]:
    """The data-session-* attributes of the page's <body>."""
    found = BODY.search(response.content.decode())
    assert found is not None
    return dict(re.findall(r'data-session-([\w-]+)="([^"]*)"', found.group(1)))


def expiry(client: Client) -> datetime:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


# --- The pages --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", STEP_1, "/annuaire/", "/charte/"])
def test_anonymous_page_carries_no_session_end_and_no_script(client: Client, path: str) -> None:
    page = client.get(path).content.decode()

    assert "data-session-" not in page
    assert static("portique/session.js") not in page
    assert 'id="session-timeout"' not in page


def test_page_of_an_activation_in_progress_says_the_session_lasts_30_minutes(
    identified: Client,
) -> None:
    response = identified.get(STEP_2)

    assert session_attributes(response) == {
        "seconds-left": "1800",
        "warn-seconds": "120",
        "final": "false",
    }
    page = response.content.decode()
    assert static("portique/session.js") in page
    assert 'data-extend-url="/session/prolonger/"' in page


def test_page_shown_after_a_post_that_renews_nothing_counts_from_the_last_renewal(
    identified: Client, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=10))

    response = identified.post(STEP_2, {"provisional_password": ""})

    assert response.status_code == 200
    assert session_attributes(response)["seconds-left"] == str(20 * 60)


def test_page_shown_10_minutes_after_the_last_renews_the_full_idle_time(
    identified: Client, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=10))

    assert session_attributes(identified.get(STEP_2))["seconds-left"] == "1800"


def test_page_near_the_absolute_lifetime_says_its_end_is_final(
    identified: Client, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.PORTIQUE_SESSION_ABSOLUTE_HOURS = 1
    clock.shift(timedelta(minutes=25))
    identified.get(STEP_2)
    clock.shift(timedelta(minutes=25))

    attributes = session_attributes(identified.get(STEP_2))

    assert attributes["seconds-left"] == str(10 * 60)
    assert attributes["final"] == "true"


@pytest.mark.parametrize(("idle_minutes", "warn_seconds"), [(30, 120), (4, 120), (3, 90), (1, 30)])
def test_warning_comes_two_minutes_before_the_end_or_at_half_a_short_idle_time(
    staff: DemoPerson, client: Client, settings: Any, idle_minutes: int, warn_seconds: int
) -> None:
    settings.SESSION_COOKIE_AGE = idle_minutes * 60
    client.post(STEP_1, {"identifier": staff.login})

    assert session_attributes(client.get(STEP_2))["warn-seconds"] == str(warn_seconds)


def test_session_holding_nothing_but_its_stamps_has_no_warning(db: None, client: Client) -> None:
    session = client.session
    session[SESSION_STARTED_AT] = session[SESSION_RENEWED_AT] = time.time()
    session.save()

    assert "data-session-" not in client.get("/").content.decode()
    assert client.post(EXTEND).json() == {"active": False}


def test_warning_texts_follow_the_language_of_the_page(identified: Client) -> None:
    french = identified.get(STEP_2).content.decode()
    english = identified.get(STEP_2, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Votre session va bientôt expirer" in french
    assert "Prolonger la session" in french
    assert "Your session will expire soon" in english
    assert "Extend the session" in english
    assert "Prolonger la session" not in english
    # The script writes the time left in the sentence, in place of this element.
    assert "it will be closed in <span data-session-duration></span>;" in english


# --- "Prolonger la session" ---------------------------------------------------------------


def test_extending_restarts_the_idle_timeout(
    identified: Client, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=20))

    answer = identified.post(EXTEND).json()

    assert answer == {"active": True, "seconds_left": 1800, "final": False}
    assert expiry(identified) == timezone.now() + timedelta(minutes=30)


def test_session_extended_at_20_minutes_is_kept_at_49(
    identified: Client, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=20))
    identified.post(EXTEND)
    clock.shift(timedelta(minutes=29))

    assert identified.get(STEP_2).status_code == 200


def test_extending_never_passes_the_absolute_lifetime(
    identified: Client, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.PORTIQUE_SESSION_ABSOLUTE_HOURS = 1
    clock.shift(timedelta(minutes=25))
    identified.post(EXTEND)
    clock.shift(timedelta(minutes=25))

    answer = identified.post(EXTEND).json()

    assert answer == {"active": True, "seconds_left": 10 * 60, "final": True}
    clock.shift(timedelta(minutes=10, seconds=1))
    assert identified.post(EXTEND).json() == {"active": False}


def test_extending_a_session_ended_by_the_idle_timeout_says_it_has_ended(
    identified: Client, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=31))

    assert identified.post(EXTEND).json() == {"active": False}
    assert identified.get(STEP_2)["Location"] == STEP_1


def test_extending_without_a_session_begins_none(db: None, client: Client) -> None:
    response = client.post(EXTEND)

    assert response.json() == {"active": False}
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_extending_is_never_cached(identified: Client) -> None:
    assert "no-store" in identified.post(EXTEND)["Cache-Control"]


def test_extending_takes_a_post_only(identified: Client) -> None:
    assert identified.get(EXTEND).status_code == 405


def test_extending_takes_the_csrf_token(staff: DemoPerson, clock: time_machine.Traveller) -> None:
    browser = Client(enforce_csrf_checks=True)
    token = browser.get(STEP_1).cookies["csrftoken"].value
    browser.post(STEP_1, {"identifier": staff.login, "csrfmiddlewaretoken": token})
    clock.shift(timedelta(minutes=20))
    before = expiry(browser)

    assert browser.post(EXTEND).status_code == 403
    assert expiry(browser) == before
    assert browser.post(EXTEND, HTTP_X_CSRFTOKEN=token).json()["active"] is True
    assert expiry(browser) > before
