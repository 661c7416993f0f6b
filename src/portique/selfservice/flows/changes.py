"""What the account page lets a person change: the password, the recovery and redirection
addresses (confirmed by a mailed link), the directory consent, the charter. Each change is
audited and confirmed by mail."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from portique.accounts.rules import rules_for
from portique.accounts.stores.base import AccountRecord, AccountStore, ProfileChanges
from portique.consents.services import Where, consent_record_charter, consent_record_directory
from portique.core import clock, links
from portique.core.audit import audit_record
from portique.core.models import OneTimeLink
from portique.mail.services import mail_link, mail_queue
from portique.passwords.services import passwords_set_everywhere, target_outcomes_kept
from portique.selfservice.flows.login import password_confirmed
from portique.selfservice.flows.sessions import account_sessions_end
from portique.selfservice.services import (
    AccountError,
    account_store,
    activated_account,
    password_subject,
)

Purpose = OneTimeLink.Purpose


@dataclass(frozen=True)
class ChangeOutcome:
    """What a change did: applied at once, or waiting for a link mailed to `pending_to`."""

    applied: bool
    pending_to: str = ""


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
    store = account_store(store)
    account = activated_account(login, store)
    # Counted like the other confirmations: otherwise this form would be an unthrottled way
    # to guess the password that they ask for.
    password_confirmed(
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
    store = account_store(store)
    account = activated_account(login, store)
    password_confirmed(
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
    store = account_store(store)
    account = activated_account(login, store)
    rules = rules_for(account.category)
    if not rules.has_forwarding_step:
        raise AccountError(f"category {account.category} has no redirection")
    wants_forwarding = rules.wants_forwarding(wants_forwarding)
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
    password_confirmed(
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
    store = account_store(store)
    account = activated_account(login, store)
    with transaction.atomic():
        store.update_profile(login, ProfileChanges(directory_consent=consent))
        audit_record(
            actor=login, subject=login, action="directory_consent_changed", ip=ip,
            directory_consent=consent,
        )  # fmt: skip
        consent_record_directory(login=login, consent=consent, where=Where.SELFSERVICE, ip=ip)
        _notify(account, change="directory", directory_consent=consent)
    return ChangeOutcome(applied=True)


def account_accept_charter(
    *, login: str, ip: str | None = None, store: AccountStore | None = None
) -> None:
    """Record the acceptance of the current charter version: on the account, and as a
    consent record."""
    store = account_store(store)
    activated_account(login, store)
    version = settings.PORTIQUE_CHARTER_VERSION
    with transaction.atomic():
        store.update_profile(
            login, ProfileChanges(charter_version=version, charter_accepted_at=clock.now())
        )
        audit_record(
            actor=login, subject=login, action="charter_accepted", ip=ip, charter_version=version
        )
        consent_record_charter(
            login=login, accepted=True, where=Where.REACCEPTANCE, ip=ip, version=version
        )


def account_refuse_charter(
    *, login: str, ip: str | None = None, store: AccountStore | None = None
) -> None:
    """Record that the person refused the current charter version; the account keeps the
    version it accepted before, so that "Compte Informatique" stays closed to them."""
    store = account_store(store)
    activated_account(login, store)
    version = settings.PORTIQUE_CHARTER_VERSION
    with transaction.atomic():
        audit_record(
            actor=login, subject=login, action="charter_refused", ip=ip, charter_version=version
        )
        consent_record_charter(
            login=login, accepted=False, where=Where.REACCEPTANCE, ip=ip, version=version
        )


def account_charter_outdated(account: AccountRecord) -> bool:
    """Tell whether the person must accept the current charter before going on: when
    PORTIQUE_CHARTER_REACCEPT asks for it and they accepted another version."""
    return (
        settings.PORTIQUE_CHARTER_REACCEPT
        and account.charter_version != settings.PORTIQUE_CHARTER_VERSION
    )


ACCOUNT_LINK_PURPOSES = (Purpose.RECOVERY_EMAIL_CHANGE, Purpose.FORWARDING_CHANGE)


def account_follow_link(
    *, token: str, ip: str | None = None, store: AccountStore | None = None
) -> OneTimeLink:
    """Use a link of the account page (new recovery or redirection address): write the
    confirmed address and tell the person. The link alone is the proof, in any browser."""
    store = account_store(store)
    with transaction.atomic():
        link = links.link_check(token=token)
        if link.purpose not in ACCOUNT_LINK_PURPOSES:
            raise links.LinkInvalid()
        links.link_consume(token=token)
        login = link.subject
        account = activated_account(login, store)
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
