"""A password changed on "Compte Informatique" ends every other session of the account, as
a reset does: whoever had opened one with the old password is out. The browser that made
the change stays logged in, under a new session id."""

import pytest
from django.test import Client

from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.support.after_activation import (
    NEW_PASSWORD,
    PASSWORD,
    RECOVERY,
    WRONG,
    Activated,
    ActivatePerson,
    change_password,
    logged_in_browser,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]


def session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def logged_out(client: Client) -> bool:
    """Whether "Compte Informatique" sends this browser back to the home page."""
    response = client.get("/compte/")
    return response.status_code == 302 and response["Location"] == "/"


@pytest.fixture
def other_browser(activated: Activated) -> Client:
    """A second browser in which the same person has logged in."""
    return logged_in_browser(activated.login)


def test_account_page_says_a_password_change_closes_the_other_sessions(
    signed_in: Client,
) -> None:
    page = text(signed_in.get("/compte/"))

    assert "Vos sessions ouvertes sur d'autres navigateurs ou appareils seront fermées." in page


def test_password_change_logs_out_another_browser(signed_in: Client, other_browser: Client) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert logged_out(other_browser)


def test_password_change_keeps_the_browser_that_made_it_logged_in(
    signed_in: Client, other_browser: Client
) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert signed_in.get("/compte/").status_code == 200


def test_password_change_gives_the_browser_that_made_it_a_new_session_id(
    signed_in: Client,
) -> None:
    before = session_key(signed_in)

    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert session_key(signed_in) != before


def test_session_id_from_before_the_password_change_opens_nothing(signed_in: Client) -> None:
    replay = Client()
    replay.cookies["sessionid"] = session_key(signed_in)

    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert logged_out(replay)


def test_browser_kept_by_a_password_change_is_logged_out_by_the_next_one(
    activated: Activated, signed_in: Client
) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)
    later = logged_in_browser(activated.login, NEW_PASSWORD)

    change_password(later, NEW_PASSWORD, PASSWORD)

    assert logged_out(signed_in)


def test_wrong_current_password_logs_out_no_browser(
    signed_in: Client, other_browser: Client
) -> None:
    change_password(signed_in, WRONG, NEW_PASSWORD)

    assert other_browser.get("/compte/").status_code == 200


def test_new_password_refused_by_the_rules_logs_out_no_browser(
    signed_in: Client, other_browser: Client
) -> None:
    change_password(signed_in, PASSWORD, "soleil2024")

    assert other_browser.get("/compte/").status_code == 200


def test_password_change_leaves_other_peoples_sessions_alone(
    signed_in: Client, vacataire: DemoPerson, activate: ActivatePerson
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    their_browser = logged_in_browser(other.login)

    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert their_browser.get("/compte/").status_code == 200


def test_password_change_audit_event_counts_the_sessions_it_ended(
    activated: Activated, signed_in: Client, other_browser: Client
) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    event = AuditEvent.objects.get(subject=activated.login, action="password_changed")
    assert event.data["sessions_ended"] == 1
