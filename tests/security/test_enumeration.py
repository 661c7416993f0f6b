"""Nobody learns from the activation pages whether an account exists, is locked or is
already activated, unless they hold its provisional password: same page, status, cookies
and work as a wrong password on a real account."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.activation.services import activation_authenticate
from portique.passwords import provisional
from tests.factories import DemoPerson, PersonFactory
from tests.security.conftest import (
    REFUSAL,
    STEP_1,
    STEP_2,
    STEP_3,
    WRONG,
    MakeWalker,
    activate,
    attempt,
    browser,
    without_csrf_value,
)
from tests.support.pages import text

PARIS = ZoneInfo("Europe/Paris")
UNKNOWN = "zoe.nobody"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    # Cookies carry an expiry date: the same instant for every case makes them comparable.
    with time_machine.travel(datetime(2025, 3, 12, 10, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def locked() -> DemoPerson:
    """A person whose account is locked by failures from another address."""
    person = PersonFactory(login="marc.petit", first_name="Marc", last_name="Petit")
    for _ in range(10):
        activation_authenticate(
            identifier=person.login, provisional_password=WRONG, ip="192.0.2.50"
        )
    return person


@pytest.fixture
def activated(student: DemoPerson, walker_for: MakeWalker) -> DemoPerson:
    """A person who finished the activation."""
    activate(walker_for(student, Client()))
    return student


# --- Steps 1 and 2 before the provisional password ----------------------------------------


def test_step_1_answers_alike_for_a_real_and_an_unknown_identifier(staff: DemoPerson) -> None:
    real = browser().post(STEP_1, {"identifier": staff.login})
    unknown = browser().post(STEP_1, {"identifier": UNKNOWN})

    assert (real.status_code, real["Location"]) == (unknown.status_code, unknown["Location"])
    assert real["Location"] == STEP_2


def test_step_2_shows_the_identifier_as_typed(staff: DemoPerson, client: Client) -> None:
    client.post(STEP_1, {"identifier": "Jane.Doe"})

    assert "Jane.Doe" in text(client.get(STEP_2))


def test_step_2_does_not_reveal_the_university_address_of_a_typed_login(
    staff: DemoPerson, client: Client
) -> None:
    client.post(STEP_1, {"identifier": "Jane.Doe"})

    page = client.get(STEP_2).content.decode().lower()

    assert staff.email not in page


def test_university_address_appears_once_the_provisional_password_is_right(
    staff: DemoPerson, client: Client
) -> None:
    response = attempt(client, "Jane.Doe", staff.provisional_password)

    assert response["Location"] == STEP_3
    assert staff.email in text(client.get(STEP_3))


# --- A refusal looks the same whatever the reason -------------------------------------------

Refusal = tuple[Any, int]  # the answer to step 2, and how many provisional hashes it made


def _refuse(identifier: str) -> Refusal:
    """Steps 1 and 2 with a wrong provisional password, in a fresh browser."""
    client = browser()
    client.get(STEP_1)
    client.post(STEP_1, {"identifier": identifier})
    client.get(STEP_2)
    with mock.patch.object(provisional, "make", wraps=provisional.make) as hasher:
        response = client.post(STEP_2, {"provisional_password": WRONG})
    return response, hasher.call_count


@pytest.fixture
def refused(staff: DemoPerson, request: pytest.FixtureRequest) -> Callable[[str], Refusal]:
    """Refuse a wrong password for the identifier of a case: "wrong" (a real account),
    "unknown", "locked" or "activated"."""

    def make(case: str) -> Refusal:
        identifier = {
            "wrong": lambda: staff.login,
            "unknown": lambda: UNKNOWN,
            "locked": lambda: request.getfixturevalue("locked").login,
            "activated": lambda: request.getfixturevalue("activated").login,
        }[case]()
        return _refuse(identifier)

    return make


def _page(response: Any, identifier: str) -> str:
    """The page, without what differs by construction: the CSRF token and the identifier
    shown as typed."""
    return without_csrf_value(response.content.decode()).replace(identifier, "IDENTIFIANT")


def _cookies(response: Any) -> dict[str, dict[str, Any]]:
    """The cookies the answer sets: names and attributes, not values."""
    return {
        name: {attribute: value for attribute, value in morsel.items() if value}
        for name, morsel in response.cookies.items()
    }


CASES = ["unknown", "locked", "activated"]
IDENTIFIERS = {"unknown": UNKNOWN, "locked": "marc.petit", "activated": "lea.bernard"}


@pytest.mark.parametrize("case", CASES)
def test_refusal_page_is_the_same_as_for_a_wrong_password(
    case: str, refused: Callable[[str], Refusal]
) -> None:
    other, _ = refused(case)
    wrong, _ = refused("wrong")

    assert REFUSAL in text(wrong)
    assert _page(other, IDENTIFIERS[case]) == _page(wrong, "jane.doe")


@pytest.mark.parametrize("case", CASES)
def test_refusal_status_is_the_same_as_for_a_wrong_password(
    case: str, refused: Callable[[str], Refusal]
) -> None:
    other, _ = refused(case)
    wrong, _ = refused("wrong")

    assert other.status_code == wrong.status_code == 200


@pytest.mark.parametrize("case", CASES)
def test_refusal_sets_the_same_cookies_as_a_wrong_password(
    case: str, refused: Callable[[str], Refusal]
) -> None:
    other, _ = refused(case)
    wrong, _ = refused("wrong")

    assert _cookies(wrong)  # the comparison is not between two empty sets
    assert _cookies(other) == _cookies(wrong)


@pytest.mark.parametrize("case", ["wrong", *CASES])
def test_refusal_computes_the_provisional_hash_exactly_once(
    case: str, refused: Callable[[str], Refusal]
) -> None:
    _, hashes = refused(case)

    assert hashes == 1


# --- The right provisional password of an activated account -------------------------------


def test_activated_account_with_its_right_provisional_password_is_sent_to_the_login_page(
    activated: DemoPerson,
) -> None:
    response = attempt(browser(), activated.login, activated.provisional_password)

    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_page_then_points_an_activated_person_to_connection_problem(
    activated: DemoPerson,
) -> None:
    client = browser()
    attempt(client, activated.login, activated.provisional_password)

    page = text(client.get("/"))

    assert "Votre compte est déjà activé" in page
    assert "utilisez « Problème de connexion » si vous l'avez oublié" in page
