"""Guessing the provisional password (step 2): an account is locked after
PORTIQUE_LOCK_FAILURES failures in PORTIQUE_LOCK_WINDOW_MINUTES, for PORTIQUE_LOCK_MINUTES,
the right password included; a client address after PORTIQUE_IP_FAILURES failures across
accounts. A lock answers exactly as a wrong password does."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.activation.models import ActivationFlow
from portique.activation.services import AuthenticationOutcome, activation_authenticate
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.security.conftest import REFUSAL, STEP_2, STEP_3, WRONG, attempt, browser
from tests.support.pages import error_summary, text

PARIS = ZoneInfo("Europe/Paris")
ATTACKER = "198.51.100.66"
ELSEWHERE_IP = "198.51.100.77"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 12, 10, 0, tzinfo=PARIS), tick=False) as t:
        yield t


def fail(client: Client, identifier: str, times: int) -> None:
    for _ in range(times):
        attempt(client, identifier, WRONG)


def accepted(response: Any) -> bool:
    """Whether step 2 let the person through, to step 3."""
    return response.status_code == 302 and response["Location"] == STEP_3


# --- Per account ------------------------------------------------------------------------


def test_right_password_after_eleven_failures_is_refused_exactly_as_a_wrong_one(
    staff: DemoPerson, client: Client
) -> None:
    first_wrong = attempt(client, staff.login, WRONG)
    fail(client, staff.login, 10)

    right = attempt(client, staff.login, staff.provisional_password)

    assert REFUSAL in error_summary(first_wrong)
    assert error_summary(right) == error_summary(first_wrong)
    assert right.status_code == first_wrong.status_code == 200
    assert not ActivationFlow.objects.filter(login=staff.login).exists()


def test_ten_failures_within_fifteen_minutes_lock_the_account(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller
) -> None:
    for _ in range(10):
        attempt(client, staff.login, WRONG)
        clock.shift(timedelta(seconds=90))  # ten failures over 13.5 minutes

    right = attempt(client, staff.login, staff.provisional_password)

    assert REFUSAL in text(right)
    assert not ActivationFlow.objects.filter(login=staff.login).exists()


def test_nine_failures_do_not_lock_the_account(staff: DemoPerson, client: Client) -> None:
    fail(client, staff.login, 9)

    assert accepted(attempt(client, staff.login, staff.provisional_password))


def test_failures_spread_over_more_than_the_window_do_not_lock_the_account(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller
) -> None:
    for _ in range(10):
        attempt(client, staff.login, WRONG)
        clock.shift(timedelta(minutes=2))  # ten failures over 20 minutes

    assert accepted(attempt(client, staff.login, staff.provisional_password))


def test_failures_six_minutes_apart_lock_the_account_within_a_one_hour_window(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.PORTIQUE_LOCK_WINDOW_MINUTES = 60
    for _ in range(10):
        attempt(client, staff.login, WRONG)
        clock.shift(timedelta(minutes=6))  # ten failures over 54 minutes

    assert REFUSAL in text(attempt(client, staff.login, staff.provisional_password))


def test_locked_account_still_refuses_the_right_password_14_minutes_later(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, staff.login, 10)
    clock.shift(timedelta(minutes=14))

    right = attempt(client, staff.login, staff.provisional_password)

    assert REFUSAL in text(right)


def test_right_password_works_again_16_minutes_after_the_lock(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller
) -> None:
    fail(client, staff.login, 10)
    clock.shift(timedelta(minutes=16))

    assert accepted(attempt(client, staff.login, staff.provisional_password))


def test_lock_lasts_as_long_as_the_setting_says(
    staff: DemoPerson, client: Client, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.PORTIQUE_LOCK_MINUTES = 60
    fail(client, staff.login, 10)
    clock.shift(timedelta(minutes=59))

    assert REFUSAL in text(attempt(client, staff.login, staff.provisional_password))


def test_lock_writes_an_account_locked_audit_event(staff: DemoPerson, client: Client) -> None:
    fail(client, staff.login, 9)
    assert not AuditEvent.objects.filter(action="account_locked").exists()

    attempt(client, staff.login, WRONG)

    locked = AuditEvent.objects.get(action="account_locked")
    assert (locked.subject, locked.client_ip) == (staff.login, "127.0.0.1")


def test_success_resets_the_accounts_failure_counter(staff: DemoPerson, client: Client) -> None:
    fail(client, staff.login, 9)
    assert accepted(attempt(client, staff.login, staff.provisional_password))
    fail(client, staff.login, 9)

    assert accepted(attempt(client, staff.login, staff.provisional_password))


def test_spellings_of_a_login_and_its_address_share_one_failure_counter(
    staff: DemoPerson, client: Client
) -> None:
    spellings = ["Jane.Doe", " jane.doe ", "JANE.DOE", "jane.doe@umontpellier.fr"]
    for failure in range(10):
        attempt(client, spellings[failure % len(spellings)], WRONG)

    right = attempt(client, "jane.doe", staff.provisional_password)

    assert REFUSAL in text(right)


# --- Per client address -----------------------------------------------------------------


def test_address_with_too_many_failures_across_accounts_is_refused_the_right_password(
    staff: DemoPerson, settings: Any
) -> None:
    settings.PORTIQUE_IP_FAILURES = 5
    attacker = browser(ATTACKER)
    for n in range(5):
        attempt(attacker, f"nobody{n}.here", WRONG)

    right = attempt(attacker, staff.login, staff.provisional_password)

    assert REFUSAL in text(right)
    assert not ActivationFlow.objects.filter(login=staff.login).exists()


def test_address_lock_does_not_refuse_another_address(staff: DemoPerson, settings: Any) -> None:
    settings.PORTIQUE_IP_FAILURES = 5
    attacker = browser(ATTACKER)
    for n in range(5):
        attempt(attacker, f"nobody{n}.here", WRONG)

    right = attempt(browser(ELSEWHERE_IP), staff.login, staff.provisional_password)

    assert accepted(right)


def _fail_from(ip: str, times: int) -> None:
    for n in range(times):
        activation_authenticate(identifier=f"nobody{n}.here", provisional_password=WRONG, ip=ip)


def test_address_is_locked_by_fifty_failures_by_default(staff: DemoPerson) -> None:
    _fail_from(ATTACKER, 50)

    right = attempt(browser(ATTACKER), staff.login, staff.provisional_password)

    assert REFUSAL in text(right)


def test_address_is_not_locked_by_forty_nine_failures_by_default(staff: DemoPerson) -> None:
    _fail_from(ATTACKER, 49)

    result = activation_authenticate(
        identifier=staff.login, provisional_password=staff.provisional_password, ip=ATTACKER
    )

    assert result.outcome == AuthenticationOutcome.ACCEPTED


def test_step_2_refusal_keeps_the_person_on_step_2(staff: DemoPerson, client: Client) -> None:
    fail(client, staff.login, 10)

    assert client.get(STEP_3)["Location"] == "/activation/identifiant/"
    assert client.get(STEP_2).status_code == 200
