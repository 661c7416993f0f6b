"""Ending sessions from "Compte Informatique" (ASVS V7.5.2): « Fermer les autres sessions »
logs every other browser out and keeps this one, « Fermer » logs one browser out, each is
audited; nobody can end a session that is not theirs. Logging out forgets the session."""

from typing import Any

import pytest
from django.test import Client

from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from tests.factories import DemoPerson
from tests.support.after_activation import (
    CHROME_ON_WINDOWS,
    FIREFOX_ON_LINUX,
    RECOVERY,
    Activated,
    ActivatePerson,
    logged_in_browser,
    logged_out,
    session_key,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

CLOSE_OTHERS = "/compte/sessions/fermer-les-autres/"
CLOSE_ONE = "/compte/sessions/fermer/"
PERSON_IP = "203.0.113.7"


@pytest.fixture
def this_browser(activated: Activated) -> Client:
    return logged_in_browser(
        activated.login, HTTP_USER_AGENT=FIREFOX_ON_LINUX, REMOTE_ADDR=PERSON_IP
    )


@pytest.fixture
def other_browser(activated: Activated, this_browser: Client) -> Client:
    """The same person, logged in elsewhere after `this_browser`."""
    return logged_in_browser(activated.login, HTTP_USER_AGENT=CHROME_ON_WINDOWS)


def id_of(client: Client) -> int:
    """The id by which the page names the session this browser holds."""
    return AccountSession.objects.get(session_key=session_key(client)).pk


def close_one(client: Client, session_id: int | str) -> Any:
    return client.post(CLOSE_ONE, {"session": session_id})


# --- « Fermer les autres sessions » -------------------------------------------------------


def test_closing_the_others_logs_another_browser_out(
    this_browser: Client, other_browser: Client
) -> None:
    this_browser.post(CLOSE_OTHERS)

    assert logged_out(other_browser)


def test_closing_the_others_keeps_this_browser_logged_in(
    this_browser: Client, other_browser: Client
) -> None:
    response = this_browser.post(CLOSE_OTHERS)

    assert response["Location"] == "/compte/"
    assert this_browser.get("/compte/").status_code == 200


def test_closing_the_others_says_how_many_were_closed(
    activated: Activated, this_browser: Client, other_browser: Client
) -> None:
    logged_in_browser(activated.login)

    page = this_browser.post(CLOSE_OTHERS, follow=True)

    assert "2 autres sessions ont été fermées." in text(page)


def test_closing_the_others_is_audited_with_the_count(
    activated: Activated, this_browser: Client, other_browser: Client
) -> None:
    this_browser.post(CLOSE_OTHERS)

    row = AuditEvent.objects.get(action="sessions_ended")
    assert (row.actor, row.subject, row.client_ip) == (activated.login, activated.login, PERSON_IP)
    assert row.data == {"count": 1}


def test_closing_the_others_leaves_only_this_session_listed(
    this_browser: Client, other_browser: Client
) -> None:
    page = this_browser.post(CLOSE_OTHERS, follow=True)

    assert "Chrome sur Windows" not in text(page)
    assert "Firefox sur Linux — Cette session" in text(page)


def test_closing_the_others_when_alone_says_none_was_open(this_browser: Client) -> None:
    page = this_browser.post(CLOSE_OTHERS, follow=True)

    assert "Aucune autre session n'était ouverte." in text(page)


def test_closing_the_others_leaves_other_peoples_sessions_alone(
    this_browser: Client, vacataire: DemoPerson, activate: ActivatePerson
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    their_browser = logged_in_browser(other.login)

    this_browser.post(CLOSE_OTHERS)

    assert their_browser.get("/compte/").status_code == 200


# --- « Fermer » one session ---------------------------------------------------------------


def test_closing_one_session_logs_that_browser_out(
    this_browser: Client, other_browser: Client
) -> None:
    close_one(this_browser, id_of(other_browser))

    assert logged_out(other_browser)


def test_closing_one_session_keeps_the_others(
    activated: Activated, this_browser: Client, other_browser: Client
) -> None:
    third = logged_in_browser(activated.login)

    close_one(this_browser, id_of(other_browser))

    assert this_browser.get("/compte/").status_code == 200
    assert third.get("/compte/").status_code == 200


def test_closing_one_session_says_so(this_browser: Client, other_browser: Client) -> None:
    page = this_browser.post(CLOSE_ONE, {"session": id_of(other_browser)}, follow=True)

    assert "La session est fermée." in text(page)


def test_closing_one_session_is_audited_with_its_browser(
    activated: Activated, this_browser: Client, other_browser: Client
) -> None:
    closed = id_of(other_browser)

    close_one(this_browser, closed)

    row = AuditEvent.objects.get(action="session_ended")
    assert (row.actor, row.subject, row.client_ip) == (activated.login, activated.login, PERSON_IP)
    assert row.data == {"session_id": closed, "user_agent": CHROME_ON_WINDOWS}


def test_closing_another_persons_session_is_refused(
    this_browser: Client, vacataire: DemoPerson, activate: ActivatePerson
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    their_browser = logged_in_browser(other.login)

    page = this_browser.post(CLOSE_ONE, {"session": id_of(their_browser)}, follow=True)

    assert "Cette session était déjà fermée." in text(page)
    assert their_browser.get("/compte/").status_code == 200
    assert not AuditEvent.objects.filter(action="session_ended").exists()


def test_closing_this_session_by_its_id_is_ignored(this_browser: Client) -> None:
    close_one(this_browser, id_of(this_browser))

    assert this_browser.get("/compte/").status_code == 200
    assert not AuditEvent.objects.filter(action="session_ended").exists()


@pytest.mark.parametrize("posted", ["", "abc", "-1", "0", "99999999"])
def test_closing_a_session_that_does_not_exist_says_it_is_closed(
    this_browser: Client, posted: str
) -> None:
    page = this_browser.post(CLOSE_ONE, {"session": posted}, follow=True)

    assert "Cette session était déjà fermée." in text(page)


# --- Both buttons -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [CLOSE_OTHERS, CLOSE_ONE])
def test_close_button_refuses_a_get(this_browser: Client, path: str) -> None:
    assert this_browser.get(path).status_code == 405


@pytest.mark.parametrize("path", [CLOSE_OTHERS, CLOSE_ONE])
def test_close_button_without_the_csrf_token_is_refused(
    activated: Activated, other_browser: Client, path: str
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["sessionid"] = session_key(logged_in_browser(activated.login))

    response = browser.post(path, {"session": id_of(other_browser)})

    assert response.status_code == 403
    assert other_browser.get("/compte/").status_code == 200


@pytest.mark.parametrize("path", [CLOSE_OTHERS, CLOSE_ONE])
def test_close_button_sends_a_visitor_to_the_home_page(
    other_browser: Client, client: Client, path: str
) -> None:
    response = client.post(path, {"session": id_of(other_browser)})

    assert response["Location"] == "/"
    assert other_browser.get("/compte/").status_code == 200


# --- Logging out --------------------------------------------------------------------------


def test_logout_removes_the_session_from_the_list(
    this_browser: Client, other_browser: Client
) -> None:
    key = session_key(other_browser)

    other_browser.post("/deconnexion/")

    assert not AccountSession.objects.filter(session_key=key).exists()
    assert "Chrome sur Windows" not in text(this_browser.get("/compte/"))
