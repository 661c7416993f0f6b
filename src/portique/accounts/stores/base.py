"""The AccountStore protocol: what Portique needs from the system of record of accounts.

A store is a class with these methods, chosen by PORTIQUE_ACCOUNT_STORE (see
stores/__init__.py). What differs between stores is said here, by a method or a flag, never
asked by the callers (no `isinstance` of a store): `rolls_back_with_database` tells whether
the store's writes share the database's transaction; `prepare_password()` does a new
password's slow part (hashing, for a store that keeps hashes) before any transaction; the
`*_many` methods and `taken_logins()` let the HR import write and check thousands of
accounts in a few statements where the store can, and one by one where it cannot.
"""

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class AccountRecord:
    """An account as read from a store; the same shape whatever the store."""

    login: str
    email: str
    first_name: str
    last_name: str
    category: str
    activated: bool
    recovery_email: str = ""
    forwarding_address: str = ""
    keep_copy: bool = False
    directory_consent: bool = False
    charter_version: str = ""
    charter_accepted_at: datetime | None = None
    activated_at: datetime | None = None


@dataclass(frozen=True)
class PreparedPassword:
    """A new password as one store's `prepare_password()` made it ready to write: a hash for
    a store that keeps hashes, the password itself for a directory that hashes it."""

    value: str = field(repr=False)


@dataclass(frozen=True)
class NewAccount:
    """An account to create awaiting activation, for `create_many()`."""

    login: str
    first_name: str
    last_name: str
    category: str
    provisional_password: str = field(repr=False)


@dataclass(frozen=True)
class Activation:
    """Everything the activation writes to the store, at once, at its last step."""

    # From the same store's prepare_password(), made before the caller's transaction: an
    # argon2 hash takes 0.3 s, and no lock may be held that long (SQLite's is the whole
    # database's).
    password: PreparedPassword
    recovery_email: str
    recovery_email_verified_at: datetime
    forwarding_address: str
    forwarding_verified_at: datetime | None
    keep_copy: bool
    directory_consent: bool
    charter_version: str
    charter_accepted_at: datetime
    activated_at: datetime


@dataclass(frozen=True)
class ProfileChanges:
    """Changes to an activated account's settings; None leaves a field as it is."""

    recovery_email: str | None = None
    forwarding_address: str | None = None
    keep_copy: bool | None = None
    directory_consent: bool | None = None
    charter_version: str | None = None
    charter_accepted_at: datetime | None = None


@dataclass(frozen=True)
class DirectoryPage:
    """One page of public-directory results and how many there are in all. `truncated`: the
    store stopped reading at its bound (PORTIQUE_LDAP_SEARCH_MAX_ENTRIES) or at the
    directory's own limit, so that `total` counts the matches among what it read only."""

    entries: list[AccountRecord]
    total: int
    truncated: bool = False


class StoreUnavailable(Exception):
    """The account store cannot be reached, or did not answer in time. Nothing was written
    that the next attempt will not write again: the person's progress is kept."""


class PasswordRefused(ValidationError):
    """The store's own password policy (an Active Directory domain's, a directory's
    ppolicy) refused the password, after Portique's rules had accepted it; nothing was
    written. Its message, safe to show to the person, says what the policy asks. A
    ValidationError, so that the password pages show it as they show a rule of their own."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="password_refused_by_store")
        self.message = message


class AccountStore(Protocol):
    # True when the store's writes are rows of Portique's own database, kept or rolled back
    # with its transaction: an HR import is then one transaction. False for a directory,
    # which keeps what it was sent whatever the database does.
    rolls_back_with_database: bool

    def find(self, identifier: str) -> AccountRecord | None:
        """Return the account whose login or university address is `identifier`, ignoring
        case and surrounding spaces, or None."""
        ...

    def verify_provisional_password(self, login: str, password: str) -> bool:
        """Tell whether `password` is the account's provisional password, activated or not
        (callers check the state); does the same work for an unknown login, so that timing
        tells nothing."""
        ...

    def create(
        self,
        *,
        login: str,
        first_name: str,
        last_name: str,
        category: str,
        provisional_password: str,
    ) -> AccountRecord:
        """Create an account awaiting activation."""
        ...

    def create_many(self, accounts: Sequence[NewAccount]) -> None:
        """Create these accounts awaiting activation, as `create()` would each, in as few
        writes as the store allows."""
        ...

    def set_provisional_password(self, login: str, provisional_password: str) -> None:
        """Replace the provisional password of an account awaiting activation."""
        ...

    def set_provisional_passwords(self, passwords: Mapping[str, str]) -> None:
        """Replace the provisional passwords ({login: password}) of those accounts that await
        activation, in as few writes as the store allows."""
        ...

    def activation_states(self, logins: Sequence[str]) -> dict[str, bool]:
        """Return {login: activated} for those of `logins` that have an account."""
        ...

    def taken_logins(self) -> Container[str]:
        """Return what answers `login in ...` for the logins the store holds, Portique's or
        not: a set read at once, or a lookup at each question."""
        ...

    def prepare_password(self, password: str) -> PreparedPassword:
        """Make a new password ready for `activate()`; called before any transaction."""
        ...

    def verify_password(self, login: str, password: str) -> bool:
        """Tell whether `password` is the activated account's password; does the same work
        for an unknown or not-yet-activated login."""
        ...

    def set_password(self, login: str, password: str) -> None:
        """Replace the password of an activated account."""
        ...

    def update_profile(self, login: str, changes: ProfileChanges) -> None:
        """Write the given changes to an activated account."""
        ...

    def search_directory(self, query: str, *, offset: int, limit: int) -> DirectoryPage:
        """Return the activated accounts that consented to the public directory and whose
        first or last name contains each word of `query`, ignoring case and accents, sorted
        by name."""
        ...

    def activate(self, login: str, activation: Activation) -> None:
        """Write the activation's answers and password and mark the account activated, after
        which the activation refuses the provisional password. Running it twice leaves the
        same result."""
        ...
