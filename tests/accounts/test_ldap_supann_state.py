"""The SupAnn account state the LDAP store writes in a slapd (tests/ldap_server.py), as
esup-activ and SupAnn 2021 directories expect: supannRessourceEtat and its date at
activation, shadowLastChange at each password change, the keep-copy choice as
mailDeliveryOption (qmail-ldap), and directories still holding portiqueKeepCopy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ldap3
import pytest
import time_machine

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore, ProfileChanges
from tests.accounts.test_store_contract import ACTIVATED_AT, FORWARDING, activation, create

if TYPE_CHECKING:
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = [pytest.mark.ldap, pytest.mark.django_db]

# 2026-11-24 is day 20,781 since 1970-01-01.
CHANGED_ON = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CHANGED_ON_DAYS = "20781"


@pytest.fixture
def store(ldap_settings: SlapdServer) -> AccountStore:
    return get_account_store()


def values(slapd: SlapdServer, attribute: str, login: str = "jane.doe") -> list[str]:
    with slapd.connection() as admin:
        admin.search(
            f"uid={login},{slapd.people_base}",
            "(objectClass=*)",
            ldap3.BASE,
            attributes=[attribute],
        )
        # As stored, not as ldap3 types them from the schema (True for TRUE).
        raw = admin.response[0]["raw_attributes"].get(attribute, [])
        return sorted(value.decode() for value in raw)


def admin_sets(slapd: SlapdServer, attribute: str, new: list[str], login: str = "jane.doe") -> None:
    """Write `attribute` as the identity management would, before Portique."""
    with slapd.connection() as admin:
        assert admin.modify(
            f"uid={login},{slapd.people_base}", {attribute: [(ldap3.MODIFY_REPLACE, new)]}
        ), admin.result


# -- supannRessourceEtat -----------------------------------------------------------------


def test_activation_writes_the_account_active_state(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)

    store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "supannRessourceEtat") == ["{COMPTE}A:SupannActif"]


def test_activation_replaces_the_not_activated_state_and_keeps_other_resources(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    admin_sets(
        ldap_settings, "supannRessourceEtat", ["{COMPTE}I:SupannInactif", "{MAIL}A:SupannActif"]
    )

    store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "supannRessourceEtat") == [
        "{COMPTE}A:SupannActif",
        "{MAIL}A:SupannActif",
    ]


def test_activation_writes_the_state_with_its_start_date(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    admin_sets(ldap_settings, "supannRessourceEtatDate", ["{COMPTE}I:SupannInactif:20260901:"])

    store.activate("jane.doe", activation(store, activated_at=ACTIVATED_AT))

    assert values(ldap_settings, "supannRessourceEtatDate") == ["{COMPTE}A:SupannActif:20261124:"]


def test_activation_twice_leaves_one_active_state(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    store.activate("jane.doe", activation(store))

    store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "supannRessourceEtat") == ["{COMPTE}A:SupannActif"]


def test_the_state_written_is_a_setting(ldap_settings: SlapdServer, settings: Any) -> None:
    settings.PORTIQUE_LDAP_ACCOUNT_STATE = "{COMPTE}A:SupannActifPortique"
    get_account_store.cache_clear()
    store = get_account_store()
    create(store)

    store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "supannRessourceEtat") == ["{COMPTE}A:SupannActifPortique"]


def test_an_empty_state_setting_writes_no_state(ldap_settings: SlapdServer, settings: Any) -> None:
    settings.PORTIQUE_LDAP_ACCOUNT_STATE = ""
    get_account_store.cache_clear()
    store = get_account_store()
    create(store)

    store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "supannRessourceEtat") == []


# -- shadowLastChange --------------------------------------------------------------------


def test_activation_dates_the_password_change(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)

    with time_machine.travel(CHANGED_ON, tick=False):
        store.activate("jane.doe", activation(store))

    assert values(ldap_settings, "shadowLastChange") == [CHANGED_ON_DAYS]


def test_a_new_password_dates_the_change_again(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    store.activate("jane.doe", activation(store))

    with time_machine.travel(datetime(2027, 1, 3, 9, 0, tzinfo=UTC), tick=False):
        store.set_password("jane.doe", "Lune-Rouge-2032")

    assert values(ldap_settings, "shadowLastChange") == ["20821"]


# -- mailDeliveryOption ------------------------------------------------------------------


def test_forwarding_without_a_copy_writes_forwardonly(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)

    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=False))

    assert values(ldap_settings, "mailDeliveryOption") == ["forwardonly"]


def test_forwarding_with_a_copy_writes_no_forwardonly(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)

    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=True))

    assert values(ldap_settings, "mailDeliveryOption") == []


def test_keeping_a_copy_again_removes_forwardonly_and_keeps_other_options(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=False))
    admin_sets(ldap_settings, "mailDeliveryOption", ["forwardonly", "reply"])

    store.update_profile("jane.doe", ProfileChanges(keep_copy=True))

    assert values(ldap_settings, "mailDeliveryOption") == ["reply"]


def test_clearing_the_forwarding_removes_forwardonly(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    # Otherwise mail would be forwarded nowhere and kept nowhere.
    create(store)
    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=False))

    store.update_profile("jane.doe", ProfileChanges(forwarding_address=""))

    assert values(ldap_settings, "mailDeliveryOption") == []


def test_no_copy_without_forwarding_writes_no_forwardonly(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)

    store.activate(
        "jane.doe",
        activation(store, forwarding_address="", forwarding_verified_at=None, keep_copy=False),
    )

    assert values(ldap_settings, "mailDeliveryOption") == []


# -- directories that hold portiqueKeepCopy ----------------------------------------------


def test_an_entry_with_portique_keep_copy_false_reads_as_no_copy(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=True))
    admin_sets(ldap_settings, "portiqueKeepCopy", ["FALSE"])

    record = store.find("jane.doe")

    assert record is not None and record.keep_copy is False


def test_the_next_write_moves_portique_keep_copy_to_the_delivery_option(
    store: AccountStore, ldap_settings: SlapdServer
) -> None:
    create(store)
    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=True))
    admin_sets(ldap_settings, "portiqueKeepCopy", ["TRUE"])

    store.update_profile("jane.doe", ProfileChanges(keep_copy=False))

    assert values(ldap_settings, "portiqueKeepCopy") == []
    assert values(ldap_settings, "mailDeliveryOption") == ["forwardonly"]


def test_without_a_delivery_option_attribute_portique_keep_copy_is_written(
    ldap_settings: SlapdServer, settings: Any
) -> None:
    settings.PORTIQUE_LDAP_ATTRIBUTES = {"delivery_option": ""}
    get_account_store.cache_clear()
    store = get_account_store()
    create(store)

    store.activate("jane.doe", activation(store, forwarding_address=FORWARDING, keep_copy=False))

    assert values(ldap_settings, "portiqueKeepCopy") == ["FALSE"]
    assert values(ldap_settings, "mailDeliveryOption") == []


def test_an_entry_without_shadow_account_still_gets_its_new_password(
    ldap_settings: SlapdServer, settings: Any
) -> None:
    settings.PORTIQUE_LDAP_OBJECT_CLASSES = [
        "inetOrgPerson", "eduPerson", "supannPerson", "mailForwarding", "portiqueAccount",
    ]  # fmt: skip
    get_account_store.cache_clear()
    store = get_account_store()
    create(store)

    store.activate("jane.doe", activation(store))

    assert store.verify_password("jane.doe", activation(store).password.value)
    assert values(ldap_settings, "shadowLastChange") == []
