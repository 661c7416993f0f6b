"""The audit trail: a row for every authentication, lock and change, with who, whom, what,
from where and when; never a secret; readable, not writable, in the admin."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.security.conftest import (
    ELSEWHERE,
    NEW_PASSWORD,
    RECOVERY,
    WRONG,
    attempt,
    browser,
    token_of,
)
from tests.support.mail import last_link
from tests.support.walkers import Walker

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)
IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person_browser() -> Client:
    return browser(IP)


def row(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def who_what_where_when(event: AuditEvent) -> tuple[str, str, str, str | None, datetime]:
    return (event.actor, event.subject, event.action, event.client_ip, event.at)


# --- One row per event ------------------------------------------------------------------


def test_accepted_provisional_password_is_audited(
    staff: DemoPerson, person_browser: Client
) -> None:
    attempt(person_browser, staff.login, staff.provisional_password)

    assert who_what_where_when(row("provisional_password_accepted")) == (
        staff.login,
        staff.login,
        "provisional_password_accepted",
        IP,
        NOW,
    )


@pytest.mark.parametrize(("typed", "reason"), [("jane.doe", "wrong"), ("zoe.nobody", "unknown")])
def test_refused_provisional_password_is_audited_with_its_reason(
    staff: DemoPerson, person_browser: Client, typed: str, reason: str
) -> None:
    attempt(person_browser, typed, WRONG)

    refused = row("provisional_password_refused")
    assert who_what_where_when(refused) == (
        typed,
        typed,
        "provisional_password_refused",
        IP,
        NOW,
    )
    assert refused.data == {"reason": reason}


def test_attempt_on_a_locked_account_is_audited_as_locked(
    staff: DemoPerson, person_browser: Client
) -> None:
    for _ in range(10):
        attempt(person_browser, staff.login, WRONG)

    attempt(person_browser, staff.login, staff.provisional_password)

    latest = AuditEvent.objects.filter(action="provisional_password_refused").first()
    assert latest is not None
    assert (latest.subject, latest.client_ip, latest.data) == (
        staff.login,
        IP,
        {"reason": "locked"},
    )


def test_lock_is_audited(staff: DemoPerson, person_browser: Client) -> None:
    for _ in range(10):
        attempt(person_browser, staff.login, WRONG)

    assert who_what_where_when(row("account_locked")) == (
        "system",
        staff.login,
        "account_locked",
        IP,
        NOW,
    )


@dataclass(frozen=True)
class Walked:
    rows: list[AuditEvent]  # the rows the walk wrote
    secrets: dict[str, str]  # what was typed or mailed on the way that must stay secret


@pytest.fixture
def walked(staff: DemoPerson, person_browser: Client) -> Walked:
    """A whole activation from IP, with a redirection elsewhere, and a wrong provisional
    password on the way."""
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    walker = Walker(person_browser, staff)
    walker.identify()
    walker.give_provisional_password(WRONG)
    walker.reach_charter(RECOVERY)
    walker.accept_charter()
    walker.choose_directory(False)
    walker.choose_forwarding(ELSEWHERE)
    forwarding_link = last_link(ELSEWHERE)
    walker.follow_link(forwarding_link)
    assert walker.set_password(NEW_PASSWORD)["Location"] == "/activation/termine/"
    recovery_link = last_link(RECOVERY)  # the first mail: the newest to this address
    return Walked(
        rows=list(AuditEvent.objects.exclude(pk__in=before)),
        secrets={
            "wrong provisional password": WRONG,
            "provisional password": staff.provisional_password,
            "new password": NEW_PASSWORD,
            "recovery token": token_of(recovery_link),
            "forwarding token": token_of(forwarding_link),
        },
    )


@pytest.mark.parametrize(
    "action",
    ["recovery_email_given", "forwarding_chosen", "account_activated"],
)
def test_change_is_audited_with_actor_subject_address_and_time(
    staff: DemoPerson, walked: Walked, action: str
) -> None:
    assert who_what_where_when(row(action)) == (staff.login, staff.login, action, IP, NOW)


def test_recovery_address_change_records_the_new_address(walked: Walked) -> None:
    assert row("recovery_email_given").data == {"recovery_email": RECOVERY}


def test_redirection_change_records_the_new_address(walked: Walked) -> None:
    assert row("forwarding_chosen").data["forwarding_address"] == ELSEWHERE


def test_every_row_of_a_walk_has_an_address_and_a_time(walked: Walked) -> None:
    incomplete = [
        event.action
        for event in walked.rows
        if event.client_ip != IP or event.at != NOW or not (event.actor and event.subject)
    ]

    assert {event.action for event in walked.rows} >= {
        "provisional_password_refused",
        "provisional_password_accepted",
        "recovery_email_given",
        "forwarding_chosen",
        "account_activated",
    }
    assert incomplete == []


def test_no_row_holds_a_password_or_a_token(walked: Walked) -> None:
    leaks = {
        (event.action, secret)
        for event in AuditEvent.objects.all()
        for secret, value in walked.secrets.items()
        if value in repr(who_what_where_when(event)) + repr(event.data)
    }

    assert leaks == set()


# --- In the admin -----------------------------------------------------------------------


@pytest.fixture
def admin_browser(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    return client


def test_superuser_reads_the_audit_trail_in_the_admin(
    staff: DemoPerson, person_browser: Client, admin_browser: Client
) -> None:
    attempt(person_browser, staff.login, WRONG)
    attempt(person_browser, staff.login, staff.provisional_password)

    response = admin_browser.get("/admin/core/auditevent/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "provisional_password_refused" in page
    assert "provisional_password_accepted" in page
    assert IP in page


def test_superuser_cannot_add_an_audit_row(admin_browser: Client) -> None:
    assert admin_browser.get("/admin/core/auditevent/add/").status_code == 403


def test_superuser_cannot_change_an_audit_row(
    staff: DemoPerson, person_browser: Client, admin_browser: Client
) -> None:
    attempt(person_browser, staff.login, WRONG)
    event = row("provisional_password_refused")

    response = admin_browser.post(
        f"/admin/core/auditevent/{event.pk}/change/", {"action": "nothing_happened"}
    )

    event.refresh_from_db()
    assert response.status_code == 403
    assert event.action == "provisional_password_refused"


def test_superuser_cannot_delete_an_audit_row(
    staff: DemoPerson, person_browser: Client, admin_browser: Client
) -> None:
    attempt(person_browser, staff.login, WRONG)
    event = row("provisional_password_refused")

    response = admin_browser.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
