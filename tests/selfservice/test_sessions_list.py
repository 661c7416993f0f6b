""" "Compte Informatique" lists the account's open sessions (ASVS V7.5.2): the browser of
each, from the User-Agent recorded at login, when it began and when it was last used, in
Paris time, the current one marked « Cette session »."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portique.selfservice.models import AccountSession
from tests.factories import DemoPerson
from tests.support.after_activation import (
    CHROME_ON_WINDOWS,
    FIREFOX_ON_LINUX,
    RECOVERY,
    Activated,
    ActivatePerson,
    logged_in_browser,
    session_key,
    sessions_listed,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

# 08:15 in UTC is 09:15 in Paris (winter time).
LOGIN_AT = datetime(2025, 3, 13, 8, 15, tzinfo=UTC)


def browsers(client: Client) -> list[str]:
    return [browser for browser, _ in sessions_listed(client.get("/compte/"))]


def test_list_shows_each_open_session_with_its_browser(activated: Activated) -> None:
    firefox = logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    logged_in_browser(activated.login, HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    assert sorted(browsers(firefox)) == ["Chrome sur Windows", "Firefox sur Linux — Cette session"]


def test_list_marks_the_current_session_and_puts_it_first(activated: Activated) -> None:
    logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    chrome = logged_in_browser(activated.login, HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    assert browsers(chrome) == ["Chrome sur Windows — Cette session", "Firefox sur Linux"]


def test_list_shows_when_a_session_began_in_paris_time(activated: Activated) -> None:
    with time_machine.travel(LOGIN_AT, tick=False):
        browser = logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)

        [(_, details)] = sessions_listed(browser.get("/compte/"))

    assert details.startswith("Ouverte le 13 mars 2025 à 09:15")


def test_last_use_moves_forward_when_a_page_is_shown_five_minutes_later(
    activated: Activated,
) -> None:
    with time_machine.travel(LOGIN_AT, tick=False) as traveller:
        browser = logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)
        traveller.shift(timedelta(minutes=7))

        [(_, details)] = sessions_listed(browser.get("/compte/"))

    assert details == "Ouverte le 13 mars 2025 à 09:15, dernière activité le 13 mars 2025 à 09:22"


def test_last_use_is_left_out_while_it_is_the_minute_the_session_began(
    activated: Activated,
) -> None:
    with time_machine.travel(LOGIN_AT, tick=False):
        browser = logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)

        [(_, details)] = sessions_listed(browser.get("/compte/"))

    assert details == "Ouverte le 13 mars 2025 à 09:15"


def test_last_use_is_not_written_again_within_five_minutes(activated: Activated) -> None:
    with time_machine.travel(LOGIN_AT, tick=False) as traveller:
        browser = logged_in_browser(activated.login)
        traveller.shift(timedelta(minutes=4))

        with CaptureQueriesContext(connection) as captured:
            browser.get("/compte/")

    writes = [q["sql"] for q in captured if q["sql"].startswith('UPDATE "selfservice_')]
    assert writes == []
    assert AccountSession.objects.get().last_seen_at == LOGIN_AT


def test_session_that_ended_by_itself_is_not_listed(activated: Activated) -> None:
    current = logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    idle = logged_in_browser(activated.login, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    Session.objects.filter(session_key=session_key(idle)).update(
        expire_date=datetime.now(UTC) - timedelta(seconds=1)
    )

    assert browsers(current) == ["Firefox sur Linux — Cette session"]


def test_list_leaves_out_other_peoples_sessions(
    signed_in: Client, vacataire: DemoPerson, activate: ActivatePerson
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    logged_in_browser(other.login, HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    assert len(browsers(signed_in)) == 1


def test_browser_unknown_to_the_portal_is_listed_as_such(signed_in: Client) -> None:
    assert browsers(signed_in) == ["Navigateur inconnu — Cette session"]


def test_user_agent_is_kept_to_200_characters(activated: Activated) -> None:
    logged_in_browser(activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX + " x" * 300)

    assert AccountSession.objects.get().user_agent == (FIREFOX_ON_LINUX + " x" * 300)[:200]


def test_user_agent_is_never_written_into_the_page(activated: Activated) -> None:
    forged = '<script>alert("x")</script><b>Firefox/1.0</b>'
    browser = logged_in_browser(activated.login, HTTP_USER_AGENT=forged)

    body = browser.get("/compte/").content.decode()

    assert "alert(" not in body
    assert "<b>Firefox" not in body
    assert browsers(browser) == ["Firefox — Cette session"]


def test_close_the_others_is_offered_only_when_there_are_others(
    activated: Activated, signed_in: Client
) -> None:
    assert "Fermer les autres sessions" not in text(signed_in.get("/compte/"))

    logged_in_browser(activated.login)

    assert "Fermer les autres sessions" in text(signed_in.get("/compte/"))


def test_list_is_in_english_for_a_browser_asking_for_english(activated: Activated) -> None:
    browser = logged_in_browser(
        activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX, HTTP_ACCEPT_LANGUAGE="en"
    )

    page = text(browser.get("/compte/"))

    assert "Firefox on Linux — This session" in page
    assert "Open sessions" in page
