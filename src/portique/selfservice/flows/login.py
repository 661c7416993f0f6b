"""Logging in to « Compte Informatique », and the password check that confirms a sensitive
change: a login in all but name, counted against the same lock."""

from django.db import transaction

from portique.accounts.stores.base import AccountRecord, AccountStore
from portique.core import throttle
from portique.core.audit import audit_record
from portique.selfservice.services import AccountError, account_store


class WrongPassword(AccountError):
    """The current password given to confirm a change is not accepted: wrong, or the account
    is locked after too many failures (told apart in the audit trail only, as at the login)."""


def account_login(
    *, identifier: str, password: str, ip: str | None = None, store: AccountStore | None = None
) -> AccountRecord | None:
    """Return the activated account that `identifier` and `password` open, or None. Unknown,
    locked, not activated and wrong are refused alike, after the same work."""
    store = account_store(store)
    account = store.find(identifier)
    login = account.login if account else ""
    counter = login or identifier
    allowed, good = password_judged(
        counter=counter, login=login, password=password, ip=ip, store=store
    )
    with transaction.atomic():
        if not (allowed and good and account is not None and account.activated):
            reason = "locked" if not allowed else "unknown" if account is None else "wrong"
            subject = login or identifier[:150]
            audit_record(
                actor=identifier[:150], subject=subject, action="login_refused", ip=ip,
                reason=reason,
            )  # fmt: skip
            throttle.record_refusal(
                identifier=counter, ip=ip, subject=subject, during_lock=not allowed
            )
            return None
        throttle.record_success(identifier=counter)
        audit_record(actor=login, subject=login, action="login_succeeded", ip=ip)
    return account


def password_judged(
    *, counter: str, login: str, password: str, ip: str | None, store: AccountStore
) -> tuple[bool, bool]:
    """Return (allowed, good): whether neither the account's counter nor the address is
    locked, and whether `password` is the password of `login`."""
    allowed = throttle.attempt_allowed(identifier=counter, ip=ip)
    # Always one password check, whether or not the account exists or is locked.
    return allowed, store.verify_password(login, password)


def password_confirmed(
    *,
    account: AccountRecord,
    password: str,
    refused_action: str,
    ip: str | None,
    store: AccountStore,
    **audit_data: object,
) -> None:
    """Let a sensitive change go on only if `password` is the account's current one; raise
    WrongPassword otherwise. It is a login in all but name: a failure counts towards the
    same lock, and a locked account is refused even its right password."""
    login = account.login
    allowed, good = password_judged(
        counter=login, login=login, password=password, ip=ip, store=store
    )
    if allowed and good:
        throttle.record_success(identifier=login)
        return
    # Committed before the exception: the refusal stays in the trail and in the counts.
    with transaction.atomic():
        audit_record(
            actor=login, subject=login, action=refused_action, ip=ip,
            reason="wrong" if allowed else "locked", **audit_data,
        )  # fmt: skip
        throttle.record_refusal(identifier=login, ip=ip, subject=login, during_lock=not allowed)
    raise WrongPassword("wrong current password")
