"""Choose the account store named by PORTIQUE_ACCOUNT_STORE, once per process."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portique.accounts.stores.base import AccountStore


@cache
def get_account_store() -> AccountStore:
    """Return the configured account store."""
    name = settings.PORTIQUE_ACCOUNT_STORE
    if name == "sql":
        from portique.accounts.stores.sql import SqlAccountStore

        return SqlAccountStore()
    if name == "ldap":
        from portique.accounts.stores.ldap import LdapAccountStore

        return LdapAccountStore.from_settings()
    raise ImproperlyConfigured(f"Unknown PORTIQUE_ACCOUNT_STORE {name!r} (expected: sql or ldap)")
