"""The Active Directory password target against a real domain controller (a Samba DC,
tests/samba_dc.py): it sets the password of the same login over LDAPS with its service
account, the domain's policy refusal is a PasswordRefused in words, and a DC that cannot be
reached is a TargetUnavailable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from portique.accounts.stores import get_account_store
from portique.passwords.targets.active_directory import ActiveDirectoryTarget
from portique.passwords.targets.base import PasswordRefused, TargetUnavailable

if TYPE_CHECKING:
    from tests.samba_dc import SambaDomainController

pytest_plugins = ["tests.samba_dc"]
pytestmark = [pytest.mark.samba, pytest.mark.django_db]

NEW_PASSWORD = "Soleil-Vert-2031"
# Shorter than the test domain's 12 characters.
TOO_SHORT_FOR_THE_DOMAIN = "Kzq7-Wvx-3t"


def unreachable_url(dc: SambaDomainController) -> str:
    """The DC's address, on a port where nothing listens (Samba has 636 only)."""
    return f"ldaps://{dc.host}:6360"


def target_for(dc: SambaDomainController, **options: Any) -> ActiveDirectoryTarget:
    """A target on `dc`, configured by its options as PORTIQUE_PASSWORD_TARGETS gives them."""
    return ActiveDirectoryTarget(
        **{
            "url": dc.url,
            "bind_dn": dc.service_dn,
            "bind_password": dc.service_password,
            "users_base": dc.people_base,
            "ca_file": str(dc.ca_file),
            "timeout": 2,
            **options,
        }
    )


@pytest.fixture
def jane(ad_settings: SambaDomainController) -> str:
    """Jane's user in the domain, with her provisional password."""
    get_account_store().create(
        login="jane.doe",
        first_name="Jane",
        last_name="Doe",
        category="staff",
        provisional_password=ad_settings.provisional_password,
    )
    return ad_settings.person_dn("jane.doe")


def test_after_set_password_the_person_binds_with_the_new_password(
    jane: str, ad_settings: SambaDomainController
) -> None:
    target_for(ad_settings).set_password("jane.doe", NEW_PASSWORD)

    assert ad_settings.binds(jane, NEW_PASSWORD)


def test_after_set_password_the_old_password_no_longer_binds(
    jane: str, ad_settings: SambaDomainController
) -> None:
    target_for(ad_settings).set_password("jane.doe", NEW_PASSWORD)

    assert not ad_settings.binds(jane, ad_settings.provisional_password)


def test_setting_the_same_password_twice_leaves_it_working(
    jane: str, ad_settings: SambaDomainController
) -> None:
    target = target_for(ad_settings)
    target.set_password("jane.doe", NEW_PASSWORD)

    target.set_password("jane.doe", NEW_PASSWORD)

    assert ad_settings.binds(jane, NEW_PASSWORD)


def test_the_target_reads_its_settings(
    jane: str, ad_settings: SambaDomainController, settings: Any
) -> None:
    settings.PORTIQUE_AD_URL = ad_settings.url
    settings.PORTIQUE_AD_BIND_DN = ad_settings.service_dn
    settings.PORTIQUE_AD_BIND_PASSWORD = ad_settings.service_password
    settings.PORTIQUE_AD_USERS_BASE = ad_settings.people_base
    settings.PORTIQUE_AD_CA_FILE = str(ad_settings.ca_file)

    ActiveDirectoryTarget().set_password("jane.doe", NEW_PASSWORD)

    assert ad_settings.binds(jane, NEW_PASSWORD)


def test_the_domain_policy_refusal_raises_password_refused_in_words(
    jane: str, ad_settings: SambaDomainController
) -> None:
    with pytest.raises(PasswordRefused) as refused:
        target_for(ad_settings).set_password("jane.doe", TOO_SHORT_FOR_THE_DOMAIN)

    assert "au moins 12 caractères" in refused.value.message


def test_a_refused_password_leaves_the_old_one(
    jane: str, ad_settings: SambaDomainController
) -> None:
    with pytest.raises(PasswordRefused):
        target_for(ad_settings).set_password("jane.doe", TOO_SHORT_FOR_THE_DOMAIN)

    assert ad_settings.binds(jane, ad_settings.provisional_password)


def test_an_unreachable_domain_controller_raises_target_unavailable(
    jane: str, ad_settings: SambaDomainController
) -> None:
    with pytest.raises(TargetUnavailable):
        target_for(ad_settings, url=unreachable_url(ad_settings)).set_password(
            "jane.doe", NEW_PASSWORD
        )


def test_a_login_the_domain_does_not_have_raises_target_unavailable(
    ad_settings: SambaDomainController,
) -> None:
    with pytest.raises(TargetUnavailable):
        target_for(ad_settings).set_password("john.doe", NEW_PASSWORD)


def test_check_passes_when_the_service_account_binds(ad_settings: SambaDomainController) -> None:
    target_for(ad_settings).check()


def test_check_of_an_unreachable_domain_controller_raises_target_unavailable(
    ad_settings: SambaDomainController,
) -> None:
    with pytest.raises(TargetUnavailable):
        target_for(ad_settings, url=unreachable_url(ad_settings)).check()


def test_check_with_a_refused_service_account_raises_target_unavailable(
    ad_settings: SambaDomainController,
) -> None:
    with pytest.raises(TargetUnavailable):
        target_for(ad_settings, bind_password="Not-The-Service-Secret-1").check()


def test_a_url_without_tls_is_refused_at_configuration(ad_settings: SambaDomainController) -> None:
    with pytest.raises(ImproperlyConfigured):
        target_for(ad_settings, url=f"ldap://{ad_settings.host}")
