"""Consents as versioned records: written where the consent is given (the activation's
steps 5 and 6, the account page, the new charter at login), and made once from the state
of the accounts that existed before them."""

import importlib
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import time_machine
from django.apps import apps
from django.test import Client

from portique.consents.models import DIRECTORY_NOTICE_VERSION, ConsentRecord
from portique.core.audit import audit_record
from tests.factories import DemoPerson
from tests.support.after_activation import (
    ACTIVATED_AT,
    Activated,
    ActivatePerson,
    change_directory_consent,
    listed_person,
)

pytest_plugins = ["tests.support.after_activation"]

PARIS = ZoneInfo("Europe/Paris")
LATER = datetime(2025, 4, 2, 15, 30, tzinfo=PARIS)


def records_of(login: str, kind: str) -> list[tuple[str, str, str, datetime]]:
    return [
        (record.version, record.choice, record.where, record.at)
        for record in ConsentRecord.objects.filter(login=login, kind=kind).order_by("at", "id")
    ]


def test_activation_records_the_charter_version_accepted_at_step_5(activated: Activated) -> None:
    assert records_of(activated.login, "charter") == [
        ("2024-09", "accepted", "activation", ACTIVATED_AT)
    ]


def test_activation_records_the_address_the_charter_was_accepted_from(
    activated: Activated,
) -> None:
    record = ConsentRecord.objects.get(login=activated.login, kind="charter")

    assert record.client_ip == "127.0.0.1"


def test_activation_records_a_refused_directory_consent(activated: Activated) -> None:
    assert records_of(activated.login, "directory") == [
        (DIRECTORY_NOTICE_VERSION, "refused", "activation", ACTIVATED_AT)
    ]


def test_activation_records_a_given_directory_consent(
    staff: DemoPerson, activate: ActivatePerson
) -> None:
    activate(staff, directory_consent=True)

    assert records_of(staff.login, "directory") == [
        (DIRECTORY_NOTICE_VERSION, "accepted", "activation", ACTIVATED_AT)
    ]


def test_account_page_change_adds_a_directory_record(
    activated: Activated, signed_in: Client
) -> None:
    with time_machine.travel(LATER, tick=False):
        change_directory_consent(signed_in, True)

    assert records_of(activated.login, "directory")[-1] == (
        DIRECTORY_NOTICE_VERSION, "accepted", "selfservice", LATER,
    )  # fmt: skip


def test_account_page_change_keeps_the_earlier_record(
    activated: Activated, signed_in: Client
) -> None:
    change_directory_consent(signed_in, True)
    change_directory_consent(signed_in, False)

    choices = [choice for _version, choice, _where, _at in records_of(activated.login, "directory")]
    assert choices == ["refused", "accepted", "refused"]


def _backfill() -> None:
    migration = importlib.import_module("portique.consents.migrations.0001_initial")
    ConsentRecord.objects.all().delete()
    editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
    migration.records_from_accounts(apps, editor)


def test_migration_makes_records_from_the_accounts_state(db: None) -> None:
    account = listed_person("ada.lovelace", first_name="Ada", last_name="Lovelace", consent=True)
    account.charter_version = "2023-01"
    account.charter_accepted_at = ACTIVATED_AT
    account.save()

    _backfill()

    assert records_of("ada.lovelace", "charter") == [
        ("2023-01", "accepted", "account_state", ACTIVATED_AT)
    ]
    assert records_of("ada.lovelace", "directory") == [
        ("2024-09", "accepted", "account_state", ACTIVATED_AT)
    ]


def test_migration_times_the_directory_choice_by_its_last_audit_row(db: None) -> None:
    listed_person("ada.lovelace", first_name="Ada", last_name="Lovelace", consent=False)
    with time_machine.travel(LATER, tick=False):
        audit_record(
            actor="ada.lovelace", subject="ada.lovelace", action="directory_consent_changed",
            directory_consent=False,
        )  # fmt: skip

    _backfill()

    assert records_of("ada.lovelace", "directory") == [
        ("2024-09", "refused", "account_state", LATER)
    ]


def test_migration_leaves_accounts_awaiting_activation_without_records(db: None) -> None:
    listed_person("ada.lovelace", first_name="Ada", last_name="Lovelace", activated=False)

    _backfill()

    assert not ConsentRecord.objects.filter(login="ada.lovelace").exists()
