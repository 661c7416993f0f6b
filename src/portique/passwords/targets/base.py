"""The PasswordTarget protocol: a system other than the account store that must get the same
password (Kerberos, Active Directory, a hook), and what it raises when it cannot take it."""

from typing import Protocol

from portique.accounts.stores.base import StoreUnavailable


class TargetUnavailable(StoreUnavailable):
    """The target cannot be reached, or did not answer in time. A StoreUnavailable: the
    person gets the "come back later" page (503), their progress kept, and trying again
    sets every target again."""


class PasswordRefused(Exception):
    """The target's own policy refused the password. `message` says why, in words that are
    safe to show the person (never the password)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PasswordTarget(Protocol):
    # Shown on the helpdesk's person page and as the `target` label in /metrics.
    name: str

    def set_password(self, login: str, password: str) -> None:
        """Give the account `login` the password `password`; setting the same one twice
        leaves the same result. Raises TargetUnavailable or PasswordRefused."""
        ...

    def check(self) -> None:
        """Return when the target answers as it should (for /readyz); raises
        TargetUnavailable otherwise."""
        ...
