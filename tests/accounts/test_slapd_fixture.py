"""The throwaway slapd of tests/ldap_server.py: it loads the schema Portique needs, enforces
the access rules a university gives Portique's service account, and can play an outage.
Plain ldap3 here, not the LDAP account store, so that a store bug cannot hide a fixture bug."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ldap3
import pytest
from ldap3.core.exceptions import LDAPSocketOpenError

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = pytest.mark.ldap

JANE_DN = "uid=jane.doe,ou=people,dc=univ,dc=test"
JANE_PASSWORD = "Tournesol-2031-vert"
INSUFFICIENT_ACCESS = 50


@pytest.fixture
def jane(slapd: SlapdServer) -> str:
    """Jane, added by the admin, her password set by the service account."""
    slapd.reset()
    with slapd.connection() as admin:
        added = admin.add(
            JANE_DN,
            ["inetOrgPerson", "eduPerson", "supannPerson", "mailForwarding", "portiqueAccount"],
            {
                "uid": "jane.doe",
                "cn": "Jane Doe",
                "sn": "Doe",
                "givenName": "Jane",
                "mail": "jane.doe@umontpellier.fr",
                "eduPersonAffiliation": "staff",
                "supannListeRouge": "TRUE",
            },
        )
        assert added, admin.result
    with slapd.connection(slapd.service_dn, slapd.service_password) as service:
        changed = service.extend.standard.modify_password(user=JANE_DN, new_password=JANE_PASSWORD)
        assert changed, service.result
    return JANE_DN


def binds(slapd: SlapdServer, dn: str, password: str) -> bool:
    connection = ldap3.Connection(slapd.server(get_info=ldap3.NONE), user=dn, password=password)
    try:
        return bool(connection.bind())
    finally:
        connection.unbind()


def read(slapd: SlapdServer, dn: str, *attributes: str) -> ldap3.Entry:
    with slapd.connection() as admin:
        assert admin.search(dn, "(objectClass=*)", ldap3.BASE, attributes=list(attributes))
        return admin.entries[0]


def replace(connection: ldap3.Connection, dn: str, **values: str) -> bool:
    return bool(
        connection.modify(
            dn, {name: [(ldap3.MODIFY_REPLACE, [value])] for name, value in values.items()}
        )
    )


def test_a_person_binds_with_the_password_the_service_account_set(
    slapd: SlapdServer, jane: str
) -> None:
    assert binds(slapd, jane, JANE_PASSWORD)


def test_a_person_with_a_wrong_password_is_refused(slapd: SlapdServer, jane: str) -> None:
    assert not binds(slapd, jane, "Tournesol-2031-bleu")


def test_the_password_is_stored_hashed(slapd: SlapdServer, jane: str) -> None:
    stored = read(slapd, jane, "userPassword").userPassword.value

    assert stored.startswith(b"{SSHA}")
    assert JANE_PASSWORD.encode() not in stored


def test_the_service_account_writes_what_the_activation_changes(
    slapd: SlapdServer, jane: str
) -> None:
    with slapd.connection(slapd.service_dn, slapd.service_password) as service:
        written = replace(
            service,
            jane,
            supannMailPerso="jane.perso@example.com",
            mailForwardingAddress="jane.doe@example.net",
            supannListeRouge="FALSE",
            portiqueKeepCopy="TRUE",
            portiqueCharterVersion="2026-09",
            portiqueCharterAcceptedAt="20261124120000Z",
            portiqueActivatedAt="20261124120500Z",
        )
        assert written, service.result

    entry = read(slapd, jane, "*")
    assert entry.supannMailPerso.value == "jane.perso@example.com"
    assert entry.mailForwardingAddress.value == "jane.doe@example.net"
    assert entry.supannListeRouge.value is False
    assert entry.portiqueKeepCopy.value is True
    assert entry.portiqueCharterVersion.value == "2026-09"
    assert entry.portiqueCharterAcceptedAt.value == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert entry.portiqueActivatedAt.value == datetime(2026, 11, 24, 12, 5, tzinfo=UTC)


def test_the_service_account_cannot_change_the_university_address(
    slapd: SlapdServer, jane: str
) -> None:
    with slapd.connection(slapd.service_dn, slapd.service_password) as service:
        assert not replace(service, jane, mail="someone.else@umontpellier.fr")
        assert service.result["result"] == INSUFFICIENT_ACCESS


def test_a_person_cannot_change_their_activation_date(slapd: SlapdServer, jane: str) -> None:
    with slapd.connection(jane, JANE_PASSWORD) as person:
        assert not replace(person, jane, portiqueActivatedAt="20261124120500Z")
        assert person.result["result"] == INSUFFICIENT_ACCESS

    assert read(slapd, jane, "portiqueActivatedAt").portiqueActivatedAt.value is None


def test_a_stopped_slapd_refuses_connections_and_restarts_with_its_data(
    slapd: SlapdServer, jane: str
) -> None:
    slapd.stop()
    try:
        asked_at = time.monotonic()
        with pytest.raises(LDAPSocketOpenError):
            ldap3.Connection(slapd.server(connect_timeout=2), auto_bind=True)
        assert time.monotonic() - asked_at < 3
    finally:
        slapd.start()

    assert read(slapd, jane, "uid").uid.value == "jane.doe"
    assert binds(slapd, jane, JANE_PASSWORD)


@pytest.fixture
def eight_annas(slapd: SlapdServer) -> int:
    """Eight people named Anna, more than the size limit, added by the admin."""
    slapd.reset()
    with slapd.connection() as admin:
        for number in range(1, 9):
            added = admin.add(
                f"uid=anna.{number},{slapd.people_base}",
                ["inetOrgPerson"],
                {"uid": f"anna.{number}", "cn": f"Anna Nom{number}", "sn": f"Nom{number}"},
            )
            assert added, admin.result
    return 8


def service_search(slapd: SlapdServer, dn: str, password: str, *, paged: bool = False) -> int:
    """Count what `dn` reads of the Annas, at once or in pages of 2 (ldap3 does not raise on
    sizeLimitExceeded: it returns what came before)."""
    with slapd.connection(dn, password) as connection:
        if not paged:
            connection.search(slapd.people_base, "(cn=anna*)", attributes=["uid"])
            return len(connection.entries)
        found = connection.extend.standard.paged_search(
            slapd.people_base, "(cn=anna*)", attributes=["uid"], paged_size=2, generator=False
        )
        return len(found)


def test_a_plain_search_by_the_service_account_stops_at_the_size_limit(
    slapd: SlapdServer, eight_annas: int
) -> None:
    assert service_search(slapd, slapd.service_dn, slapd.service_password) == slapd.size_limit


def test_a_paged_search_by_the_service_account_goes_past_the_size_limit(
    slapd: SlapdServer, eight_annas: int
) -> None:
    read = service_search(slapd, slapd.service_dn, slapd.service_password, paged=True)

    assert read == eight_annas


def test_a_paged_search_by_the_limited_account_stops_at_the_size_limit(
    slapd: SlapdServer, eight_annas: int
) -> None:
    # slapd's default: paging does not go past the size limit (size.prtotal=hard).
    read = service_search(
        slapd, slapd.limited_service_dn, slapd.limited_service_password, paged=True
    )

    assert read == slapd.size_limit


def test_ldap_settings_point_the_ldap_store_at_an_empty_slapd(
    jane: str, ldap_settings: SlapdServer, settings: Any
) -> None:
    # pytest sets up `jane` first, as listed: ldap_settings then removes her.
    expected = {
        "PORTIQUE_ACCOUNT_STORE": "ldap",
        "PORTIQUE_LDAP_URL": ldap_settings.url,
        "PORTIQUE_LDAP_STARTTLS": False,
        "PORTIQUE_LDAP_BIND_DN": "cn=portique,ou=services,dc=univ,dc=test",
        "PORTIQUE_LDAP_BIND_PASSWORD": ldap_settings.service_password,
        "PORTIQUE_LDAP_PEOPLE_BASE": "ou=people,dc=univ,dc=test",
        "PORTIQUE_LDAP_TIMEOUT": 2,
    }
    assert {name: getattr(settings, name) for name in expected} == expected
    with ldap_settings.connection() as admin:
        admin.search(ldap_settings.people_base, "(uid=*)")
        assert admin.entries == []
