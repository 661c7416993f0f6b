"""What the journeys of « Compte Informatique » share: the error they raise, the store they
use, the activated account they act on. The journeys themselves are in flows/: logging in
(login.py), the account's sessions (sessions.py), the account page's changes
(changes.py)."""

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore
from portique.passwords.validators import PasswordSubject


class AccountError(Exception):
    """The change cannot be made; the message says why, for the page."""


def account_store(store: AccountStore | None) -> AccountStore:
    """Return `store`, or the configured one."""
    return store or get_account_store()


def activated_account(login: str, store: AccountStore) -> AccountRecord:
    """Return the activated account `login`; raise AccountError if there is none."""
    account = store.find(login)
    if account is None or not account.activated:
        raise AccountError(f"{login} is not an activated account")
    return account


def password_subject(account: AccountRecord) -> PasswordSubject:
    """Who chooses a password here, for the password rules."""
    return PasswordSubject(
        login=account.login, first_name=account.first_name, last_name=account.last_name
    )
