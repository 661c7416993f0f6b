"""people_import: what an import writes, and what a second import of the same file does."""

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.accounts.models import Account, Person
from portique.core.models import AuditEvent
from portique.onboarding.services import people_import
from tests.factories import PersonFactory
from tests.onboarding.conftest import accepted, csv_file, refused, run_import, step_2

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
WITH_LOGIN = "hr_id,first_name,last_name,category,login"
WITH_DEPARTMENT = "hr_id,first_name,last_name,category,department"


def logins_by_hr_id() -> dict[str | None, str]:
    return dict(Person.objects.values_list("hr_id", "login"))


def counts(report: Any) -> tuple[int, int, int, int]:
    return (len(report.created), len(report.updated), len(report.unchanged), len(report.rejected))


# --- First import -----------------------------------------------------------------------


def test_import_creates_each_person_with_an_account_awaiting_activation() -> None:
    run_import("1,Élodie,Lefèvre-Durand,staff", "2,Paul,Martin,vacataire")

    account = Account.objects.select_related("person").get(login="elodie.lefevre-durand")
    assert (account.person.hr_id, account.person.category) == ("1", "staff")
    assert account.email == "elodie.lefevre-durand@umontpellier.fr"
    assert account.activated_at is None
    assert Account.objects.count() == 2


def test_import_summary_counts_created_people() -> None:
    report = run_import("1,Jane,Doe,staff", "2,Paul,Martin,vacataire")

    assert report.summary() == "Créés : 2, mis à jour : 0, inchangés : 0, rejetés : 0"


def test_collisions_within_the_file_are_numbered_in_file_order() -> None:
    run_import("1,Jane,Doe,staff", "2,Jane,Doe,student", "3,Jane,Doé,vacataire")

    assert logins_by_hr_id() == {"1": "jane.doe", "2": "jane.doe2", "3": "jane.doe3"}


def test_collision_with_an_existing_login_is_numbered() -> None:
    PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe")

    run_import("1,Jane,Doe,staff")

    assert Person.objects.get(hr_id="1").login == "jane.doe2"


def test_login_given_in_the_file_is_kept_from_generated_ones() -> None:
    run_import("1,Jane,Doe,staff,", "2,Janet,Doe,staff,jane.doe", header=WITH_LOGIN)

    assert logins_by_hr_id() == {"1": "jane.doe2", "2": "jane.doe"}


def test_login_given_in_the_file_but_taken_is_rejected() -> None:
    PersonFactory(login="jane.doe")

    report = run_import("1,Jane,Doe,staff,jane.doe", header=WITH_LOGIN)

    assert [str(rejection) for rejection in report.rejected] == [
        "ligne 2 : nom de connexion « jane.doe » déjà attribué"
    ]


def test_nothing_is_imported_when_one_line_is_invalid() -> None:
    report = run_import("1,Jane,Doe,staff", "2,Paul,,staff", "3,Léa,Bernard,student")

    assert not report.written
    assert [rejection.line for rejection in report.rejected] == [3]
    assert Person.objects.count() == 0


def test_skip_invalid_imports_the_valid_lines() -> None:
    report = run_import(
        "1,Jane,Doe,staff", "2,Paul,,staff", "3,Léa,Bernard,student", skip_invalid=True
    )

    assert counts(report) == (2, 0, 0, 1)
    assert sorted(logins_by_hr_id()) == ["1", "3"]


def test_provisional_passwords_are_returned_in_file_order() -> None:
    report = run_import("9,Zoé,Zola,staff", "1,Adam,Abel,staff", "5,Marc,Moreau,staff")

    assert [letter.login for letter in report.credentials] == [
        "zoe.zola", "adam.abel", "marc.moreau",
    ]  # fmt: skip


def test_provisional_password_is_valid_90_days_until_midnight() -> None:
    with time_machine.travel(datetime(2026, 9, 1, 10, 30, tzinfo=PARIS), tick=False):
        report = run_import("1,Jane,Doe,staff")

    expected = datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=PARIS)
    assert Person.objects.get(hr_id="1").provisional_password_expires_at == expected
    assert report.credentials[0].expires_at == expected


def test_imported_provisional_password_passes_step_2(browser: Client) -> None:
    letter = run_import("1,Jane,Doe,staff").credentials[0]

    assert accepted(step_2(browser, letter.login, letter.provisional_password))


def test_people_given_as_rows_are_imported() -> None:
    report = people_import(
        rows=[{"hr_id": "1", "first_name": "Jane", "last_name": "Doe", "category": "staff"}],
        actor="helpdesk.console",
    )

    assert [person.login for person in report.created] == ["jane.doe"]


def test_import_writes_in_bulk(django_assert_max_num_queries: Any) -> None:
    lines = [f"{n},Jane,Doe,staff" for n in range(2000)]

    with django_assert_max_num_queries(200):
        report = run_import(*lines)

    assert len(report.created) == 2000


# --- Import again -----------------------------------------------------------------------


def test_same_file_again_leaves_everyone_unchanged() -> None:
    lines = ("1,Jane,Doe,staff", "2,Paul,Martin,vacataire")
    run_import(*lines)

    report = run_import(*lines)

    assert counts(report) == (0, 0, 2, 0)
    assert report.credentials == []


def test_same_file_again_keeps_the_first_passwords_working(browser: Client) -> None:
    letter = run_import("1,Jane,Doe,staff").credentials[0]

    run_import("1,Jane,Doe,staff")

    assert accepted(step_2(browser, letter.login, letter.provisional_password))


def test_changed_names_and_category_are_updated() -> None:
    run_import("1,Jane,Doe,staff")

    report = run_import("1,Janet,Doe-Smith,vacataire")

    person = Person.objects.get(hr_id="1")
    assert (person.first_name, person.last_name, person.category) == (
        "Janet", "Doe-Smith", "vacataire",
    )  # fmt: skip
    assert counts(report) == (0, 1, 0, 0)


def test_changed_names_keep_the_login() -> None:
    run_import("1,Jane,Doe,staff")

    run_import("1,Janet,Smith,staff")

    assert Person.objects.get(hr_id="1").login == "jane.doe"


def test_a_different_login_for_a_known_person_is_rejected() -> None:
    run_import("1,Jane,Doe,staff")

    report = run_import("1,Jane,Doe,staff,jdoe", header=WITH_LOGIN)

    assert "actuel : jane.doe" in str(report.rejected[0])


def test_an_absent_optional_column_leaves_the_field_as_it_is() -> None:
    run_import("1,Jane,Doe,staff,UFR Sciences", header=WITH_DEPARTMENT)

    report = run_import("1,Jane,Doe,staff")

    assert Person.objects.get(hr_id="1").department == "UFR Sciences"
    assert counts(report) == (0, 0, 1, 0)


def test_reissue_gives_the_known_people_new_passwords(browser: Client) -> None:
    first = run_import("1,Jane,Doe,staff").credentials[0]

    second = run_import("1,Jane,Doe,staff", reissue=True).credentials[0]

    assert second.login == first.login
    assert second.provisional_password != first.provisional_password
    assert accepted(step_2(browser, second.login, second.provisional_password))


def test_reissue_makes_the_old_password_refused(browser: Client) -> None:
    first = run_import("1,Jane,Doe,staff").credentials[0]

    run_import("1,Jane,Doe,staff", reissue=True)

    assert refused(step_2(browser, first.login, first.provisional_password))


def test_reissue_leaves_activated_accounts_alone() -> None:
    run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff")
    Account.objects.filter(login="jane.doe").update(activated_at=datetime.now(tz=PARIS))

    report = run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff", reissue=True)

    assert [letter.login for letter in report.credentials] == ["paul.martin"]
    assert [person.login for person in report.unchanged] == ["jane.doe"]


# --- Audit ------------------------------------------------------------------------------


def test_import_is_audited_person_by_person() -> None:
    run_import("1,Jane,Doe,staff")
    run_import("1,Janet,Doe,staff", reissue=True)

    actions = list(
        AuditEvent.objects.filter(subject="jane.doe").order_by("id").values_list("action", "actor")
    )
    assert actions == [
        ("person_created", "hr.agent"),
        ("person_updated", "hr.agent"),
        ("provisional_password_reissued", "hr.agent"),
    ]


def test_import_audit_rows_hold_no_password() -> None:
    report = run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff")
    report = run_import("1,Jane,Doe,staff", "2,Paul,Martin,staff", reissue=True)

    rows = " ".join(str(event.data) for event in AuditEvent.objects.all())
    assert all(letter.provisional_password not in rows for letter in report.credentials)
    assert "password" not in rows


def test_import_audit_counts_the_lines() -> None:
    run_import("1,Jane,Doe,staff", "2,Paul,,staff", skip_invalid=True)

    event = AuditEvent.objects.get(action="people_imported")
    assert event.data == {
        "reissue": False, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1,
    }  # fmt: skip


def test_import_reads_a_file_object() -> None:
    report = people_import(file=io.BytesIO(csv_file("1,Jane,Doe,staff")), actor="hr.agent")

    assert [person.login for person in report.created] == ["jane.doe"]
