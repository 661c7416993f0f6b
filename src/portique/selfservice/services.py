"""The "Compte Informatique" use cases: log in and out, keep the list of the account's
sessions and end them, and change what the account page lets a person change. Each change
is audited and confirmed by mail."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore, ProfileChanges
from portique.activation.rules import Forwarding, rules_for
from portique.core import clock, links, throttle
from portique.core.audit import audit_record
from portique.core.models import OneTimeLink
from portique.mail.services import mail_link, mail_queue
from portique.passwords.services import passwords_set_everywhere, target_outcomes_kept
from portique.passwords.validators import PasswordSubject
from portique.selfservice.models import USER_AGENT_MAX_LENGTH, AccountSession
from portique.selfservice.selectors import (
    account_session_keys_ended,
    session_alive,
    session_keys_alive,
    session_store,
)

Purpose = OneTimeLink.Purpose


class AccountError(Exception):
    """The change cannot be made; the message says why, for the page."""


class SessionNotFound(AccountError):
    """The person has no such session to end: it ended already, or is not theirs."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not accepted: wrong, or the account
    is locked after too many failures (told apart in the audit trail only, as at the login)."""


@dataclass(frozen=True)
class ChangeOutcome:
    """What a change did: applied at once, or waiting for a link mailed to `pending_to`."""

    applied: bool
    pending_to: str = ""


def _store(store: AccountStore | None) -> AccountStore:
    return store or get_account_store()


def _activated(login: str, store: AccountStore) -> AccountRecord:
    account = store.find(login)
    if account is None or not account.activated:
        raise AccountError(f"{login} is not an activated account")
    return account


def _notify(account: AccountRecord, *, change: str, to: str = "", **context: object) -> None:
    """Mail the person that their account changed (to the recovery address by default)."""
    address = to or account.recovery_email
    if address:
        mail_queue(
            to=address,
            kind="account_changed",
            subject_login=account.login,
            context={"change": change, "login": account.email, "at": clock.now(), **context},
        )


def password_subject(account: AccountRecord) -> PasswordSubject:
    """Who chooses a password here, for the password rules."""
    return PasswordSubject(
        login=account.login, first_name=account.first_name, last_name=account.last_name
    )


# -- logging in -----------------------------------------------------------------------


def account_login(
    *, identifier: str, password: str, ip: str | None = None, store: AccountStore | None = None
) -> AccountRecord | None:
    """Return the activated account that `identifier` and `password` open, or None. Unknown,
    locked, not activated and wrong are refused alike, after the same work."""
    store = _store(store)
    account = store.find(identifier)
    login = account.login if account else ""
    counter = login or identifier
    allowed, good = _password_judged(
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


def _password_judged(
    *, counter: str, login: str, password: str, ip: str | None, store: AccountStore
) -> tuple[bool, bool]:
    """Return (allowed, good): whether neither the account's counter nor the address is
    locked, and whether `password` is the password of `login`."""
    allowed = throttle.attempt_allowed(identifier=counter, ip=ip)
    # Always one password check, whether or not the account exists or is locked.
    return allowed, store.verify_password(login, password)


def _password_confirmed(
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
    allowed, good = _password_judged(
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


def _user_agent_kept(user_agent: str) -> str:
    """What is kept of a User-Agent header: its printable characters, at most
    USER_AGENT_MAX_LENGTH of them (the client writes it, and some databases refuse NUL)."""
    return "".join(c for c in user_agent if c.isprintable())[:USER_AGENT_MAX_LENGTH]


def account_session_register(*, login: str, session_key: str, user_agent: str = "") -> None:
    """Remember that this session belongs to `login`, began now, in the browser that sent
    `user_agent`."""
    now = clock.now()
    AccountSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "login": login,
            "created_at": now,
            "last_seen_at": now,
            "user_agent": _user_agent_kept(user_agent),
        },
    )


def account_session_begin(*, login: str, old_key: str, new_key: str, user_agent: str = "") -> None:
    """Record a login: the session now keyed `new_key` is a new session of `login`, and the
    row of the key it had before, if any, goes (that key leads nowhere now)."""
    if old_key:
        AccountSession.objects.filter(session_key=old_key).delete()
    account_session_register(login=login, session_key=new_key, user_agent=user_agent)


def account_session_rekeyed(*, login: str, old_key: str, new_key: str) -> None:
    """Follow a session of `login` to the key cycle_key() gave it, keeping when it began and
    its browser, so that the account's list still shows it and ending its sessions still
    finds it."""
    moved = AccountSession.objects.filter(session_key=old_key, login=login).update(
        session_key=new_key, last_seen_at=clock.now()
    )
    if not moved:
        account_session_begin(login=login, old_key=old_key, new_key=new_key)


def account_session_seen(*, session_key: str) -> None:
    """Note that the session whose key is `session_key` was used now."""
    AccountSession.objects.filter(session_key=session_key).update(last_seen_at=clock.now())


def _sessions_end(keys: list[str]) -> int:
    """End the sessions whose keys are `keys` in the session store and forget them; return
    how many of them were still open."""
    if not keys:
        return 0
    store = session_store()
    still_open = session_keys_alive(keys)
    for key in keys:
        store(session_key=key).delete()
    AccountSession.objects.filter(session_key__in=keys).delete()
    return len(still_open)


def account_sessions_end(*, login: str, keep: str = "") -> int:
    """End every session of `login`, in whatever browser, except the one whose key is
    `keep` (none by default); return how many were open (a session that had already timed
    out is forgotten, not counted)."""
    sessions = AccountSession.objects.filter(login=login).exclude(session_key=keep)
    return _sessions_end(list(sessions.values_list("session_key", flat=True)))


def account_end_other_sessions(*, login: str, current_key: str, ip: str | None = None) -> int:
    """End every session of `login` but the current one, whose key is `current_key`, at the
    person's request; return how many were ended."""
    if not current_key:
        # Without it, "the others" would be all of them, this browser's included.
        raise AccountError("no current session to keep")
    with transaction.atomic():
        ended = account_sessions_end(login=login, keep=current_key)
        audit_record(actor=login, subject=login, action="sessions_ended", ip=ip, count=ended)
    return ended


def account_end_session(
    *, login: str, session_id: int, current_key: str, ip: str | None = None
) -> None:
    """End one session of `login`, named by its id in the list of "Compte Informatique".
    Raises SessionNotFound when `login` has no such session, the current one aside: it
    ended already, or it is someone else's (the id is the only thing the page posts)."""
    with transaction.atomic():
        row = (
            AccountSession.objects.select_for_update()
            .filter(login=login, pk=session_id)
            .exclude(session_key=current_key)
            .only("session_key", "user_agent")
            .first()
        )
        if row is None:
            raise SessionNotFound(f"{login} has no session {session_id}")
        _sessions_end([row.session_key])
        audit_record(
            actor=login, subject=login, action="session_ended", ip=ip,
            session_id=session_id, user_agent=row.user_agent,
        )  # fmt: skip


def account_logout(*, login: str, session_key: str, ip: str | None = None) -> None:
    """Audit the logout of `login` and forget its session in the account's list; the
    caller ends the session itself."""
    with transaction.atomic():
        audit_record(actor=login, subject=login, action="logout", ip=ip)
        if session_key:
            AccountSession.objects.filter(session_key=session_key).delete()


# Rows of ended sessions are looked up in the session store this many at a time.
PURGE_BATCH = 500


def account_sessions_purge() -> int:
    """Delete the rows of sessions that ended without a logout (timed out, or gone from the
    session store); return how many. With sessions in the database, one DELETE; in the
    cache, the keys are asked for PURGE_BATCH at a time."""
    alive = session_alive()
    if alive is not None:
        deleted, _ = AccountSession.objects.filter(~alive).delete()
        return deleted
    deleted, after = 0, 0
    while batch := list(
        AccountSession.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "session_key")[:PURGE_BATCH]
    ):
        after = batch[-1][0]
        ended = account_session_keys_ended(key for _, key in batch)
        if ended:
            count, _ = AccountSession.objects.filter(session_key__in=ended).delete()
            deleted += count
    return deleted


# -- changes ----------------------------------------------------------------------------


@target_outcomes_kept
def account_change_password(
    *,
    login: str,
    current_password: str,
    new_password: str,
    session_key: str,
    ip: str | None = None,
    store: AccountStore | None = None,
) -> None:
    """Replace the password, the current one being required, and end every other session of
    the account: whoever had opened one with the old password is out. The session whose key
    is `session_key`, the one making the change, is kept (the caller gives it a new key).
    Raises WrongPassword for a wrong current password, ValidationError for a new one the
    rules refuse."""
    store = _store(store)
    account = _activated(login, store)
    # Counted like the other confirmations: otherwise this form would be an unthrottled way
    # to guess the password that they ask for.
    _password_confirmed(
        account=account, password=current_password, refused_action="password_change_refused",
        ip=ip, store=store,
    )  # fmt: skip
    validate_password(new_password, user=password_subject(account))  # type: ignore[arg-type]
    with transaction.atomic():
        store.set_password(login, new_password)
        passwords_set_everywhere(login=login, password=new_password)
        ended = account_sessions_end(login=login, keep=session_key)
        audit_record(
            actor=login, subject=login, action="password_changed", ip=ip, sessions_ended=ended
        )
        _notify(account, change="password")


def account_request_recovery_email_change(
    *,
    login: str,
    recovery_email: str,
    current_password: str,
    ip: str | None = None,
    store: AccountStore | None = None,
) -> ChangeOutcome:
    """Mail a link to the new recovery address, the current password being required (it is
    where password resets go); the change is made when the link is followed. Raises
    WrongPassword for a wrong current password."""
    store = _store(store)
    account = _activated(login, store)
    _password_confirmed(
        account=account, password=current_password,
        refused_action="recovery_email_change_refused", ip=ip, store=store,
        recovery_email=recovery_email,
    )  # fmt: skip
    with transaction.atomic():
        mail_link(
            subject=login,
            purpose=Purpose.RECOVERY_EMAIL_CHANGE,
            to=recovery_email,
            kind="recovery_email_change",
            url_name="selfservice:link",
            context={"login": account.email},
        )
        audit_record(
            actor=login, subject=login, action="recovery_email_change_requested", ip=ip,
            recovery_email=recovery_email,
        )  # fmt: skip
    return ChangeOutcome(applied=False, pending_to=recovery_email)


def account_change_forwarding(
    *,
    login: str,
    wants_forwarding: bool,
    current_password: str,
    forwarding_address: str = "",
    keep_copy: bool | None = None,
    ip: str | None = None,
    store: AccountStore | None = None,
) -> ChangeOutcome:
    """Change the redirection under the activation's rules, the current password being
    required: a vacataire cannot remove it; an address other than the (verified) recovery
    address is confirmed by a mailed link. Raises WrongPassword for a wrong current
    password."""
    store = _store(store)
    account = _activated(login, store)
    rules = rules_for(account.category)
    if not rules.has_forwarding_step:
        raise AccountError(f"category {account.category} has no redirection")
    if rules.forwarding == Forwarding.MANDATORY:
        wants_forwarding = True
    address = forwarding_address.strip() if wants_forwarding else ""
    if wants_forwarding and not address:
        raise AccountError("a redirection needs an address")
    keep = keep_copy if (rules.keep_copy_offered and keep_copy is not None) else None
    needs_link = bool(address) and address.lower() not in {
        account.recovery_email.lower(),
        account.forwarding_address.lower(),
    }
    # The link proves only that the new address works, and its holder may be the one asking:
    # the password proves that the account's owner wants their mail to go there.
    _password_confirmed(
        account=account, password=current_password, refused_action="forwarding_change_refused",
        ip=ip, store=store, forwarding_address=address,
    )  # fmt: skip
    with transaction.atomic():
        if needs_link:
            if keep is not None:
                store.update_profile(login, ProfileChanges(keep_copy=keep))
            mail_link(
                subject=login,
                purpose=Purpose.FORWARDING_CHANGE,
                to=address,
                kind="forwarding_change",
                url_name="selfservice:link",
                context={"login": account.email},
            )
            audit_record(
                actor=login, subject=login, action="forwarding_change_requested", ip=ip,
                forwarding_address=address,
            )  # fmt: skip
            return ChangeOutcome(applied=False, pending_to=address)
        store.update_profile(login, ProfileChanges(forwarding_address=address, keep_copy=keep))
        audit_record(
            actor=login, subject=login, action="forwarding_changed", ip=ip,
            forwarding_address=address, keep_copy=keep,
        )  # fmt: skip
        _notify(account, change="forwarding", forwarding_address=address)
    return ChangeOutcome(applied=True)


def account_set_directory_consent(
    *, login: str, consent: bool, ip: str | None = None, store: AccountStore | None = None
) -> ChangeOutcome:
    """Appear in the public directory, or not."""
    store = _store(store)
    account = _activated(login, store)
    with transaction.atomic():
        store.update_profile(login, ProfileChanges(directory_consent=consent))
        audit_record(
            actor=login, subject=login, action="directory_consent_changed", ip=ip,
            directory_consent=consent,
        )  # fmt: skip
        _notify(account, change="directory", directory_consent=consent)
    return ChangeOutcome(applied=True)


def account_accept_charter(
    *, login: str, ip: str | None = None, store: AccountStore | None = None
) -> None:
    """Record the acceptance of the current charter version."""
    store = _store(store)
    _activated(login, store)
    version = settings.PORTIQUE_CHARTER_VERSION
    with transaction.atomic():
        store.update_profile(
            login, ProfileChanges(charter_version=version, charter_accepted_at=clock.now())
        )
        audit_record(
            actor=login, subject=login, action="charter_accepted", ip=ip, charter_version=version
        )


def account_charter_outdated(account: AccountRecord) -> bool:
    """Tell whether the person accepted another charter version than the current one."""
    return account.charter_version != settings.PORTIQUE_CHARTER_VERSION


ACCOUNT_LINK_PURPOSES = (Purpose.RECOVERY_EMAIL_CHANGE, Purpose.FORWARDING_CHANGE)


def account_follow_link(
    *, token: str, ip: str | None = None, store: AccountStore | None = None
) -> OneTimeLink:
    """Use a link of the account page (new recovery or redirection address): write the
    confirmed address and tell the person. The link alone is the proof, in any browser."""
    store = _store(store)
    with transaction.atomic():
        link = links.link_check(token=token)
        if link.purpose not in ACCOUNT_LINK_PURPOSES:
            raise links.LinkInvalid()
        links.link_consume(token=token)
        login = link.subject
        account = _activated(login, store)
        if link.purpose == Purpose.RECOVERY_EMAIL_CHANGE:
            store.update_profile(login, ProfileChanges(recovery_email=link.email))
            audit_record(
                actor=login, subject=login, action="recovery_email_changed", ip=ip,
                recovery_email=link.email,
            )  # fmt: skip
            # The old address hears of it too: if this was not the person, they can react.
            _notify(account, change="recovery_email", to=account.recovery_email, new=link.email)
        else:
            store.update_profile(login, ProfileChanges(forwarding_address=link.email))
            audit_record(
                actor=login, subject=login, action="forwarding_changed", ip=ip,
                forwarding_address=link.email,
            )  # fmt: skip
            _notify(account, change="forwarding", forwarding_address=link.email)
    return link
