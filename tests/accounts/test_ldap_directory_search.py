"""The LDAP store's public-directory search past the directory's size limit, which the
slapd of tests/ldap_server.py sets to 5 entries: the search reads its matches a page at a
time (RFC 2696), up to its own bound (PORTIQUE_LDAP_SEARCH_MAX_ENTRIES), and says when it,
or the directory, stopped before the last one."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import ldap3
import pytest
from django.test import Client

from portique.accounts.stores import get_account_store
from portique.accounts.stores.ldap import DEFAULT_OBJECT_CLASSES, LdapAccountStore

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = pytest.mark.ldap

# More than the test slapd's size limit (5), fewer than a page of the directory (20).
ANNAS = 8
LOGINS = [f"anna.{number:02d}" for number in range(1, ANNAS + 1)]


@pytest.fixture
def annas(ldap_settings: SlapdServer) -> list[str]:
    """Eight listed people named Anna (Anna Nom01 to Anna Nom08), added by the admin."""
    with ldap_settings.connection() as admin:
        for number, login in enumerate(LOGINS, 1):
            added = admin.add(
                f"uid={login},{ldap_settings.people_base}",
                DEFAULT_OBJECT_CLASSES,
                {
                    "uid": login,
                    "cn": f"Anna Nom{number:02d}",
                    "givenName": "Anna",
                    "sn": f"Nom{number:02d}",
                    "mail": f"{login}@umontpellier.fr",
                    "eduPersonAffiliation": "staff",
                    "supannListeRouge": "FALSE",
                    "portiqueActivatedAt": "20261124120500Z",
                },
            )
            assert added, admin.result
    return LOGINS


def store_as(slapd: SlapdServer, *, limited: bool = False, **options: Any) -> LdapAccountStore:
    """An LDAP store on the test slapd, bound as the service account (or the limited one,
    whose paged searches stop at the size limit)."""
    return LdapAccountStore(
        url=slapd.url,
        bind_dn=slapd.limited_service_dn if limited else slapd.service_dn,
        bind_password=slapd.limited_service_password if limited else slapd.service_password,
        people_base=slapd.people_base,
        starttls=False,
        timeout=2,
        **options,
    )


def logins(store: Any, **page: int) -> list[str]:
    found = store.search_directory("anna", **{"offset": 0, "limit": 20, **page})
    return [record.login for record in found.entries]


# --- Past the directory's size limit -----------------------------------------------------


def test_search_counts_every_match_past_the_size_limit(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    found = get_account_store().search_directory("anna", offset=0, limit=20)

    assert ldap_settings.size_limit < ANNAS
    assert (found.total, found.truncated) == (ANNAS, False)


def test_search_lists_every_match_past_the_size_limit(annas: list[str]) -> None:
    assert logins(get_account_store()) == LOGINS


def test_search_gives_the_page_past_the_size_limit(annas: list[str]) -> None:
    assert logins(get_account_store(), offset=5, limit=5) == LOGINS[5:]


def test_search_in_pages_smaller_than_its_matches_reads_them_all(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    assert logins(store_as(ldap_settings, search_page_size=3)) == LOGINS


# --- Its own bound ------------------------------------------------------------------------


def test_search_stops_at_its_bound_and_says_so(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    found = store_as(ldap_settings, search_max_entries=6).search_directory(
        "anna", offset=0, limit=20
    )

    assert (found.total, found.truncated) == (6, True)


def test_search_with_as_many_matches_as_its_bound_is_complete(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    found = store_as(ldap_settings, search_max_entries=ANNAS).search_directory(
        "anna", offset=0, limit=20
    )

    assert (found.total, found.truncated) == (ANNAS, False)


def test_search_stopped_at_its_bound_leaves_the_connection_working(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    # The search abandoned past the bound (a page of 0) is on the pooled connection.
    store = store_as(ldap_settings, search_max_entries=6, pool_size=1)
    store.search_directory("anna", offset=0, limit=20)

    assert logins(store, limit=3) == ["anna.01", "anna.02", "anna.03"]
    assert store.find("anna.08") is not None


def test_search_bound_is_the_setting(
    annas: list[str], ldap_settings: SlapdServer, settings: Any
) -> None:
    settings.PORTIQUE_LDAP_SEARCH_MAX_ENTRIES = 7
    get_account_store.cache_clear()

    found = get_account_store().search_directory("anna", offset=0, limit=20)

    assert (found.total, found.truncated) == (7, True)


# --- A directory that stops paged searches at its size limit ------------------------------


def test_search_the_directory_stops_gives_what_it_read(
    annas: list[str], ldap_settings: SlapdServer
) -> None:
    found = store_as(ldap_settings, limited=True).search_directory("anna", offset=0, limit=20)

    assert (found.total, found.truncated) == (ldap_settings.size_limit, True)


def test_search_the_directory_stops_logs_what_to_change(
    annas: list[str], ldap_settings: SlapdServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portique.accounts.stores.ldap"):
        store_as(ldap_settings, limited=True).search_directory("anna", offset=0, limit=20)

    assert "page past its size limit" in caplog.text


# --- What it reads -------------------------------------------------------------------------

PUBLIC_ATTRIBUTES = {"uid", "mail", "givenName", "sn", "eduPersonAffiliation"}


@pytest.fixture
def listed_with_addresses(ldap_settings: SlapdServer) -> None:
    """Jane Doe, listed, with a recovery address and a redirection in her entry."""
    with ldap_settings.connection() as admin:
        added = admin.add(
            f"uid=jane.doe,{ldap_settings.people_base}",
            DEFAULT_OBJECT_CLASSES,
            {
                "uid": "jane.doe",
                "cn": "Jane Doe",
                "givenName": "Jane",
                "sn": "Doe",
                "mail": "jane.doe@umontpellier.fr",
                "eduPersonAffiliation": "staff",
                "supannListeRouge": "FALSE",
                "supannMailPerso": "jane.perso@example.com",
                "mailForwardingAddress": "jane.doe@example.net",
                "portiqueKeepCopy": "TRUE",
                "portiqueCharterVersion": "2026-09",
                "portiqueCharterAcceptedAt": "20261124120000Z",
                "portiqueActivatedAt": "20261124120500Z",
            },
        )
        assert added, admin.result


def test_search_asks_the_directory_for_the_public_attributes_only(
    listed_with_addresses: None, ldap_settings: SlapdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[set[str]] = []
    search = ldap3.Connection.search

    def recording_search(connection: ldap3.Connection, *args: Any, **kwargs: Any) -> Any:
        asked.append(set(kwargs.get("attributes") or ()))
        return search(connection, *args, **kwargs)

    monkeypatch.setattr(ldap3.Connection, "search", recording_search)

    found = store_as(ldap_settings).search_directory("jane", offset=0, limit=20)

    assert [record.login for record in found.entries] == ["jane.doe"]
    assert asked == [PUBLIC_ATTRIBUTES]


def test_search_results_hold_no_recovery_or_redirection_address(
    listed_with_addresses: None, ldap_settings: SlapdServer
) -> None:
    found = store_as(ldap_settings).search_directory("jane", offset=0, limit=20)

    (record,) = found.entries
    assert (record.recovery_email, record.forwarding_address) == ("", "")
    assert (record.charter_version, record.charter_accepted_at) == ("", None)


# --- The page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_page_lists_the_last_page_past_the_size_limit(
    annas: list[str], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portique.directory.views.PAGE_SIZE", 5)

    page = client.get("/annuaire/", {"q": "Anna", "page": 2}).content.decode()

    assert re.findall(r'href="mailto:([^"]+)"', page) == [
        f"{login}@umontpellier.fr" for login in LOGINS[5:]
    ]
    assert f"{ANNAS} personnes trouvées" in page
    assert "Page 2 sur 2" in page


@pytest.mark.django_db
def test_directory_page_asks_to_narrow_a_search_past_the_bound(
    annas: list[str], client: Client, settings: Any
) -> None:
    settings.PORTIQUE_LDAP_SEARCH_MAX_ENTRIES = 7
    get_account_store.cache_clear()

    page = client.get("/annuaire/", {"q": "Anna"}).content.decode()

    assert "Plus de 7 personnes trouvées : précisez la recherche" in page
    assert "7 personnes trouvées</p>" not in page
