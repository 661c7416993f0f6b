"""HR's file may give a personal address, where the reminders go, checked like the recovery
address of step 3."""

import pytest

from portique.accounts.models import Person
from tests.onboarding.conftest import run_import

pytestmark = pytest.mark.django_db
HEADER = "hr_id,first_name,last_name,category,personal_email"


def personal_email(hr_id: str) -> str:
    return Person.objects.get(hr_id=hr_id).personal_email


def test_import_keeps_the_personal_address_given() -> None:
    report = run_import("1,Jane,Doe,staff,jane.doe@example.com", header=HEADER)

    assert not report.rejected
    assert personal_email("1") == "jane.doe@example.com"


def test_people_without_a_personal_address_are_imported_without_one() -> None:
    report = run_import("1,Jane,Doe,staff,", "2,Paul,Martin,staff,paul@example.org", header=HEADER)

    assert (len(report.created), len(report.rejected)) == (2, 0)
    assert personal_email("1") == ""


def test_a_file_without_the_column_imports_as_before() -> None:
    report = run_import("1,Jane,Doe,staff")

    assert len(report.created) == 1
    assert personal_email("1") == ""


def test_a_reimport_without_the_column_keeps_the_address() -> None:
    run_import("1,Jane,Doe,staff,jane.doe@example.com", header=HEADER)

    report = run_import("1,Jane,Doe,staff")

    assert len(report.unchanged) == 1
    assert personal_email("1") == "jane.doe@example.com"


def test_a_reimport_with_a_new_address_updates_it() -> None:
    run_import("1,Jane,Doe,staff,jane.doe@example.com", header=HEADER)

    report = run_import("1,Jane,Doe,staff,jane@example.net", header=HEADER)

    assert len(report.updated) == 1
    assert personal_email("1") == "jane@example.net"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("jane.doe", "adresse personnelle « jane.doe » invalide"),
        ("jane@", "adresse personnelle « jane@ » invalide"),
        (
            "jane.doe@umontpellier.fr",
            "adresse personnelle « jane.doe@umontpellier.fr » de l'université (une adresse "
            "extérieure est attendue)",
        ),
        (
            "jane@etu.umontpellier.fr",
            "adresse personnelle « jane@etu.umontpellier.fr » de l'université (une adresse "
            "extérieure est attendue)",
        ),
        (
            "jane@gmial.com",
            "adresse personnelle « jane@gmial.com » : vouliez-vous dire jane@gmail.com ?",
        ),
    ],
)
def test_an_address_step_3_would_refuse_rejects_the_line(address: str, reason: str) -> None:
    report = run_import("1,Jane,Doe,staff," + address, header=HEADER)

    assert [str(rejection) for rejection in report.rejected] == [f"ligne 2 : {reason}"]
    assert not report.written
    assert not Person.objects.exists()
