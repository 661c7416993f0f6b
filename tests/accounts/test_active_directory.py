"""The LDAP store in front of a real Active Directory (a Samba DC, tests/samba_dc.py), in
what AD does its own way: the domain's password policy, the accounts it disables or locks,
its user objects and paged searches. The cases every store shares are in
test_store_contract.py, where AD is the third store."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore, PasswordRefused
from portique.accounts.stores.ldap import LdapAccountStore
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent
from tests.accounts.test_store_contract import activation, create
from tests.factories import DemoPerson, PersonFactory
from tests.support.after_activation import (
    PASSWORD,
    RECOVERY,
    RESET_LINK,
    Activated,
    change_password,
    link_to,
    logged_in_browser,
)
from tests.support.walkers import Walker

if TYPE_CHECKING:
    from tests.samba_dc import SambaDomainController

pytest_plugins = ["tests.samba_dc", "tests.support.after_activation"]
pytestmark = [pytest.mark.samba, pytest.mark.django_db]

NEW_PASSWORD = "Soleil-Vert-2031"
# Portique's rules accept it (8 characters or more, letters and digits); the test domain
# asks for 12.
TOO_SHORT_FOR_THE_DOMAIN = "Kzq7-Wvx-3t"
REFUSAL = "Identifiant ou mot de passe provisoire incorrect."
DOMAIN_REFUSAL = "Le domaine Windows de l&#x27;université refuse ce mot de passe."

MakeWalker = Callable[..., Walker]


@pytest.fixture
def store(ad_settings: SambaDomainController) -> AccountStore:
    return get_account_store()


@pytest.fixture
def person(ad_settings: SambaDomainController) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


def binds(dc: SambaDomainController, password: str, login: str = "jane.doe") -> bool:
    return dc.binds(dc.person_dn(login), password)


# -- the store ---------------------------------------------------------------------------


def test_the_store_uses_the_active_directory_preset(store: AccountStore) -> None:
    assert isinstance(store, LdapAccountStore)
    assert (store.attributes["login"], store.attributes["recovery_email"]) == (
        "sAMAccountName",
        "otherMailbox",
    )


def test_created_account_is_an_enabled_ad_user_with_its_principal_name(
    store: AccountStore, ad_settings: SambaDomainController
) -> None:
    create(store)

    values = ad_settings.entry("jane.doe", "userAccountControl", "userPrincipalName")
    assert values["userPrincipalName"] == ["jane.doe@umontpellier.fr"]
    assert int(str(values["userAccountControl"][0])) & 0x2 == 0  # ACCOUNTDISABLE


def test_activation_password_the_domain_refuses_raises_password_refused(
    store: AccountStore,
) -> None:
    create(store)

    with pytest.raises(PasswordRefused):
        store.activate(
            "jane.doe", activation(store, password=store.prepare_password(TOO_SHORT_FOR_THE_DOMAIN))
        )


def test_the_domain_refusal_says_what_the_domain_asks(store: AccountStore) -> None:
    create(store)

    with pytest.raises(PasswordRefused) as refused:
        store.activate(
            "jane.doe", activation(store, password=store.prepare_password(TOO_SHORT_FOR_THE_DOMAIN))
        )

    assert "au moins 12 caractères" in refused.value.message
    assert "différent de vos 24 derniers mots de passe" in refused.value.message


def test_activation_the_domain_refuses_writes_nothing(
    store: AccountStore, ad_settings: SambaDomainController
) -> None:
    create(store)
    before = ad_settings.entry("jane.doe", "*")

    with pytest.raises(PasswordRefused):
        store.activate(
            "jane.doe", activation(store, password=store.prepare_password(TOO_SHORT_FOR_THE_DOMAIN))
        )

    assert ad_settings.entry("jane.doe", "*") == before
    assert binds(ad_settings, ad_settings.provisional_password)


def test_new_password_the_domain_refuses_leaves_the_old_one(
    store: AccountStore, ad_settings: SambaDomainController
) -> None:
    create(store)
    store.activate("jane.doe", activation(store))

    with pytest.raises(PasswordRefused):
        store.set_password("jane.doe", TOO_SHORT_FOR_THE_DOMAIN)

    assert binds(ad_settings, NEW_PASSWORD)


@pytest.mark.parametrize("which", ["disabled_login", "locked_login"])
def test_the_right_provisional_password_of_an_account_ad_refuses_is_refused(
    store: AccountStore, ad_settings: SambaDomainController, which: str
) -> None:
    login = getattr(ad_settings, which)

    assert store.verify_provisional_password(login, ad_settings.provisional_password) is False


def test_the_directory_search_reads_every_page(
    ad_settings: SambaDomainController, settings: Any
) -> None:
    store = LdapAccountStore.from_settings()
    for number in range(5):
        login = f"martin.{number}"
        create(store, login=login, first_name=f"Jean{chr(97 + number)}", last_name="Martin")
        store.activate(login, activation(store, directory_consent=True))
    # Pages of 2: the search must follow the cookie to the third page.
    store.search_page_size = 2

    page = store.search_directory("martin", offset=0, limit=10)

    assert (page.total, page.truncated) == (5, False)


# -- step 2: an account AD disables or locks ---------------------------------------------


def page_text(response: Any) -> str:
    """The page without what changes from one answer to the next (the CSRF token)."""
    return re.sub(r'value="[^"]{32,}"', "", response.content.decode())


@pytest.mark.parametrize("which", ["disabled_login", "locked_login"])
def test_step_2_refuses_an_account_ad_refuses_like_a_wrong_password(
    walker_for: MakeWalker, ad_settings: SambaDomainController, which: str
) -> None:
    login = getattr(ad_settings, which)
    person = DemoPerson(login, "Dora", "Disabled", "staff", ad_settings.provisional_password)
    walker = walker_for(person)
    walker.identify()
    wrong = walker.give_provisional_password("Prov-0000-Zzzz")
    walker.identify()

    right = walker.give_provisional_password()

    assert (right.status_code, wrong.status_code) == (200, 200)
    assert REFUSAL in right.content.decode()
    assert page_text(right) == page_text(wrong)
    assert not ActivationFlow.objects.filter(login=login).exists()


# -- step 9: the domain's policy ---------------------------------------------------------


@pytest.fixture
def at_new_password(walker_for: MakeWalker, person: DemoPerson) -> Walker:
    """Jane, at step 9: charter accepted, listed in the directory, no redirection."""
    walker = walker_for(person)
    walker.reach_charter()
    walker.accept_charter()
    walker.choose_directory(True)
    assert walker.choose_forwarding(wants=False)["Location"] == "/activation/mot-de-passe/"
    return walker


def test_step_9_shows_the_domain_refusal(at_new_password: Walker) -> None:
    response = at_new_password.set_password(TOO_SHORT_FOR_THE_DOMAIN)

    assert response.status_code == 200
    assert DOMAIN_REFUSAL in response.content.decode()
    assert "au moins 12 caractères" in response.content.decode()


def test_step_9_refused_by_the_domain_stays_at_step_9_with_nothing_written(
    at_new_password: Walker, person: DemoPerson, ad_settings: SambaDomainController
) -> None:
    response = at_new_password.set_password(TOO_SHORT_FOR_THE_DOMAIN)

    assert DOMAIN_REFUSAL in response.content.decode()
    assert ActivationFlow.objects.get(login=person.login).state == State.AWAITING_NEW_PASSWORD
    assert not AuditEvent.objects.filter(action="account_activated").exists()
    values = ad_settings.entry("jane.doe", "otherMailbox", "msDS-cloudExtensionAttribute6")
    assert values == {"otherMailbox": [], "msDS-cloudExtensionAttribute6": []}
    assert binds(ad_settings, person.provisional_password)


def test_step_9_after_the_domain_refusal_a_longer_password_activates(
    at_new_password: Walker, ad_settings: SambaDomainController
) -> None:
    refused = at_new_password.set_password(TOO_SHORT_FOR_THE_DOMAIN)
    assert DOMAIN_REFUSAL in refused.content.decode()

    response = at_new_password.set_password(NEW_PASSWORD)

    assert response["Location"] == "/activation/termine/"
    assert binds(ad_settings, NEW_PASSWORD)


def test_a_timeout_with_a_fraction_of_a_second_works(
    ad_settings: SambaDomainController, settings: Any
) -> None:
    # The default, 5.0, is a float; ldap3 needs whole seconds for the socket's timeout.
    settings.PORTIQUE_LDAP_TIMEOUT = 2.5
    get_account_store.cache_clear()

    assert get_account_store().find(ad_settings.disabled_login) is not None


# -- the forgotten password and the account page -----------------------------------------


@pytest.fixture
def activated_in_ad(ad_settings: SambaDomainController, activated: Activated) -> Activated:
    """Jane, activated with her account in the domain (ad_settings comes first)."""
    return activated


def test_forgotten_password_page_shows_the_domain_refusal_and_keeps_the_link(
    activated_in_ad: Activated, ad_settings: SambaDomainController
) -> None:
    Client().post("/probleme-de-connexion/", {"identifier": activated_in_ad.login})
    browser = Client()
    page = "/probleme-de-connexion/nouveau-mot-de-passe/"
    assert browser.get(link_to(RECOVERY, RESET_LINK))["Location"] == page
    typed = {"new_password": TOO_SHORT_FOR_THE_DOMAIN}

    refused = browser.post(page, {**typed, "new_password_confirmation": TOO_SHORT_FOR_THE_DOMAIN})

    assert refused.status_code == 200
    assert DOMAIN_REFUSAL in refused.content.decode()
    again = browser.post(
        page, {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    )
    assert again["Location"] == "/probleme-de-connexion/termine/"
    assert binds(ad_settings, NEW_PASSWORD)


def test_account_page_shows_the_domain_refusal_and_keeps_the_password(
    activated_in_ad: Activated, ad_settings: SambaDomainController
) -> None:
    browser = logged_in_browser(activated_in_ad.login)

    response = change_password(browser, PASSWORD, TOO_SHORT_FOR_THE_DOMAIN)

    assert response.status_code == 200
    assert DOMAIN_REFUSAL in response.content.decode()
    assert binds(ad_settings, PASSWORD)
