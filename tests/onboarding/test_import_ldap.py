"""The import against a real slapd (PORTIQUE_ACCOUNT_STORE=ldap): people are written one by
one through the store, and the letters' passwords bind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ldap3
import pytest

from portique.accounts.models import Person
from portique.onboarding.services import credentials_revoke
from tests.onboarding.conftest import run_import

if TYPE_CHECKING:
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = [pytest.mark.ldap, pytest.mark.django_db]


def binds(slapd: SlapdServer, login: str, password: str) -> bool:
    user = f"uid={login},{slapd.people_base}"
    try:
        with slapd.connection(user=user, password=password) as person:
            return bool(person.bound)
    except ldap3.core.exceptions.LDAPBindError:
        return False


def uids(slapd: SlapdServer) -> list[str]:
    with slapd.connection() as admin:
        admin.search(slapd.people_base, "(uid=*)", ldap3.SUBTREE, attributes=["uid"])
        return sorted(str(entry.uid.value) for entry in admin.entries)


def test_import_creates_the_directory_entries(ldap_settings: SlapdServer) -> None:
    run_import("1,Élodie,Lefèvre-Durand,staff", "2,Jane,Doe,vacataire")

    assert uids(ldap_settings) == ["elodie.lefevre-durand", "jane.doe"]
    assert Person.objects.get(hr_id="2").login == "jane.doe"


def test_imported_password_binds(ldap_settings: SlapdServer) -> None:
    letter = run_import("1,Jane,Doe,staff").credentials[0]

    assert binds(ldap_settings, letter.login, letter.provisional_password)


def test_same_file_again_is_unchanged(ldap_settings: SlapdServer) -> None:
    run_import("1,Jane,Doe,staff")

    report = run_import("1,Jane,Doe,staff")

    assert [person.login for person in report.unchanged] == ["jane.doe"]


def test_reissue_gives_a_password_that_binds_instead(ldap_settings: SlapdServer) -> None:
    first = run_import("1,Jane,Doe,staff").credentials[0]

    second = run_import("1,Jane,Doe,staff", reissue=True).credentials[0]

    assert binds(ldap_settings, second.login, second.provisional_password)
    assert not binds(ldap_settings, first.login, first.provisional_password)


def test_entry_portique_did_not_create_counts_as_a_taken_login(
    ldap_settings: SlapdServer,
) -> None:
    run_import("1,Jane,Doe,staff")
    Person.objects.all().delete()

    run_import("2,Jane,Doe,staff")

    assert Person.objects.get(hr_id="2").login == "jane.doe2"


def test_revoke_stops_the_password_binding(ldap_settings: SlapdServer) -> None:
    letter = run_import("1,Jane,Doe,staff").credentials[0]

    credentials_revoke(people=list(Person.objects.all()), actor="hr.agent")

    assert not binds(ldap_settings, letter.login, letter.provisional_password)
