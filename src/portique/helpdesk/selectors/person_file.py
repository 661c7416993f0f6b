"""A person's file, as the helpdesk's person page shows it: where their activation is, the
dates of its steps, their pending links, their mails, their consents and their audit trail.

Nothing here returns a hash, a token or a mail body: the querysets name their columns.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore, StoreUnavailable
from portique.activation.machine import STEPS, Number, State
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_path
from portique.consents.models import ConsentRecord
from portique.consents.selectors import consents_of
from portique.core import clock, throttle
from portique.core.models import AuditEvent, OneTimeLink
from portique.mail.models import OutboundMail
from portique.onboarding.selectors import TimelineEvent, letter_timeline
from portique.passwords.selectors import TargetLine, target_outcomes_last
from portique.selfservice.selectors import account_sessions_open_count

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


LINK_PURPOSE_LABELS: dict[str, "StrOrPromise"] = {
    OneTimeLink.Purpose.RECOVERY_EMAIL: _("confirmation de l'adresse de secours"),
    OneTimeLink.Purpose.FORWARDING_ADDRESS: _("confirmation de la redirection"),
    OneTimeLink.Purpose.RECOVERY_EMAIL_CHANGE: _("nouvelle adresse de secours"),
    OneTimeLink.Purpose.FORWARDING_CHANGE: _("nouvelle redirection"),
    OneTimeLink.Purpose.PASSWORD_RESET: _("mot de passe oublié"),
}


MAIL_STATUS_LABELS: dict[str, "StrOrPromise"] = {
    OutboundMail.Status.QUEUED: _("en file d'attente"),
    OutboundMail.Status.SENT: _("envoyé"),
    OutboundMail.Status.REFUSED: _("refusé par le serveur"),
    OutboundMail.Status.FAILED: _("échec"),
}


AUDIT_TRAIL_LENGTH = 200


MAILS_SHOWN = 50


@dataclass(frozen=True)
class StepTime:
    step: Number
    label: "StrOrPromise"
    at: datetime | None
    current: bool


@dataclass(frozen=True)
class PendingLink:
    purpose: str
    label: "StrOrPromise"
    email: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class MailLine:
    kind: str
    to: str
    subject: str
    status: str
    status_label: "StrOrPromise"
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    client_ip: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class PersonFile:
    """Everything the person's page shows; `flow` is their latest activation, open or not."""

    person: Person
    account: AccountRecord | None
    store_unavailable: bool
    locked: bool
    flow: ActivationFlow | None
    flow_open: bool
    current_step: Number | None
    steps: list[StepTime]
    pending_mail: str | None
    pending_links: list[PendingLink]
    mails: list[MailLine]
    events: list[AuditLine] = field(default_factory=list)
    sessions_open: int = 0
    # What each password target did with the last password change (never the password).
    password_targets: list[TargetLine] = field(default_factory=list)
    # The letter's life: issued, reminded, started, activated, expired, revoked.
    letter_timeline: list[TimelineEvent] = field(default_factory=list)
    # Each charter and directory consent given or refused, newest first.
    consents: list[ConsentRecord] = field(default_factory=list)

    @property
    def password_targets_incomplete(self) -> bool:
        return any(line.outcome != "set" for line in self.password_targets)

    @property
    def activated(self) -> bool:
        return bool(self.account and self.account.activated) or bool(
            self.flow and self.flow.state == State.ACTIVATED
        )


def account_locked(login: str) -> bool:
    """Tell whether the account is locked after too many failed attempts right now."""
    return throttle.is_locked(throttle.account_key(login))


def flow_latest(login: str) -> ActivationFlow | None:
    """Return the person's most recent activation flow, open, finished or expired."""
    return (
        ActivationFlow.objects.filter(login=login)
        .defer("provisional_password_digest")
        .order_by("-created_at")
        .first()
    )


def _is_open(flow: ActivationFlow | None) -> bool:
    return flow is not None and flow.state != State.ACTIVATED and flow.expires_at > clock.now()


def _steps(flow: ActivationFlow, *, is_open: bool) -> list[StepTime]:
    """Date each step of the person's path from the flow's fields, or else from the audit
    trail since the flow began."""
    latest: dict[str, datetime] = {}
    done_actions = {step.done_action for step in STEPS.values()}
    for action, happened in AuditEvent.objects.filter(
        subject=flow.login, at__gte=flow.created_at, action__in=done_actions
    ).values_list("action", "at"):
        latest[action] = max(happened, latest.get(action, happened))
    from_fields: dict[Number, datetime | None] = {
        Number.PROVISIONAL_PASSWORD: flow.created_at,
        Number.RECOVERY_EMAIL_SENT: flow.recovery_email_verified_at,
        Number.CHARTER: flow.charter_accepted_at,
        Number.FORWARDING_SENT: flow.forwarding_verified_at,
        Number.NEW_PASSWORD: flow.activated_at,
        Number.DONE: flow.activated_at,
    }
    current = STEPS[flow.current_state].number if is_open else None
    steps = []
    for step in flow_path(flow):
        at: datetime | None = from_fields.get(step.number) or latest.get(step.done_action)
        # After going back to change an answer, the later steps' dates are history.
        if current is not None and step.number >= current:
            at = None
        steps.append(
            StepTime(step=step.number, label=step.label, at=at, current=step.number == current)
        )
    return steps


def person_file(person: Person, *, store: AccountStore | None = None) -> PersonFile:
    """Gather the person's state, open sessions, links, mails and audit trail for the
    helpdesk."""
    login = person.login
    store = store or get_account_store()
    account, store_unavailable = None, False
    try:
        account = store.find(login)
    except StoreUnavailable:
        store_unavailable = True
    flow = flow_latest(login)
    is_open = _is_open(flow)
    current = STEPS[flow.current_state].number if flow is not None and is_open else None
    pending_links = [
        PendingLink(
            purpose=row["purpose"],
            label=LINK_PURPOSE_LABELS.get(row["purpose"], row["purpose"]),
            email=row["email"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )
        for row in OneTimeLink.objects.filter(
            subject=login,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gte=clock.now(),
        )
        .order_by("-created_at")
        .values("purpose", "email", "created_at", "expires_at")
    ]
    mails = [
        MailLine(
            **row,
            status_label=MAIL_STATUS_LABELS.get(row["status"], row["status"]),
        )
        for row in OutboundMail.objects.filter(subject_login=login)
        .order_by("-created_at", "-id")
        .values(
            "kind", "to", "subject", "status", "attempts", "last_error", "created_at", "sent_at"
        )[:MAILS_SHOWN]
    ]
    events = [
        AuditLine(**row)
        for row in AuditEvent.objects.filter(subject=login)
        .order_by("-at", "-id")
        .values("at", "actor", "action", "client_ip", "data")[:AUDIT_TRAIL_LENGTH]
    ]
    return PersonFile(
        person=person,
        account=account,
        store_unavailable=store_unavailable,
        locked=account_locked(login),
        flow=flow,
        flow_open=is_open,
        current_step=current,
        steps=_steps(flow, is_open=is_open) if flow is not None else [],
        pending_mail=(
            STEPS[flow.current_state].pending_link if flow is not None and is_open else None
        ),
        pending_links=pending_links,
        mails=mails,
        events=events,
        sessions_open=account_sessions_open_count(login),
        password_targets=target_outcomes_last(login),
        consents=list(consents_of(login).reverse()),
        letter_timeline=letter_timeline(
            person,
            activated_at=(account.activated_at if account and account.activated else None)
            or (flow.activated_at if flow is not None else None),
        ),
    )
