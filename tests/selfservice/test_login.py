"""Logging in on the home page ("IDENTIFIANT", "MOT DE PASSE", "SE CONNECTER") and out:
refusals that tell nothing, the lock after ten failures, and sessions that really end."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client

from portique.accounts.stores import get_account_store
from tests.factories import DemoPerson
from tests.support.after_activation import (
    PARIS,
    PASSWORD,
    REFUSAL,
    WRONG,
    Activated,
    actions_of,
    let_in,
    log_in,
    without_csrf_value,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, tzinfo=PARIS), tick=False) as t:
        yield t


def fail(client: Client, identifier: str, times: int) -> None:
    for _ in range(times):
        assert not let_in(log_in(client, identifier, WRONG))


# --- Who gets in -----------------------------------------------------------------------


def test_home_page_offers_identifier_password_and_connect(client: Client) -> None:
    page = text(client.get("/"))

    assert "IDENTIFIANT" in page
    assert "MOT DE PASSE" in page
    assert "SE CONNECTER" in page


def test_login_and_password_open_compte_informatique(activated: Activated, client: Client) -> None:
    response = log_in(client, activated.login)

    assert let_in(response)
    assert "Compte Informatique" in text(client.get("/compte/"))


def test_university_address_and_password_open_compte_informatique(
    activated: Activated, client: Client
) -> None:
    assert let_in(log_in(client, activated.email))


def test_login_goes_through_the_account_store(activated: Activated, client: Client) -> None:
    store = get_account_store()
    with mock.patch.object(store, "verify_password", wraps=store.verify_password) as verify:
        log_in(client, activated.login)

    verify.assert_called_once_with(activated.login, PASSWORD)


# --- Refusals that tell nothing --------------------------------------------------------

REFUSED_CASES = ["wrong-password", "unknown-identifier", "not-yet-activated"]


@pytest.fixture
def refused_attempt(
    request: pytest.FixtureRequest, activated: Activated, student: DemoPerson
) -> tuple[str, str]:
    """An identifier and a password that must be refused, one case per parameter."""
    return {
        "wrong-password": (activated.login, WRONG),
        "unknown-identifier": ("nobody.here", PASSWORD),
        # Léa Bernard exists but never activated: even her provisional password fails.
        "not-yet-activated": (student.login, student.provisional_password),
    }[request.param]


def refusal_page(client: Client, identifier: str, password: str) -> str:
    """The refusal as a person sees it, with the identifier they typed blanked out."""
    response = log_in(client, identifier, password)
    assert response.status_code == 200
    return without_csrf_value(response.content.decode()).replace(identifier, "…")


@pytest.mark.parametrize("refused_attempt", REFUSED_CASES, indirect=True)
def test_refused_login_says_identifier_or_password_incorrect(
    refused_attempt: tuple[str, str], client: Client
) -> None:
    response = log_in(client, *refused_attempt)

    assert response.status_code == 200
    assert REFUSAL in text(response)
    assert "/compte/" not in response.get("Location", "")


@pytest.mark.parametrize("refused_attempt", REFUSED_CASES, indirect=True)
def test_refused_login_shows_the_same_page_as_a_wrong_password(
    refused_attempt: tuple[str, str], activated: Activated
) -> None:
    reference = refusal_page(Client(), activated.login, WRONG)

    assert refusal_page(Client(), *refused_attempt) == reference


@pytest.mark.parametrize("refused_attempt", REFUSED_CASES, indirect=True)
def test_refused_login_runs_the_password_hasher_exactly_once(
    refused_attempt: tuple[str, str], client: Client
) -> None:
    original_encode = Argon2PasswordHasher.encode
    original_verify = Argon2PasswordHasher.verify
    with (
        mock.patch.object(
            Argon2PasswordHasher, "encode", autospec=True, side_effect=original_encode
        ) as encode,
        mock.patch.object(
            Argon2PasswordHasher, "verify", autospec=True, side_effect=original_verify
        ) as verify,
    ):
        log_in(client, *refused_attempt)

    assert encode.call_count + verify.call_count == 1


def test_refused_login_sets_no_account_in_the_session(activated: Activated, client: Client) -> None:
    log_in(client, activated.login, WRONG)

    assert client.get("/compte/")["Location"] == "/"


# --- The lock after ten failures ---------------------------------------------------------


def test_ten_failures_lock_out_the_right_password_with_the_same_message(
    activated: Activated, client: Client, clock: time_machine.Traveller
) -> None:
    wrong = log_in(client, activated.login, WRONG)
    fail(client, activated.login, 9)

    right = log_in(client, activated.login, PASSWORD)

    assert right.status_code == 200
    assert REFUSAL in text(right)
    assert text(right) == text(wrong)


def test_nine_failures_leave_the_right_password_working(
    activated: Activated, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, activated.login, 9)

    assert let_in(log_in(client, activated.login, PASSWORD))


def test_locked_account_still_refuses_the_right_password_14_minutes_later(
    activated: Activated, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, activated.login, 10)
    clock.shift(timedelta(minutes=14))

    assert not let_in(log_in(client, activated.login, PASSWORD))


def test_right_password_works_again_16_minutes_after_the_lock(
    activated: Activated, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, activated.login, 10)
    clock.shift(timedelta(minutes=16))

    assert let_in(log_in(client, activated.login, PASSWORD))


def test_failures_by_the_university_address_lock_the_login_too(
    activated: Activated, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, activated.email, 10)

    assert not let_in(log_in(client, activated.login, PASSWORD))


# --- Sessions ------------------------------------------------------------------------


def session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def test_login_gives_a_new_session_id(activated: Activated, client: Client) -> None:
    before = client.session.session_key
    assert before

    log_in(client, activated.login)

    assert session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_deletes_the_session_on_the_server(signed_in: Client) -> None:
    key = session_key(signed_in)
    assert Session.objects.filter(session_key=key).exists()

    response = signed_in.post("/deconnexion/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Session.objects.filter(session_key=key).exists()


def test_account_page_sends_to_the_home_page_after_logout(signed_in: Client) -> None:
    signed_in.post("/deconnexion/")

    response = signed_in.get("/compte/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_old_session_cookie_opens_nothing_after_logout(signed_in: Client) -> None:
    replay = Client()
    replay.cookies["sessionid"] = session_key(signed_in)
    signed_in.post("/deconnexion/")

    assert replay.get("/compte/")["Location"] == "/"


def test_logout_is_refused_by_get(signed_in: Client) -> None:
    assert signed_in.get("/deconnexion/").status_code == 405
    assert signed_in.get("/compte/").status_code == 200


def test_account_page_without_login_sends_to_the_home_page(client: Client) -> None:
    response = client.get("/compte/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_writes_a_login_succeeded_audit_event(activated: Activated, client: Client) -> None:
    log_in(client, activated.login)

    assert actions_of(activated.login)[-1] == "login_succeeded"
