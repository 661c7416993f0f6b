"""Read what the helpdesk console shows: a person's file (where they are, their links, their
mails, their audit trail), the activation funnel, activations per day, the outbox backlog.

Nothing here returns a hash, a token or a mail body: the querysets name their columns.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord, AccountStore, StoreUnavailable
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.activation.selectors import STEP_OF_STATE, Step, flow_path
from portique.core import clock, throttle
from portique.core.models import AuditEvent, OneTimeLink
from portique.helpdesk.models import PurgedEventCount
from portique.mail.models import OutboundMail
from portique.passwords.selectors import TargetLine, target_outcomes_last
from portique.selfservice.selectors import account_sessions_open_count

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

STEP_LABELS: dict[Step, "StrOrPromise"] = {
    Step.IDENTIFIER: _("Identifiant"),
    Step.PROVISIONAL_PASSWORD: _("Mot de passe provisoire"),
    Step.RECOVERY_EMAIL: _("Adresse mail de secours"),
    Step.RECOVERY_EMAIL_SENT: _("Confirmation de l'adresse de secours"),
    Step.CHARTER: _("Charte informatique"),
    Step.DIRECTORY: _("Annuaire"),
    Step.FORWARDING: _("Messagerie (redirection)"),
    Step.FORWARDING_SENT: _("Confirmation de la redirection"),
    Step.NEW_PASSWORD: _("Nouveau mot de passe"),
    Step.DONE: _("Compte activé"),
}

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
    OutboundMail.Status.FAILED: _("échec"),
}

# The mails a person's activation waits on, by state: what "resend" sends again.
PENDING_MAIL_OF_STATE: dict[State, str] = {
    State.AWAITING_RECOVERY_EMAIL_CONFIRMATION: OneTimeLink.Purpose.RECOVERY_EMAIL,
    State.AWAITING_FORWARDING_CONFIRMATION: OneTimeLink.Purpose.FORWARDING_ADDRESS,
}

# The audit actions that date a step, when the flow has no field for it.
_STEP_ACTIONS: dict[Step, str] = {
    Step.RECOVERY_EMAIL: "recovery_email_given",
    Step.RECOVERY_EMAIL_SENT: "recovery_email_confirmed",
    Step.CHARTER: "charter_accepted",
    Step.DIRECTORY: "directory_consent_chosen",
    Step.FORWARDING: "forwarding_chosen",
    Step.FORWARDING_SENT: "forwarding_address_confirmed",
    Step.NEW_PASSWORD: "account_activated",
    Step.DONE: "account_activated",
}

AUDIT_TRAIL_LENGTH = 200
MAILS_SHOWN = 50


# --- A person's file --------------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    step: Step
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
    current_step: Step | None
    steps: list[StepTime]
    pending_mail: str | None
    pending_links: list[PendingLink]
    mails: list[MailLine]
    events: list[AuditLine] = field(default_factory=list)
    sessions_open: int = 0
    # What each password target did with the last password change (never the password).
    password_targets: list[TargetLine] = field(default_factory=list)

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
    # The lock lives in the cache under the key the throttle computes; reading it there is
    # the only way to know, across every app process.
    return throttle._is_locked(throttle.account_key(login))


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
    for action, happened in AuditEvent.objects.filter(
        subject=flow.login, at__gte=flow.created_at, action__in=set(_STEP_ACTIONS.values())
    ).values_list("action", "at"):
        latest[action] = max(happened, latest.get(action, happened))
    from_fields: dict[Step, datetime | None] = {
        Step.PROVISIONAL_PASSWORD: flow.created_at,
        Step.RECOVERY_EMAIL_SENT: flow.recovery_email_verified_at,
        Step.CHARTER: flow.charter_accepted_at,
        Step.FORWARDING_SENT: flow.forwarding_verified_at,
        Step.NEW_PASSWORD: flow.activated_at,
        Step.DONE: flow.activated_at,
    }
    current = STEP_OF_STATE[flow.current_state] if is_open else None
    steps = []
    for step in flow_path(flow):
        at: datetime | None = from_fields.get(step) or latest.get(_STEP_ACTIONS.get(step, ""))
        # After going back to change an answer, the later steps' dates are history.
        if current is not None and step >= current:
            at = None
        steps.append(StepTime(step=step, label=STEP_LABELS[step], at=at, current=step == current))
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
    current = STEP_OF_STATE[flow.current_state] if flow is not None and is_open else None
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
            PENDING_MAIL_OF_STATE.get(flow.current_state) if flow is not None and is_open else None
        ),
        pending_links=pending_links,
        mails=mails,
        events=events,
        sessions_open=account_sessions_open_count(login),
        password_targets=target_outcomes_last(login),
    )


# --- The funnel -------------------------------------------------------------------------

FUNNEL_STAGES: list[tuple[str, "StrOrPromise"]] = [
    ("people", _("Personnes")),
    ("provisional_password_accepted", _("Mot de passe provisoire accepté")),
    ("recovery_email_given", _("Adresse de secours saisie")),
    ("recovery_email_confirmed", _("Adresse de secours confirmée")),
    ("charter_accepted", _("Charte acceptée")),
    ("directory_chosen", _("Annuaire choisi")),
    ("forwarding_chosen", _("Messagerie choisie")),
    ("activated", _("Compte activé")),
]

# How far each state shows a person got, as an index in FUNNEL_STAGES.
_STAGE_OF_STATE: dict[str, int] = {
    State.AWAITING_RECOVERY_EMAIL: 1,
    State.AWAITING_RECOVERY_EMAIL_CONFIRMATION: 2,
    State.AWAITING_CHARTER_ACCEPTANCE: 3,
    State.AWAITING_DIRECTORY_CHOICE: 4,
    State.AWAITING_FORWARDING_CHOICE: 5,
    State.AWAITING_FORWARDING_CONFIRMATION: 5,
    State.AWAITING_NEW_PASSWORD: 6,
    State.ACTIVATED: 7,
}


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: "StrOrPromise"
    count: int


@dataclass(frozen=True)
class Funnel:
    """How many people of a cohort reached each stage; `since` dates the cohort."""

    since: date | None
    stages: list[FunnelStage]

    @property
    def people(self) -> int:
        return self.stages[0].count


def _furthest_stage(
    state: str,
    recovery_email: str,
    recovery_email_verified_at: datetime | None,
    charter_accepted_at: datetime | None,
    directory_consent: bool | None,
    activated_at: datetime | None,
) -> int:
    """The furthest stage a flow shows: its state, or an answer it still holds from a step
    the person went back from ("Modifier")."""
    reached = [_STAGE_OF_STATE.get(state, 1), 1]
    if recovery_email:
        reached.append(2)
    if recovery_email_verified_at is not None:
        reached.append(3)
    if charter_accepted_at is not None:
        reached.append(4)
    if directory_consent is not None:
        reached.append(5)
    if activated_at is not None:
        reached.append(7)
    return max(reached)


def activation_funnel(logins: "QuerySet[Any]", *, since: date | None = None) -> Funnel:
    """Count, for the people whose logins `logins` lists (a values_list queryset), how many
    reached each stage of the activation, each counted once at their furthest."""
    cohort = logins.order_by().distinct().count()
    furthest: dict[str, int] = {}
    rows: Iterable[tuple[Any, ...]] = ActivationFlow.objects.filter(login__in=logins).values_list(
        "login",
        "state",
        "recovery_email",
        "recovery_email_verified_at",
        "charter_accepted_at",
        "directory_consent",
        "activated_at",
    )
    for login, *answers in rows:
        furthest[login] = max(_furthest_stage(*answers), furthest.get(login, 0))
    reached = Counter(furthest.values())
    stages = []
    for index, (key, label) in enumerate(FUNNEL_STAGES):
        count = cohort if index == 0 else sum(n for stage, n in reached.items() if stage >= index)
        stages.append(FunnelStage(key=key, label=label, count=count))
    return Funnel(since=since, stages=stages)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.local_zone())


def last_import_day() -> date | None:
    """Return the local day on which the most recent people were created (the last import)."""
    newest = Person.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    return newest.astimezone(clock.local_zone()).date() if newest else None


def funnel_last_import() -> Funnel:
    """The funnel of the people created on the day of the last import."""
    day = last_import_day()
    if day is None:
        return activation_funnel(Person.objects.none().values_list("login", flat=True))
    people = Person.objects.filter(
        created_at__gte=_local_midnight(day),
        created_at__lt=_local_midnight(day + timedelta(days=1)),
    )
    return activation_funnel(people.values_list("login", flat=True), since=day)


def week_start() -> date:
    """Monday of the current local week."""
    today = clock.now().astimezone(clock.local_zone()).date()
    return today - timedelta(days=today.weekday())


def funnel_this_week() -> Funnel:
    """The funnel of the people who began their activation this week (since Monday 00:00,
    local time): their provisional password was accepted this week."""
    monday = week_start()
    began = ActivationFlow.objects.filter(created_at__gte=_local_midnight(monday))
    return activation_funnel(began.values_list("login", flat=True), since=monday)


# --- Activations per day, the outbox ---------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


def activations_per_day(*, days: int = 30) -> list[DayCount]:
    """Return the number of activations of each of the last `days` local days, today last,
    days without any included."""
    zone = clock.local_zone()
    today = clock.now().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    per_day = Counter(
        at.astimezone(zone).date()
        for at in ActivationFlow.objects.filter(
            activated_at__gte=_local_midnight(first)
        ).values_list("activated_at", flat=True)
        if at is not None
    )
    return [
        DayCount(day=first + timedelta(days=n), count=per_day.get(first + timedelta(days=n), 0))
        for n in range(days)
    ]


@dataclass(frozen=True)
class MailBacklog:
    queued: int
    failed: int


def mail_backlog() -> MailBacklog:
    """Return how many mails wait in the outbox and how many failed for good."""
    counts = dict(
        OutboundMail.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return MailBacklog(
        queued=counts.get(OutboundMail.Status.QUEUED, 0),
        failed=counts.get(OutboundMail.Status.FAILED, 0),
    )


def open_flows_by_state() -> dict[State, int]:
    """Return how many activations in progress wait at each state (every state listed)."""
    counts = dict(
        ActivationFlow.objects.filter(expires_at__gt=clock.now())
        .exclude(state=State.ACTIVATED)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in State if state != State.ACTIVATED}


def audit_action_total(action: str) -> int:
    """Return how many times `action` was audited, the rows the purge deleted included."""
    purged = PurgedEventCount.objects.filter(action=action).values_list("count", flat=True).first()
    return AuditEvent.objects.filter(action=action).count() + (purged or 0)


# --- The admin's login ------------------------------------------------------------------


def admin_login_counter(username: str) -> str:
    """The throttle identifier of a username at the admin's login: never the one of the same
    login at the portal's."""
    # The portal counts failures under whatever identifier was typed, even one no account
    # has. A NUL, which no form field accepts (Django's CharField refuses it), keeps the
    # two counts apart: nobody can lock an agent out of /admin/ from the public portal by
    # typing their username there, nor lock a person's account through /admin/.
    return f"\x00admin\x00{username}"


def admin_login_allowed(*, username: str, ip: str | None) -> bool:
    """Tell whether a login to the admin for this username, from this address, may be judged
    at all (neither is locked)."""
    return throttle.attempt_allowed(identifier=admin_login_counter(username), ip=ip)
