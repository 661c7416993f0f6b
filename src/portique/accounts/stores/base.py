"""The AccountStore protocol: what Portique needs from the system of record of accounts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
class Activation:
    """Everything the activation writes to the store, at once, at its last step."""

    password: str
    recovery_email: str
    recovery_email_verified_at: datetime
    forwarding_address: str
    forwarding_verified_at: datetime | None
    keep_copy: bool
    directory_consent: bool
    charter_version: str
    charter_accepted_at: datetime
    activated_at: datetime


class AccountStore(Protocol):
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

    def set_provisional_password(self, login: str, provisional_password: str) -> None:
        """Replace the provisional password of an account awaiting activation."""
        ...

    def activate(self, login: str, activation: Activation) -> None:
        """Write the activation's answers and password and mark the account activated, after
        which the activation refuses the provisional password. Running it twice leaves the
        same result."""
        ...
