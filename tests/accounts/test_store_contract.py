"""The AccountStore contract: the same cases against every store, Portique's own database,
a real slapd (tests/ldap_server.py) and the LDAP store in front of a real Active Directory,
a Samba domain controller (tests/samba_dc.py), so that the portal behaves alike whichever
holds the accounts. `pytest -m ldap` runs the slapd third alone, `pytest -m samba` the AD one.

A few cases at the end look into the directory itself (as its admin, or bound as the
person): what the SupAnn attributes hold, and that passwords are hashed there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ldap3
import pytest

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import (
    AccountRecord,
    AccountStore,
    Activation,
    NewAccount,
    ProfileChanges,
)

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server", "tests.samba_dc"]
pytestmark = pytest.mark.django_db

PROVISIONAL = "Prov-1234-Abcd"
NEW_PASSWORD = "Soleil-Vert-2031"
OTHER_PASSWORD = "Lune-Rouge-2032"
RECOVERY = "jane.perso@example.com"
FORWARDING = "jane.doe@example.net"
# Whole seconds: LDAP's GeneralizedTime, as Portique writes it, keeps no fraction.
CHARTER_ACCEPTED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ACTIVATED_AT = datetime(2026, 11, 24, 12, 5, tzinfo=UTC)


@pytest.fixture(
    params=[
        "sql",
        pytest.param("ldap", marks=pytest.mark.ldap),
        pytest.param("active_directory", marks=pytest.mark.samba),
    ]
)
def store(request: pytest.FixtureRequest, settings: Any) -> Iterator[AccountStore]:
    """Each store in turn, as get_account_store() gives it to the services."""
    if request.param in ("ldap", "active_directory"):
        request.getfixturevalue("ldap_settings" if request.param == "ldap" else "ad_settings")
        yield get_account_store()
        return
    get_account_store.cache_clear()
    settings.PORTIQUE_ACCOUNT_STORE = "sql"
    yield get_account_store()
    get_account_store.cache_clear()


@pytest.fixture
def ldap_store(ldap_settings: SlapdServer) -> AccountStore:
    return get_account_store()


def create(
    store: AccountStore,
    login: str = "jane.doe",
    first_name: str = "Jane",
    last_name: str = "Doe",
    category: str = "staff",
    provisional_password: str = PROVISIONAL,
) -> AccountRecord:
    return store.create(
        login=login,
        first_name=first_name,
        last_name=last_name,
        category=category,
        provisional_password=provisional_password,
    )


def activation(store: AccountStore, **changes: Any) -> Activation:
    answers = Activation(
        password=store.prepare_password(NEW_PASSWORD),
        recovery_email=RECOVERY,
        recovery_email_verified_at=CHARTER_ACCEPTED_AT,
        forwarding_address=FORWARDING,
        forwarding_verified_at=CHARTER_ACCEPTED_AT,
        keep_copy=True,
        directory_consent=True,
        charter_version="2026-09",
        charter_accepted_at=CHARTER_ACCEPTED_AT,
        activated_at=ACTIVATED_AT,
    )
    return replace(answers, **changes)


def activated(store: AccountStore, login: str = "jane.doe", **changes: Any) -> AccountRecord:
    """An account created and activated with `activation(**changes)`; returns it re-read."""
    create(store, login=login)
    store.activate(login, activation(store, **changes))
    found = store.find(login)
    assert found is not None
    return found


def found(store: AccountStore, identifier: str = "jane.doe") -> AccountRecord:
    record = store.find(identifier)
    assert record is not None, f"{identifier} not found"
    return record


# -- find --------------------------------------------------------------------------------


def test_find_by_login_returns_the_account(store: AccountStore) -> None:
    create(store)

    assert found(store, "jane.doe").login == "jane.doe"


def test_find_by_university_address_returns_the_account(store: AccountStore) -> None:
    create(store)

    assert found(store, "jane.doe@umontpellier.fr").login == "jane.doe"


@pytest.mark.parametrize("identifier", ["  Jane.Doe ", "JANE.DOE@UMONTPELLIER.FR\t"])
def test_find_ignores_case_and_surrounding_spaces(store: AccountStore, identifier: str) -> None:
    create(store)

    assert found(store, identifier).login == "jane.doe"


def test_find_of_an_unknown_login_returns_none(store: AccountStore) -> None:
    create(store)

    assert store.find("john.doe") is None


@pytest.mark.parametrize("identifier", ["", "   "])
def test_find_of_an_empty_identifier_returns_none(store: AccountStore, identifier: str) -> None:
    create(store)

    assert store.find(identifier) is None


@pytest.mark.parametrize("identifier", ["*)(uid=*", "*", "jane*"])
def test_find_with_filter_characters_returns_none(store: AccountStore, identifier: str) -> None:
    create(store)

    assert store.find(identifier) is None


# -- create ------------------------------------------------------------------------------


def test_created_account_holds_the_login_and_names(store: AccountStore) -> None:
    create(store, login="lea.bernard", first_name="Léa", last_name="Bernard")

    record = found(store, "lea.bernard")
    assert (record.login, record.first_name, record.last_name) == ("lea.bernard", "Léa", "Bernard")


@pytest.mark.parametrize("category", ["staff", "student", "vacataire"])
def test_created_account_has_its_category(store: AccountStore, category: str) -> None:
    create(store, category=category)

    assert found(store).category == category


def test_created_account_address_is_the_login_at_the_university_domain(
    store: AccountStore,
) -> None:
    create(store)

    assert found(store).email == "jane.doe@umontpellier.fr"


def test_created_account_awaits_activation(store: AccountStore) -> None:
    create(store)

    record = found(store)
    assert (record.activated, record.activated_at) == (False, None)


def test_create_returns_the_account_as_find_reads_it(store: AccountStore) -> None:
    created = create(store)

    assert created == found(store)


def test_create_many_creates_each_account_as_create_would(store: AccountStore) -> None:
    store.create_many(
        [
            NewAccount("jane.doe", "Jane", "Doe", "staff", PROVISIONAL),
            NewAccount("paul.martin", "Paul", "Martin", "student", "Prov-9876-Wxyz"),
        ]
    )

    paul = found(store, "paul.martin")
    assert (paul.first_name, paul.category, paul.activated) == ("Paul", "student", False)
    assert store.verify_provisional_password("paul.martin", "Prov-9876-Wxyz") is True
    assert store.verify_provisional_password("jane.doe", PROVISIONAL) is True


def test_set_provisional_passwords_replaces_only_those_awaiting_activation(
    store: AccountStore,
) -> None:
    create(store)
    activated(store, login="paul.martin")

    store.set_provisional_passwords({"jane.doe": "Prov-5555-Qrst", "paul.martin": "Prov-6666"})

    assert store.verify_provisional_password("jane.doe", "Prov-5555-Qrst") is True
    assert store.verify_provisional_password("jane.doe", PROVISIONAL) is False
    assert store.verify_password("paul.martin", NEW_PASSWORD) is True


def test_activation_states_names_only_the_accounts_that_exist(store: AccountStore) -> None:
    create(store)
    activated(store, login="paul.martin")

    states = store.activation_states(["jane.doe", "paul.martin", "john.doe"])

    assert states == {"jane.doe": False, "paul.martin": True}


def test_taken_logins_answers_for_the_accounts_held(store: AccountStore) -> None:
    create(store)

    taken = store.taken_logins()

    assert ("jane.doe" in taken, "john.doe" in taken) == (True, False)


def test_a_prepared_password_does_not_show_in_its_repr(store: AccountStore) -> None:
    assert NEW_PASSWORD not in repr(store.prepare_password(NEW_PASSWORD))


# -- provisional password ----------------------------------------------------------------


def test_the_right_provisional_password_is_accepted(store: AccountStore) -> None:
    create(store)

    assert store.verify_provisional_password("jane.doe", PROVISIONAL) is True


def test_a_wrong_provisional_password_is_refused(store: AccountStore) -> None:
    create(store)

    assert store.verify_provisional_password("jane.doe", "Prov-1234-Abce") is False


def test_a_provisional_password_of_another_account_is_refused(store: AccountStore) -> None:
    create(store)
    create(store, login="paul.martin", provisional_password="Prov-9876-Wxyz")

    assert store.verify_provisional_password("jane.doe", "Prov-9876-Wxyz") is False


def test_a_provisional_password_for_an_unknown_login_is_refused(store: AccountStore) -> None:
    create(store)

    assert store.verify_provisional_password("john.doe", PROVISIONAL) is False


def test_a_provisional_password_for_an_empty_login_is_refused(store: AccountStore) -> None:
    # What the activation asks for an identifier that names nobody.
    create(store)

    assert store.verify_provisional_password("", PROVISIONAL) is False


@pytest.mark.parametrize("login", ["jane.doe", "john.doe", ""])
def test_an_empty_provisional_password_is_never_accepted(store: AccountStore, login: str) -> None:
    # An LDAP simple bind with an empty password is an anonymous bind, which succeeds.
    create(store)

    assert store.verify_provisional_password(login, "") is False


def test_a_new_provisional_password_is_accepted(store: AccountStore) -> None:
    create(store)

    store.set_provisional_password("jane.doe", "Prov-5678-Efgh")

    assert store.verify_provisional_password("jane.doe", "Prov-5678-Efgh") is True


def test_a_replaced_provisional_password_is_refused(store: AccountStore) -> None:
    create(store)

    store.set_provisional_password("jane.doe", "Prov-5678-Efgh")

    assert store.verify_provisional_password("jane.doe", PROVISIONAL) is False


def test_a_new_provisional_password_leaves_an_activated_account_password_working(
    store: AccountStore,
) -> None:
    activated(store)

    store.set_provisional_password("jane.doe", "Prov-5678-Efgh")

    assert store.verify_password("jane.doe", NEW_PASSWORD) is True


# -- activate ----------------------------------------------------------------------------


def test_activate_marks_the_account_activated_at_its_time(store: AccountStore) -> None:
    record = activated(store)

    assert (record.activated, record.activated_at) == (True, ACTIVATED_AT)


def test_activate_writes_the_recovery_address(store: AccountStore) -> None:
    assert activated(store).recovery_email == RECOVERY


def test_activate_writes_the_forwarding_address_and_keep_copy(store: AccountStore) -> None:
    record = activated(store, forwarding_address=FORWARDING, keep_copy=False)

    assert (record.forwarding_address, record.keep_copy) == (FORWARDING, False)


def test_activate_without_forwarding_leaves_no_forwarding_address(store: AccountStore) -> None:
    record = activated(store, forwarding_address="", forwarding_verified_at=None, keep_copy=True)

    assert (record.forwarding_address, record.keep_copy) == ("", True)


@pytest.mark.parametrize("consent", [True, False])
def test_activate_writes_the_directory_consent(store: AccountStore, consent: bool) -> None:
    assert activated(store, directory_consent=consent).directory_consent is consent


def test_activate_writes_the_charter_version_and_acceptance_time(store: AccountStore) -> None:
    record = activated(store, charter_version="2026-09")

    assert (record.charter_version, record.charter_accepted_at) == (
        "2026-09",
        CHARTER_ACCEPTED_AT,
    )


def test_activate_twice_with_the_same_answers_leaves_the_same_account(
    store: AccountStore,
) -> None:
    first = activated(store)

    store.activate("jane.doe", activation(store))

    assert found(store) == first
    assert store.verify_password("jane.doe", NEW_PASSWORD) is True


def test_after_activation_the_new_password_is_accepted(store: AccountStore) -> None:
    activated(store)

    assert store.verify_password("jane.doe", NEW_PASSWORD) is True


def test_after_activation_the_provisional_password_does_not_open_the_account(
    store: AccountStore,
) -> None:
    activated(store)

    assert store.verify_password("jane.doe", PROVISIONAL) is False


# -- password ----------------------------------------------------------------------------


def test_before_activation_no_password_opens_the_account(store: AccountStore) -> None:
    create(store)

    assert store.verify_password("jane.doe", PROVISIONAL) is False


def test_a_wrong_password_is_refused(store: AccountStore) -> None:
    activated(store)

    assert store.verify_password("jane.doe", OTHER_PASSWORD) is False


def test_an_empty_password_is_never_accepted(store: AccountStore) -> None:
    activated(store)

    assert store.verify_password("jane.doe", "") is False


def test_a_password_for_an_unknown_login_is_refused(store: AccountStore) -> None:
    activated(store)

    assert store.verify_password("john.doe", NEW_PASSWORD) is False


def test_a_new_password_is_accepted(store: AccountStore) -> None:
    activated(store)

    store.set_password("jane.doe", OTHER_PASSWORD)

    assert store.verify_password("jane.doe", OTHER_PASSWORD) is True


def test_a_replaced_password_is_refused(store: AccountStore) -> None:
    activated(store)

    store.set_password("jane.doe", OTHER_PASSWORD)

    assert store.verify_password("jane.doe", NEW_PASSWORD) is False


# -- update_profile ----------------------------------------------------------------------


def test_update_profile_changes_only_the_given_fields(store: AccountStore) -> None:
    before = activated(store, keep_copy=True, directory_consent=True)

    store.update_profile(
        "jane.doe", ProfileChanges(recovery_email="jane.new@example.org", keep_copy=False)
    )

    assert found(store) == replace(before, recovery_email="jane.new@example.org", keep_copy=False)


def test_update_profile_changes_the_directory_consent_and_charter(store: AccountStore) -> None:
    before = activated(store, directory_consent=True)
    accepted = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)

    store.update_profile(
        "jane.doe",
        ProfileChanges(
            directory_consent=False, charter_version="2027-01", charter_accepted_at=accepted
        ),
    )

    assert found(store) == replace(
        before, directory_consent=False, charter_version="2027-01", charter_accepted_at=accepted
    )


def test_update_profile_with_an_empty_forwarding_address_clears_it(store: AccountStore) -> None:
    activated(store, forwarding_address=FORWARDING)

    store.update_profile("jane.doe", ProfileChanges(forwarding_address=""))

    assert found(store).forwarding_address == ""


def test_update_profile_with_no_changes_leaves_the_account(store: AccountStore) -> None:
    before = activated(store)

    store.update_profile("jane.doe", ProfileChanges())

    assert found(store) == before


# -- search_directory --------------------------------------------------------------------


def listed(
    store: AccountStore, login: str, first_name: str, last_name: str, **changes: Any
) -> None:
    create(store, login=login, first_name=first_name, last_name=last_name)
    store.activate(login, activation(store, **{"directory_consent": True, **changes}))


def logins(records: list[AccountRecord]) -> list[str]:
    return [record.login for record in records]


def test_search_finds_only_activated_accounts_that_consented(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")
    listed(store, "john.doe", "John", "Doe", directory_consent=False)
    create(store, login="jim.doe", first_name="Jim", last_name="Doe")

    page = store.search_directory("doe", offset=0, limit=10)

    assert (logins(page.entries), page.total) == (["jane.doe"], 1)


def test_search_results_hold_only_what_the_directory_shows(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")

    (record,) = store.search_directory("jane", offset=0, limit=10).entries

    assert record == AccountRecord(
        login="jane.doe",
        email="jane.doe@umontpellier.fr",
        first_name="Jane",
        last_name="Doe",
        category=record.category,
        activated=True,
        directory_consent=True,
    )
    assert record.category in {"staff", "student", "vacataire"}


def test_search_matches_a_word_in_the_first_or_the_last_name(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")
    listed(store, "paul.janet", "Paul", "Janet")
    listed(store, "lea.bernard", "Lea", "Bernard")

    page = store.search_directory("JAN", offset=0, limit=10)

    assert logins(page.entries) == ["jane.doe", "paul.janet"]


def test_search_needs_every_word_to_match(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")
    listed(store, "john.doe", "John", "Doe")
    listed(store, "jane.martin", "Jane", "Martin")

    page = store.search_directory("doe jane", offset=0, limit=10)

    assert logins(page.entries) == ["jane.doe"]


def test_search_sorts_by_last_name(store: AccountStore) -> None:
    listed(store, "anna.moreau", "Anna", "Moreau")
    listed(store, "anna.bernard", "Anna", "Bernard")
    listed(store, "anna.durand", "Anna", "Durand")

    page = store.search_directory("anna", offset=0, limit=10)

    assert logins(page.entries) == ["anna.bernard", "anna.durand", "anna.moreau"]


def test_search_sorts_by_last_name_whatever_its_accents_and_case(store: AccountStore) -> None:
    listed(store, "anna.zola", "Anna", "Zola")
    listed(store, "anna.eluard", "Anna", "Éluard")
    listed(store, "anna.delafontaine", "Anna", "de La Fontaine")
    listed(store, "anna.bernard", "Anna", "Bernard")

    page = store.search_directory("anna", offset=0, limit=10)

    assert logins(page.entries) == ["anna.bernard", "anna.delafontaine", "anna.eluard", "anna.zola"]


def test_search_sorts_by_first_name_within_a_last_name(store: AccountStore) -> None:
    listed(store, "zoe.martin", "Zoé", "Martin")
    listed(store, "elise.martin", "Élise", "Martin")
    listed(store, "paul.martin", "paul", "Martin")

    page = store.search_directory("martin", offset=0, limit=10)

    assert logins(page.entries) == ["elise.martin", "paul.martin", "zoe.martin"]


def test_search_pages_with_offset_and_limit_and_counts_every_match(store: AccountStore) -> None:
    for last_name in ("Adam", "Blanc", "Colin", "Dupont", "Etienne"):
        listed(store, f"anna.{last_name.lower()}", "Anna", last_name)

    page = store.search_directory("anna", offset=2, limit=2)

    assert (logins(page.entries), page.total) == (["anna.colin", "anna.dupont"], 5)


def test_search_past_the_last_page_is_empty_with_the_total(store: AccountStore) -> None:
    listed(store, "anna.adam", "Anna", "Adam")
    listed(store, "anna.blanc", "Anna", "Blanc")

    page = store.search_directory("anna", offset=2, limit=2)

    assert (page.entries, page.total) == ([], 2)


@pytest.mark.parametrize("query", ["", "   "])
def test_search_with_an_empty_query_finds_nothing(store: AccountStore, query: str) -> None:
    listed(store, "jane.doe", "Jane", "Doe")

    page = store.search_directory(query, offset=0, limit=10)

    assert (page.entries, page.total) == ([], 0)


def test_search_with_filter_characters_finds_nothing(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")

    page = store.search_directory("*)(uid=*", offset=0, limit=10)

    assert (page.entries, page.total) == ([], 0)


@pytest.mark.parametrize("query", ["helene", "LEFEVRE", "Hélène", "lefèvre helene"])
def test_search_ignores_case_and_accents(store: AccountStore, query: str) -> None:
    listed(store, "helene.lefevre", "Hélène", "Lefèvre")

    page = store.search_directory(query, offset=0, limit=10)

    assert (logins(page.entries), page.total) == (["helene.lefevre"], 1)


def test_search_with_accents_finds_a_name_written_without(store: AccountStore) -> None:
    listed(store, "elodie.martin", "ELODIE", "MARTIN")

    page = store.search_directory("Élodie", offset=0, limit=10)

    assert logins(page.entries) == ["elodie.martin"]


@pytest.mark.parametrize(
    ("query", "login"),
    [
        ("dvorak antonin", "antonin.dvorak"),
        ("stefan", "stefan.sandor"),
        ("SANDOR", "stefan.sandor"),
        ("francoise d'arcy", "francoise.darcy"),
    ],
)
def test_search_ignores_the_accents_of_european_names(
    store: AccountStore, query: str, login: str
) -> None:
    listed(store, "antonin.dvorak", "Antonín", "Dvořák")
    listed(store, "stefan.sandor", "Ștefan", "Șandor")
    listed(store, "francoise.darcy", "Françoise", "D'Arçy")

    page = store.search_directory(query, offset=0, limit=10)

    assert logins(page.entries) == [login]


def test_search_with_the_accents_of_the_name_finds_it_beyond_european_letters(
    store: AccountStore,
) -> None:
    # ễ is not among the letters the LDAP store spells out: typed, it is still found.
    listed(store, "thi.nguyen", "Thị", "Nguyễn")

    page = store.search_directory("nguyễn", offset=0, limit=10)

    assert logins(page.entries) == ["thi.nguyen"]


def test_search_finds_the_word_not_its_letters_apart(store: AccountStore) -> None:
    # "Antoine" holds "an" and "ne", which the LDAP store asks the directory for.
    listed(store, "anne.martin", "Anne", "Martin")
    listed(store, "antoine.martin", "Antoine", "Martin")

    page = store.search_directory("anne", offset=0, limit=10)

    assert (logins(page.entries), page.total) == (["anne.martin"], 1)


def test_search_needs_every_word_of_a_long_query(store: AccountStore) -> None:
    # The LDAP store asks the directory for the first three words only.
    listed(store, "anne.dupont", "Anne Marie Claire", "Dupont")
    listed(store, "anne.martin", "Anne Marie Claire", "Martin")

    page = store.search_directory("anne marie claire martin", offset=0, limit=10)

    assert (logins(page.entries), page.total) == (["anne.martin"], 1)


def test_search_needs_a_long_word_to_its_last_letter(store: AccountStore) -> None:
    # The LDAP store asks the directory for the first six letters of a word only.
    listed(store, "jean.lefevre", "Jean", "Lefèvre")
    listed(store, "jean.lefevrier", "Jean", "Lefévrier")

    page = store.search_directory("lefevre", offset=0, limit=10)

    assert (logins(page.entries), page.total) == (["jean.lefevre"], 1)


def test_search_finds_a_word_within_one_name_not_across_both(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")

    page = store.search_directory("nedo", offset=0, limit=10)

    assert (page.entries, page.total) == ([], 0)


def test_search_that_read_everything_is_not_truncated(store: AccountStore) -> None:
    listed(store, "jane.doe", "Jane", "Doe")

    assert store.search_directory("doe", offset=0, limit=10).truncated is False


# -- in the directory itself (LDAP only) -------------------------------------------------


def dn(slapd: SlapdServer, login: str = "jane.doe") -> str:
    return f"uid={login},{slapd.people_base}"


def read_raw(slapd: SlapdServer, attribute: str, login: str = "jane.doe") -> list[bytes]:
    """The raw values of one attribute of the person's entry, read as the directory admin."""
    with slapd.connection() as admin:
        assert admin.search(dn(slapd, login), "(objectClass=*)", ldap3.BASE, attributes=[attribute])
        return list(admin.entries[0][attribute].raw_values)


def binds(slapd: SlapdServer, password: str, login: str = "jane.doe") -> bool:
    with slapd.connection(user=dn(slapd, login), password=password) as person:
        return bool(person.bound)


@pytest.mark.ldap
def test_ldap_consent_is_written_as_supann_liste_rouge_false(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store, directory_consent=True)

    assert read_raw(ldap_settings, "supannListeRouge") == [b"FALSE"]


@pytest.mark.ldap
def test_ldap_refusal_is_written_as_supann_liste_rouge_true(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store, directory_consent=False)

    assert read_raw(ldap_settings, "supannListeRouge") == [b"TRUE"]


@pytest.mark.ldap
def test_ldap_created_entry_is_unlisted_until_activation(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(ldap_store)

    assert read_raw(ldap_settings, "supannListeRouge") == [b"TRUE"]


@pytest.mark.ldap
def test_ldap_person_binds_with_the_provisional_password(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(ldap_store)

    assert binds(ldap_settings, PROVISIONAL)


@pytest.mark.ldap
def test_ldap_after_activation_the_person_binds_with_the_new_password(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store)

    assert binds(ldap_settings, NEW_PASSWORD)


@pytest.mark.ldap
def test_ldap_after_activation_the_provisional_password_no_longer_binds(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store)

    with pytest.raises(ldap3.core.exceptions.LDAPBindError):
        binds(ldap_settings, PROVISIONAL)


@pytest.mark.ldap
def test_ldap_provisional_password_is_stored_hashed(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(ldap_store)

    [stored] = read_raw(ldap_settings, "userPassword")
    assert stored.startswith(b"{SSHA}")
    assert PROVISIONAL.encode() not in stored


@pytest.mark.ldap
def test_ldap_new_password_is_stored_hashed(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store)

    [stored] = read_raw(ldap_settings, "userPassword")
    assert stored.startswith(b"{SSHA}")
    assert NEW_PASSWORD.encode() not in stored


@pytest.mark.ldap
def test_ldap_activation_writes_generalized_times(
    ldap_store: AccountStore, ldap_settings: SlapdServer
) -> None:
    activated(ldap_store)

    assert (
        read_raw(ldap_settings, "portiqueCharterAcceptedAt"),
        read_raw(ldap_settings, "portiqueActivatedAt"),
    ) == ([b"20261124120000Z"], [b"20261124120500Z"])
