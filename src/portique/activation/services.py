"""The activation's use cases. Each runs in one transaction: check the move is allowed,
do its side effects (links, outbox, audit, account store), advance the machine, save."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from itertools import islice
from typing import cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Count

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore, Activation
from portique.activation.machine import (
    INITIAL,
    STEPS,
    Answers,
    Event,
    State,
    advance,
    same_address,
)
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_answers, flow_load, flow_open_for, flow_rules
from portique.consents.services import Where, consent_record_charter, consent_record_directory
from portique.core import clock, links, sql, throttle
from portique.core.audit import audit_record, audit_record_many
from portique.core.models import OneTimeLink
from portique.mail.services import mail_link, mail_queue
from portique.passwords import provisional
from portique.passwords.services import passwords_set_everywhere, target_outcomes_kept
from portique.passwords.validators import PasswordSubject

Purpose = OneTimeLink.Purpose


class ActivationError(Exception):
    """The request cannot be carried out in the flow's current state."""


class AuthenticationOutcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    # The right provisional password of an account already activated: nothing to activate,
    # the person is shown the login page and "Problème de connexion".
    ALREADY_ACTIVATED = "already_activated"


@dataclass(frozen=True)
class Authentication:
    outcome: AuthenticationOutcome
    flow: ActivationFlow | None = None


def _next(flow: ActivationFlow, event: Event, answers: Answers | None = None) -> State:
    """Ask the machine where `event` leads the flow, under its category's rules; raises
    IllegalTransition before any side effect when the move is not allowed."""
    return advance(
        flow.current_state, event, rules=flow_rules(flow), answers=answers or flow_answers(flow)
    )


def _move(flow: ActivationFlow, target: State) -> None:
    """Save the flow in the state the machine chose, pushing its expiry further."""
    now = clock.now()
    flow.state = target
    flow.updated_at = now
    flow.expires_at = now + timedelta(days=settings.PORTIQUE_ACTIVATION_FLOW_LIFETIME_DAYS)
    # Every column, as flow.save() would, in plain SQL: every POST moves the flow.
    sql.save(flow)


def _lock(flow: ActivationFlow) -> ActivationFlow:
    """Reload the flow under a row lock, so that two requests cannot both move it."""
    locked = flow_load(flow.pk, unexpired=False, lock=True)
    if locked is None:
        raise ActivationFlow.DoesNotExist(f"flow {flow.pk} no longer exists")
    return locked


def _send_link(flow: ActivationFlow, *, purpose: str, to: str, kind: str) -> None:
    mail_link(
        subject=flow.login,
        purpose=purpose,
        to=to,
        kind=kind,
        url_name="activation:link",
        flow_id=flow.pk,
        context={"login": flow.email},
    )


def _provisional_password_expiry(login: str) -> datetime | None:
    """When the letter's password stops working: one query, whether or not `login` exists."""
    # As Person.objects.values_list("provisional_password_expires_at", flat=True)
    # .get(login=login) writes it (core/sql.py).
    connection = sql.connection_for(Person, write=False)
    column = partial(sql.columns, Person, connection=connection)
    row = sql.fetch_one(
        connection,
        f"SELECT {column('provisional_password_expires_at')}"  # noqa: S608 (names quoted by the backend)
        f" FROM {sql.table(Person, connection)} WHERE {column('login')} = %s",
        sql.prepared(Person, connection, login=login),
    )
    if row is None:
        return None
    return cast(
        "datetime | None",
        sql.value(Person, "provisional_password_expires_at", row[0], connection),
    )


def activation_authenticate(
    *,
    identifier: str,
    provisional_password: str,
    ip: str | None = None,
    store: AccountStore | None = None,
) -> Authentication:
    """Check the provisional password for `identifier` and return the person's flow, new or
    resumed. Unknown, locked, activated and wrong are refused alike, after the same work."""
    store = store or get_account_store()
    account = store.find(identifier)
    login = account.login if account else ""
    # Every spelling of a login, and its university address, share one failure counter.
    counter = login or identifier
    allowed = throttle.attempt_allowed(identifier=counter, ip=ip)
    # Always one provisional-password check, whether or not the account exists or is locked.
    good = store.verify_provisional_password(login, provisional_password)
    # The letter's password works until its validity end (PORTIQUE_PROVISIONAL_PASSWORD_DAYS),
    # then HR reissues the letter. Past it, the right password is refused like a wrong one:
    # same page, same failure count, and the same one query whatever the login.
    expires_at = _provisional_password_expiry(login)
    expired = expires_at is not None and expires_at <= clock.now()
    with transaction.atomic():
        if allowed and good and account is not None and account.activated:
            audit_record(
                actor=login,
                subject=login,
                action="provisional_password_of_activated_account",
                ip=ip,
            )
            return Authentication(AuthenticationOutcome.ALREADY_ACTIVATED)
        if not allowed or not good or expired or account is None or account.activated:
            reason = (
                "locked" if not allowed
                else "unknown" if account is None
                else "expired" if good and expired
                else "wrong"
            )  # fmt: skip
            subject = login or identifier[:150]
            audit_record(
                actor=identifier[:150], subject=subject, action="provisional_password_refused",
                ip=ip, reason=reason,
            )  # fmt: skip
            throttle.record_refusal(
                identifier=counter, ip=ip, subject=subject, during_lock=not allowed
            )
            return Authentication(AuthenticationOutcome.REFUSED)
        throttle.record_success(identifier=counter)
        digest = provisional.make(provisional_password)
        flow = flow_open_for(account.login)
        if flow is None:
            flow = _flow_start(account, provisional_password_digest=digest)
        else:
            flow.first_name, flow.last_name = account.first_name, account.last_name
            flow.provisional_password_digest = digest
            flow.save(update_fields=["first_name", "last_name", "provisional_password_digest"])
        audit_record(
            actor=account.login,
            subject=account.login,
            action="provisional_password_accepted",
            ip=ip,
        )
    return Authentication(AuthenticationOutcome.ACCEPTED, flow)


def _flow_start(account: AccountRecord, *, provisional_password_digest: str) -> ActivationFlow:
    now = clock.now()
    flow = ActivationFlow(
        login=account.login,
        email=account.email,
        category=account.category,
        first_name=account.first_name,
        last_name=account.last_name,
        provisional_password_digest=provisional_password_digest,
        state=INITIAL,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=settings.PORTIQUE_ACTIVATION_FLOW_LIFETIME_DAYS),
    )
    sql.insert(flow)
    return flow


def activation_give_recovery_email(
    *, flow: ActivationFlow, recovery_email: str, ip: str | None = None
) -> ActivationFlow:
    """Record the recovery address and mail it a link that confirms it (steps 3 and 4)."""
    with transaction.atomic():
        flow = _lock(flow)
        target = _next(flow, Event.GIVE_RECOVERY_EMAIL)
        if flow.forwarding_address and same_address(flow.forwarding_address, flow.recovery_email):
            # It was the recovery address, pre-filled: step 7 will offer the new one.
            flow.forwarding_address = ""
        flow.recovery_email = recovery_email.strip()
        flow.recovery_email_verified_at = None
        _send_link(
            flow, purpose=Purpose.RECOVERY_EMAIL, to=flow.recovery_email, kind="recovery_email"
        )
        _move(flow, target)
        audit_record(
            actor=flow.login,
            subject=flow.login,
            action="recovery_email_given",
            ip=ip,
            recovery_email=flow.recovery_email,
        )
    return flow


def _resend_link(
    flow: ActivationFlow, *, event: Event, purpose: str, kind: str, action: str,
    ip: str | None, actor: str | None,
) -> ActivationFlow:  # fmt: skip
    """Mail a new link for the address the flow waits on; the previous link stops working."""
    with transaction.atomic():
        flow = _lock(flow)
        target = _next(flow, event)
        to = flow.recovery_email if purpose == Purpose.RECOVERY_EMAIL else flow.forwarding_address
        _send_link(flow, purpose=purpose, to=to, kind=kind)
        _move(flow, target)
        audit_record(actor=actor or flow.login, subject=flow.login, action=action, ip=ip)
    return flow


def activation_resend_recovery_email_link(
    *, flow: ActivationFlow, ip: str | None = None, actor: str | None = None
) -> ActivationFlow:
    """Mail a new link to the recovery address; the previous one stops working. `actor` is
    the helpdesk agent who asked for it, when it is not the person."""
    return _resend_link(
        flow, event=Event.RESEND_RECOVERY_EMAIL_LINK, purpose=Purpose.RECOVERY_EMAIL,
        kind="recovery_email", action="recovery_email_resent", ip=ip, actor=actor,
    )  # fmt: skip


def _correction_opened(flow: ActivationFlow, *, purpose: str, event: Event) -> str:
    """Check the flow waits on the mail of `purpose`, reopen the address as its « Modifier »
    does, and return the address the mail went to."""
    if STEPS[flow.current_state].pending_link != purpose:
        raise ActivationError(f"flow {flow.pk} waits on no {purpose} mail")
    previous = flow.recovery_email if purpose == Purpose.RECOVERY_EMAIL else flow.forwarding_address
    _move(flow, _next(flow, event))
    return previous


def activation_correct_recovery_email(
    *, flow: ActivationFlow, recovery_email: str, ip: str | None = None
) -> ActivationFlow:
    """At step 4, replace the address the mail went to (its server refused it) and mail the
    new one a link: « Modifier » then step 3, in one transaction, through the same moves."""
    with transaction.atomic():
        flow = _lock(flow)
        previous = _correction_opened(
            flow, purpose=Purpose.RECOVERY_EMAIL, event=Event.REVISE_RECOVERY_EMAIL
        )
        audit_record(
            actor=flow.login, subject=flow.login, action="recovery_email_corrected", ip=ip,
            previous=previous, recovery_email=recovery_email.strip(),
        )  # fmt: skip
        return activation_give_recovery_email(flow=flow, recovery_email=recovery_email, ip=ip)


def activation_correct_forwarding_address(
    *, flow: ActivationFlow, forwarding_address: str, ip: str | None = None
) -> ActivationFlow:
    """At step 8, replace the redirection address the mail went to (its server refused it):
    « Modifier » then step 7 with the same copy choice, in one transaction; the machine
    chooses again (a link to the new address, or none if it is the verified recovery one)."""
    with transaction.atomic():
        flow = _lock(flow)
        previous = _correction_opened(
            flow, purpose=Purpose.FORWARDING_ADDRESS, event=Event.REVISE_FORWARDING
        )
        audit_record(
            actor=flow.login, subject=flow.login, action="forwarding_address_corrected", ip=ip,
            previous=previous, forwarding_address=forwarding_address.strip(),
        )  # fmt: skip
        return activation_choose_forwarding(
            flow=flow,
            wants_forwarding=True,
            forwarding_address=forwarding_address,
            keep_copy=flow.keep_copy,
            ip=ip,
        )


def activation_follow_link(*, token: str, ip: str | None = None) -> ActivationFlow:
    """Use a mailed link: confirm the address it was sent to and return the flow it belongs
    to, in whatever browser opened it. Raises links.LinkError when it cannot be used."""
    with transaction.atomic():
        link = links.link_consume(token=token)
        # An ended (expired) flow stays ended: its links must not bring it back.
        flow = flow_load(link.flow_id, lock=True) if link.flow_id else None
        if flow is None:
            raise links.LinkInvalid()
        now = clock.now()
        # A link confirms only the address the flow waits on now: one sent before a
        # "Modifier", or for the other address, is revoked.
        if STEPS[flow.current_state].pending_link != link.purpose:
            raise links.LinkRevoked()
        if link.purpose == Purpose.RECOVERY_EMAIL:
            if not same_address(flow.recovery_email, link.email):
                raise links.LinkRevoked()
            flow.recovery_email_verified_at = now
            _move(flow, _next(flow, Event.CONFIRM_RECOVERY_EMAIL))
            action = "recovery_email_confirmed"
        else:
            if not same_address(flow.forwarding_address, link.email):
                raise links.LinkRevoked()
            flow.forwarding_verified_at = now
            _move(flow, _next(flow, Event.CONFIRM_FORWARDING))
            action = "forwarding_address_confirmed"
        audit_record(actor=flow.login, subject=flow.login, action=action, ip=ip, email=link.email)
    return flow


def activation_accept_charter(*, flow: ActivationFlow, ip: str | None = None) -> ActivationFlow:
    """Record the acceptance of the current charter version (step 5)."""
    with transaction.atomic():
        flow = _lock(flow)
        flow.charter_version = settings.PORTIQUE_CHARTER_VERSION
        flow.charter_accepted_at = clock.now()
        _move(flow, _next(flow, Event.ACCEPT_CHARTER))
        audit_record(
            actor=flow.login,
            subject=flow.login,
            action="charter_accepted",
            ip=ip,
            charter_version=flow.charter_version,
        )
        consent_record_charter(
            login=flow.login, accepted=True, where=Where.ACTIVATION, ip=ip,
            version=flow.charter_version,
        )  # fmt: skip
    return flow


def activation_choose_directory(
    *, flow: ActivationFlow, consent: bool, ip: str | None = None
) -> ActivationFlow:
    """Record whether the person appears in the public directory (step 6)."""
    with transaction.atomic():
        flow = _lock(flow)
        target = _next(flow, Event.CHOOSE_DIRECTORY_CONSENT)
        flow.directory_consent = consent
        if target != State.AWAITING_FORWARDING_CHOICE:
            # The machine skipped step 7: the category has no redirection to choose.
            flow.wants_forwarding = False
            flow.forwarding_address = ""
        _move(flow, target)
        audit_record(
            actor=flow.login,
            subject=flow.login,
            action="directory_consent_chosen",
            ip=ip,
            directory_consent=consent,
        )
        consent_record_directory(login=flow.login, consent=consent, where=Where.ACTIVATION, ip=ip)
    return flow


def activation_choose_forwarding(
    *,
    flow: ActivationFlow,
    wants_forwarding: bool,
    forwarding_address: str = "",
    keep_copy: bool | None = None,
    ip: str | None = None,
) -> ActivationFlow:
    """Record the redirection choice (step 7). A redirection to an address other than the
    already-verified recovery address is confirmed by a mailed link (step 8)."""
    rules = flow_rules(flow)
    wants_forwarding = rules.wants_forwarding(wants_forwarding)
    if wants_forwarding and not forwarding_address.strip():
        raise ActivationError("a redirection needs an address")
    if not rules.keep_copy_offered or keep_copy is None:
        keep_copy = rules.keep_copy_default
    with transaction.atomic():
        flow = _lock(flow)
        flow.wants_forwarding = wants_forwarding
        flow.keep_copy = keep_copy if wants_forwarding else True
        flow.forwarding_address = forwarding_address.strip() if wants_forwarding else ""
        flow.forwarding_verified_at = None
        # The machine chooses: no redirection, the recovery address step 4 verified, or a
        # new address that step 8 confirms by a mailed link.
        target = _next(flow, Event.CHOOSE_FORWARDING)
        if STEPS[target].pending_link == Purpose.FORWARDING_ADDRESS:
            _send_link(
                flow,
                purpose=Purpose.FORWARDING_ADDRESS,
                to=flow.forwarding_address,
                kind="forwarding_address",
            )
        elif wants_forwarding:
            flow.forwarding_verified_at = flow.recovery_email_verified_at
        _move(flow, target)
        audit_record(
            actor=flow.login,
            subject=flow.login,
            action="forwarding_chosen",
            ip=ip,
            forwarding_address=flow.forwarding_address,
            keep_copy=flow.keep_copy,
        )
    return flow


def activation_resend_forwarding_link(
    *, flow: ActivationFlow, ip: str | None = None, actor: str | None = None
) -> ActivationFlow:
    """Mail a new link to the redirection address; the previous one stops working. `actor`
    is the helpdesk agent who asked for it, when it is not the person."""
    return _resend_link(
        flow, event=Event.RESEND_FORWARDING_LINK, purpose=Purpose.FORWARDING_ADDRESS,
        kind="forwarding_address", action="forwarding_link_resent", ip=ip, actor=actor,
    )  # fmt: skip


def activation_revise(
    *, flow: ActivationFlow, event: Event, ip: str | None = None
) -> ActivationFlow:
    """Go back to an earlier answer to change it; later answers stay as defaults."""
    if event not in (
        Event.REVISE_RECOVERY_EMAIL,
        Event.REVISE_DIRECTORY_CHOICE,
        Event.REVISE_FORWARDING,
    ):
        raise ActivationError(f"{event} is not a revision")
    # The machine refuses a revision the state or the category does not allow (step 7 for a
    # category without it), with IllegalTransition.
    with transaction.atomic():
        flow = _lock(flow)
        _move(flow, _next(flow, event))
        audit_record(actor=flow.login, subject=flow.login, action=str(event), ip=ip)
    return flow


def activation_leave(
    *, flow: ActivationFlow | None, identifier: str = "", ip: str | None = None
) -> None:
    """Record that the person left the activation (« Quitter »). Their flow and its answers
    stay as they are: they resume with their identifier and provisional password."""
    if flow is not None:
        audit_record(
            actor=flow.login,
            subject=flow.login,
            action="activation_left",
            ip=ip,
            state=str(flow.state),
        )
    elif identifier:
        # At step 2 no flow is open yet: the identifier is as typed, and may name nobody.
        audit_record(
            actor=identifier[:150], subject=identifier[:150], action="activation_left", ip=ip
        )


def activation_password_subject(flow: ActivationFlow) -> PasswordSubject:
    """Return what the password rules need to know of the person, from the flow alone."""
    return PasswordSubject(
        login=flow.login,
        first_name=flow.first_name,
        last_name=flow.last_name,
        provisional_password_digest=flow.provisional_password_digest,
    )


@target_outcomes_kept
def activation_set_password(
    *,
    flow: ActivationFlow,
    password: str,
    ip: str | None = None,
    store: AccountStore | None = None,
) -> ActivationFlow:
    """Validate the new password, write every answer and the password to the account store,
    and mark the account activated (steps 9 and 10). Raises ValidationError on a weak
    password."""
    store = store or get_account_store()
    # `user` is any object with names and login (see forms.NewPasswordForm).
    validate_password(password, user=activation_password_subject(flow))  # type: ignore[arg-type]
    # The argon2 hash (0.3 s) is made before the transaction, so that the flow's lock, and
    # SQLite's lock on the whole database, are not held while it runs.
    prepared = store.prepare_password(password)
    with transaction.atomic():
        flow = _lock(flow)
        now = clock.now()
        target = _next(flow, Event.SET_PASSWORD)
        if flow.recovery_email_verified_at is None or flow.charter_accepted_at is None:
            # The machine makes this impossible; a hand-edited row must not activate.
            raise ActivationError(f"flow {flow.pk} reached the password step incomplete")
        store.activate(
            flow.login,
            Activation(
                password=prepared,
                recovery_email=flow.recovery_email,
                recovery_email_verified_at=flow.recovery_email_verified_at,
                forwarding_address=flow.forwarding_address,
                forwarding_verified_at=flow.forwarding_verified_at,
                keep_copy=bool(flow.keep_copy) if flow.wants_forwarding else True,
                directory_consent=bool(flow.directory_consent),
                charter_version=flow.charter_version,
                charter_accepted_at=flow.charter_accepted_at,
                activated_at=now,
            ),
        )
        # Before the flow moves: a target that fails rolls the move back, the flow stays at
        # step 9, and the next try writes the store (idempotent) and every target again.
        passwords_set_everywhere(login=flow.login, password=password)
        flow.activated_at = now
        _move(flow, target)
        mail_queue(
            to=flow.recovery_email,
            kind="activated",
            subject_login=flow.login,
            context={
                "login": flow.email,
                "forwarding_address": flow.forwarding_address,
                "keep_copy": flow.keep_copy,
                "activated_at": now,
                "ent_url": settings.PORTIQUE_ENT_URL,
            },
        )
        audit_record(actor=flow.login, subject=flow.login, action="account_activated", ip=ip)
    return flow


# --- Ending and purging flows -----------------------------------------------------------

# Logins per IN (...) list (SQLite's limit on parameters is 32,766; Oracle's is 1,000).
_BATCH = 1000


def _batched(items: Iterable[str], size: int = _BATCH) -> Iterable[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class EndedFlow:
    login: str
    state: str
    links_revoked: int


def flows_end(
    *, logins: Sequence[str], actor: str, reason: str, ip: str | None = None
) -> list[EndedFlow]:
    """End the activations in progress of these people and revoke their pending links (a
    link is checked against its own row, not the flow's expiry): they start again at step 1.
    Each flow ended is audited under the action `reason`, with the state it was left in."""
    now = clock.now()
    ended: list[EndedFlow] = []
    with transaction.atomic():
        for chunk in _batched(logins):
            flows = list(
                ActivationFlow.objects.select_for_update()
                .filter(login__in=chunk, expires_at__gt=now)
                .exclude(state=State.ACTIVATED)
                .values_list("pk", "login", "state")
            )
            if not flows:
                continue
            ids = [pk for pk, _login, _state in flows]
            pending = OneTimeLink.objects.filter(
                flow_id__in=ids, used_at__isnull=True, revoked_at__isnull=True
            )
            revoked = dict(
                pending.order_by()
                .values_list("flow_id")
                .annotate(n=Count("id"))
                .values_list("flow_id", "n")
            )
            pending.update(revoked_at=now)
            ActivationFlow.objects.filter(pk__in=ids).update(expires_at=now, updated_at=now)
            ended += [EndedFlow(login, state, revoked.get(pk, 0)) for pk, login, state in flows]
        audit_record_many(
            actor=actor,
            ip=ip,
            events=[
                (flow.login, reason, {"state": flow.state, "links_revoked": flow.links_revoked})
                for flow in ended
            ],
        )
    return ended


def flows_purge() -> int:
    """Delete the flows that expired longer ago than PORTIQUE_FLOW_RETENTION_DAYS; returns
    how many."""
    before = clock.now() - timedelta(days=settings.PORTIQUE_FLOW_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = ActivationFlow.objects.filter(expires_at__lt=before).delete()
    return deleted
