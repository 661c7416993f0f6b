"""The life of a provisional password: valid for PORTIQUE_PROVISIONAL_PASSWORD_DAYS, then
refused at step 2 like a wrong one; reissued with a new letter; revoked."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.accounts.models import Account, Person
from portique.accounts.services import account_reissue_provisional_password, person_create
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent
from portique.onboarding.letters import Letter
from portique.onboarding.services import CannotReissue, credentials_reissue, credentials_revoke
from tests.onboarding.conftest import (
    accepted,
    pdf_pages,
    printed_password,
    refused,
    run_import,
    step_2,
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
IMPORTED_ON = datetime(2026, 9, 1, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _the_next_morning() -> Iterator[None]:
    """Each test runs the morning after the import, its letter valid: a test that means
    another day travels there itself (time-machine travels nest)."""
    with time_machine.travel(IMPORTED_ON + timedelta(days=1)):
        yield


@pytest.fixture
def imported() -> Letter:
    """Jane Doe, imported on 1 September 2026 at 10:00: her letter."""
    with time_machine.travel(IMPORTED_ON, tick=False):
        return run_import("1,Jane,Doe,staff").credentials[0]


def jane() -> Person:
    return Person.objects.get(login="jane.doe")


# --- Expiry -----------------------------------------------------------------------------


def test_provisional_password_still_works_on_the_last_day(
    imported: Letter, browser: Client
) -> None:
    with time_machine.travel(datetime(2026, 11, 30, 23, 0, tzinfo=PARIS)):
        response = step_2(browser, imported.login, imported.provisional_password)

    assert accepted(response)


def test_expired_provisional_password_is_refused_with_the_usual_message(
    imported: Letter, browser: Client
) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=91)):
        response = step_2(browser, imported.login, imported.provisional_password)

    assert refused(response)


def test_expired_provisional_password_opens_no_flow(imported: Letter, browser: Client) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=91)):
        step_2(browser, imported.login, imported.provisional_password)

    assert not ActivationFlow.objects.filter(login=imported.login).exists()


def test_expired_refusal_is_audited_as_expired(imported: Letter, browser: Client) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=91)):
        step_2(browser, imported.login, imported.provisional_password)

    event = AuditEvent.objects.get(action="provisional_password_refused")
    assert event.data == {"reason": "expired"}


def test_wrong_password_after_expiry_is_audited_as_wrong(imported: Letter, browser: Client) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=91)):
        step_2(browser, imported.login, "Wxyz-Wxyz-Wxyz")

    event = AuditEvent.objects.get(action="provisional_password_refused")
    assert event.data == {"reason": "wrong"}


def test_validity_is_a_setting(settings: object, browser: Client) -> None:
    settings.PORTIQUE_PROVISIONAL_PASSWORD_DAYS = 7  # type: ignore[attr-defined]
    with time_machine.travel(IMPORTED_ON, tick=False):
        letter = run_import("1,Jane,Doe,staff").credentials[0]

    with time_machine.travel(IMPORTED_ON + timedelta(days=8)):
        assert refused(step_2(browser, letter.login, letter.provisional_password))


def test_person_create_sets_the_expiry() -> None:
    with time_machine.travel(IMPORTED_ON, tick=False):
        issued = person_create(login="paul.martin", first_name="Paul", last_name="Martin",
                               category="staff")  # fmt: skip

    assert issued.expires_at == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=PARIS)
    assert Person.objects.get(login="paul.martin").provisional_password_expires_at == (
        issued.expires_at
    )


def test_account_reissue_sets_a_new_expiry(imported: Letter) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=100), tick=False):
        issued = account_reissue_provisional_password(login=imported.login)

    assert jane().provisional_password_expires_at == issued.expires_at
    assert issued.expires_at.astimezone(PARIS).date().isoformat() == "2027-03-10"


def test_person_without_expiry_keeps_a_working_password(browser: Client) -> None:
    # People created before letters had a validity.
    person_create(login="old.timer", first_name="Old", last_name="Timer", category="staff",
                  provisional_password="Oldt-Imer-2024")  # fmt: skip
    Person.objects.filter(login="old.timer").update(provisional_password_expires_at=None)

    assert accepted(step_2(browser, "old.timer", "Oldt-Imer-2024"))


# --- Reissue ----------------------------------------------------------------------------


def test_reissued_letter_password_passes_step_2(imported: Letter, browser: Client) -> None:
    pdf = credentials_reissue(people=[jane()], actor="hr.agent")

    (page,) = pdf_pages(pdf)
    assert accepted(step_2(browser, imported.login, printed_password(page)))


def test_reissue_makes_the_old_letter_refused(imported: Letter, browser: Client) -> None:
    credentials_reissue(people=[jane()], actor="hr.agent")

    assert refused(step_2(browser, imported.login, imported.provisional_password))


def test_reissue_after_expiry_gives_a_working_password(imported: Letter, browser: Client) -> None:
    with time_machine.travel(IMPORTED_ON + timedelta(days=120)):
        (page,) = pdf_pages(credentials_reissue(people=[jane()], actor="hr.agent"))
        response = step_2(browser, imported.login, printed_password(page))

    assert accepted(response)


def test_reissue_letters_follow_the_given_order(imported: Letter) -> None:
    run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff")
    paul = Person.objects.get(login="paul.martin")

    pages = pdf_pages(credentials_reissue(people=[paul, jane()], actor="hr.agent"))

    assert ["paul.martin" in pages[0], "jane.doe" in pages[1]] == [True, True]


def test_reissue_refuses_an_activated_account_and_changes_nothing(
    imported: Letter, browser: Client
) -> None:
    run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff")
    Account.objects.filter(login="paul.martin").update(activated_at=IMPORTED_ON)
    paul = Person.objects.get(login="paul.martin")

    with pytest.raises(CannotReissue, match=r"paul\.martin"):
        credentials_reissue(people=[jane(), paul], actor="hr.agent")

    assert accepted(step_2(browser, imported.login, imported.provisional_password))


def test_reissue_ends_the_activation_begun_with_the_old_letter(
    imported: Letter, browser: Client
) -> None:
    step_2(browser, imported.login, imported.provisional_password)

    credentials_reissue(people=[jane()], actor="hr.agent")

    assert browser.get("/activation/mail-de-secours/")["Location"] == "/activation/identifiant/"


# --- Revoke -----------------------------------------------------------------------------


def test_revoked_provisional_password_is_refused(imported: Letter, browser: Client) -> None:
    credentials_revoke(people=[jane()], actor="hr.agent")

    assert refused(step_2(browser, imported.login, imported.provisional_password))


def test_revoke_sets_the_expiry_to_now(imported: Letter) -> None:
    moment = datetime(2026, 9, 2, 8, 0, tzinfo=PARIS)
    with time_machine.travel(moment, tick=False):
        credentials_revoke(people=[jane()], actor="hr.agent")

    assert jane().provisional_password_expires_at == moment


def test_revoke_ends_the_activation_in_progress(imported: Letter, browser: Client) -> None:
    step_2(browser, imported.login, imported.provisional_password)

    credentials_revoke(people=[jane()], actor="hr.agent")

    assert browser.get("/activation/mail-de-secours/")["Location"] == "/activation/identifiant/"


def test_revoke_leaves_activated_accounts_alone(imported: Letter) -> None:
    Account.objects.filter(login=imported.login).update(activated_at=IMPORTED_ON)

    assert credentials_revoke(people=[jane()], actor="hr.agent") == 0
    assert not AuditEvent.objects.filter(action="provisional_password_revoked").exists()


# --- Audit ------------------------------------------------------------------------------


def test_reissue_and_revoke_are_audited_without_any_password(imported: Letter) -> None:
    (page,) = pdf_pages(credentials_reissue(people=[jane()], actor="hr.agent"))
    credentials_revoke(people=[jane()], actor="hr.agent")

    events = AuditEvent.objects.filter(subject="jane.doe").order_by("id")
    assert [(e.actor, e.action) for e in events][-2:] == [
        ("hr.agent", "provisional_password_reissued"),
        ("hr.agent", "provisional_password_revoked"),
    ]
    stored = " ".join(f"{e.action} {e.data}" for e in AuditEvent.objects.all())
    assert imported.provisional_password not in stored
    assert printed_password(page) not in stored
