"""The test domain controller (tests/samba_dc.py) is what the Active Directory tests take it
for: LDAPS with its CA, a service account that binds, a disabled and a locked account."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import ldap3
import pytest
from ldap3.core.exceptions import LDAPBindError, LDAPSocketOpenError

if TYPE_CHECKING:
    from tests.samba_dc import SambaDomainController

pytest_plugins = ["tests.samba_dc"]
pytestmark = pytest.mark.samba


def test_service_account_binds_over_ldaps(samba_dc: SambaDomainController) -> None:
    assert samba_dc.binds(samba_dc.service_dn, samba_dc.service_password)


def test_a_wrong_service_password_does_not_bind(samba_dc: SambaDomainController) -> None:
    assert not samba_dc.binds(samba_dc.service_dn, "Not-The-Service-Secret-1")


def test_the_certificate_is_refused_without_the_domain_ca(
    samba_dc: SambaDomainController,
) -> None:
    server = ldap3.Server(
        samba_dc.host, port=636, use_ssl=True, tls=ldap3.Tls(validate=ssl.CERT_REQUIRED)
    )
    with pytest.raises(LDAPSocketOpenError):
        ldap3.Connection(server, auto_bind=True)


def test_the_disabled_account_does_not_bind_with_its_password(
    ad_settings: SambaDomainController,
) -> None:
    dn = ad_settings.person_dn(ad_settings.disabled_login)

    assert not ad_settings.binds(dn, ad_settings.provisional_password)


def test_the_locked_account_does_not_bind_with_its_password(
    ad_settings: SambaDomainController,
) -> None:
    dn = ad_settings.person_dn(ad_settings.locked_login)

    assert not ad_settings.binds(dn, ad_settings.provisional_password)


def test_an_unlocked_account_binds_with_its_password(ad_settings: SambaDomainController) -> None:
    dn = ad_settings.person_dn(ad_settings.locked_login)
    with ad_settings.connection() as admin:
        admin.modify(dn, {"lockoutTime": [(ldap3.MODIFY_REPLACE, ["0"])]})

    assert ad_settings.binds(dn, ad_settings.provisional_password)


def test_reset_locks_the_locked_account_again(ad_settings: SambaDomainController) -> None:
    ad_settings.reset()

    with pytest.raises(LDAPBindError):
        ad_settings.connection(
            ad_settings.person_dn(ad_settings.locked_login), ad_settings.provisional_password
        )
