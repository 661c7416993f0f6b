"""The helpdesk's actions on a person, the creation of agents, the admin's login and the
purge. Each action on a person runs in one transaction with its audit row: the agent as
actor, the person as subject."""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portique.accounts.models import Person
from portique.activation import services as activation
from portique.activation.machine import STEPS
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_open_for
from portique.core import audit, links, throttle
from portique.core.audit import audit_record
from portique.core.models import OneTimeLink
from portique.helpdesk.models import PurgedEventCount
from portique.helpdesk.roles import ROLES
from portique.helpdesk.selectors.admin_login import admin_login_counter
from portique.mail import services as mail
from portique.passwords import services as passwords
from portique.selfservice.flows.sessions import account_sessions_end, account_sessions_purge
from portique.sso import services as sso


class HelpdeskError(Exception):
    """The action cannot be carried out for this person now; the message tells the agent
    why."""


def _open_flow(login: str) -> ActivationFlow:
    flow = flow_open_for(login)
    if flow is None:
        raise HelpdeskError(_("Cette personne n'a pas d'activation en cours."))
    return flow


def flow_resend_pending_mail(*, login: str, actor: str, ip: str | None = None) -> ActivationFlow:
    """Mail a new link to the address the person's activation waits on, through the
    activation's own service: the same resend limit applies and the previous link stops
    working. Raises HelpdeskError when no address waits, SendLimitReached past the limit."""
    flow = _open_flow(login)
    pending = STEPS[flow.current_state].pending_link
    if pending == OneTimeLink.Purpose.RECOVERY_EMAIL:
        return activation.activation_resend_recovery_email_link(flow=flow, ip=ip, actor=actor)
    if pending == OneTimeLink.Purpose.FORWARDING_ADDRESS:
        return activation.activation_resend_forwarding_link(flow=flow, ip=ip, actor=actor)
    raise HelpdeskError(_("L'activation de cette personne n'attend la confirmation d'aucun mail."))


def account_unlock(*, login: str, actor: str, ip: str | None = None) -> None:
    """Lift the lock that failed attempts put on the account and forget those failures."""
    with transaction.atomic():
        audit_record(actor=actor, subject=login, action="account_unlocked", ip=ip)
        # Last, so that the audit row is rolled back if the cache cannot be reached.
        throttle.unlock(identifier=login)


def activation_restart(*, login: str, actor: str, ip: str | None = None) -> ActivationFlow:
    """End the person's activation in progress and cancel its pending links: they start
    again at step 1 with their identifier and provisional password."""
    flow = _open_flow(login)
    activation.flows_end(logins=[login], actor=actor, reason="activation_restarted", ip=ip)
    flow.refresh_from_db()
    return flow


def account_sessions_close(*, login: str, actor: str, ip: str | None = None) -> int:
    """End every session of the account, in whatever browser: whoever is logged in as the
    person is out. Returns how many were open; raises HelpdeskError when none was."""
    with transaction.atomic():
        ended = account_sessions_end(login=login)
        if not ended:
            raise HelpdeskError(_("Cette personne n'a aucune session ouverte."))
        audit_record(actor=actor, subject=login, action="sessions_ended", ip=ip, count=ended)
    return ended


def letter_reissue(*, login: str, actor: str, ip: str | None = None) -> bytes:
    """Give the person a new provisional password (the old one stops working, and so does
    their activation in progress) and return the PDF of their letter."""
    try:
        # The onboarding app (HR import, letters) is imported when used, not at start-up.
        from portique.onboarding.services import CannotReissue, credentials_reissue
    except ModuleNotFoundError as missing:
        if not (missing.name or "").startswith("portique.onboarding"):
            raise
        raise HelpdeskError(_("La réimpression des courriers n'est pas installée.")) from None
    person = Person.objects.get(login=login)
    try:
        with transaction.atomic():
            pdf = credentials_reissue(people=[person], actor=actor)
            audit_record(actor=actor, subject=login, action="letter_reissued", ip=ip)
    except CannotReissue as refused:
        raise HelpdeskError(str(refused)) from None
    return pdf


# --- The admin's login ------------------------------------------------------------------


def admin_login_refuse(*, username: str, ip: str | None, reason: str) -> bool:
    """Audit a refused login to the admin and, unless it was refused because of a lock,
    count it against the username and the address; returns whether it locked the
    username (the lock is audited too)."""
    with transaction.atomic():
        audit_record(
            actor=username, subject=username, action="admin_login_refused", ip=ip, reason=reason
        )
        return throttle.record_refusal(
            identifier=admin_login_counter(username),
            ip=ip,
            subject=username,
            during_lock=reason == "locked",
            lock_action="admin_login_locked",
        )


def admin_login_accept(*, username: str, ip: str | None) -> None:
    """Audit a login to the admin and forget the username's failures."""
    with transaction.atomic():
        throttle.record_success(identifier=admin_login_counter(username))
        audit_record(actor=username, subject=username, action="admin_login_succeeded", ip=ip)


# --- Agents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAgent:
    user: User
    password_link: str


def agent_password_link(user: User) -> str:
    """Return the link where the agent sets their password; it works once, for
    PASSWORD_RESET_TIMEOUT seconds (3 days), and stops working once a password is set."""
    key = (
        f"{urlsafe_base64_encode(force_bytes(user.pk))}.{default_token_generator.make_token(user)}"
    )
    return settings.PORTIQUE_BASE_URL + reverse("helpdesk:agent_password", args=[key])


def agent_create(*, username: str, email: str, role: str, actor: str = "system") -> NewAgent:
    """Create a staff user in the role's group, without a password, and return the link
    where they choose it: nobody else ever knows it."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (expected: {', '.join(ROLES)})")
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=None)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=ROLES[role]))
        audit_record(actor=actor, subject=username, action="agent_created", role=role)
    return NewAgent(user=user, password_link=agent_password_link(user))


# --- The purge --------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeCounts:
    flows: int
    links: int
    mails: int
    tasks: int
    audit_events: int
    sessions: int


def records_purge(*, actor: str = "system") -> PurgeCounts:
    """Delete what is kept no longer than its retention (PORTIQUE_*_RETENTION_DAYS), each
    app purging its own tables: flows expired that long ago, links used, revoked or expired
    that long ago, mails sent or failed that long ago, finished mail tasks, audit rows older
    than their retention, and the account sessions' rows of sessions that have ended (timed
    out, without a logout)."""
    flows = activation.flows_purge()
    links_deleted = links.links_purge()
    mails = mail.mails_purge()
    tasks = mail.tasks_purge()
    with transaction.atomic():
        sessions = account_sessions_purge()
        # The single sign-on's record of the same sessions, kept for its single logout.
        sso.sso_sessions_purge()
    with transaction.atomic():
        passwords.target_outcomes_purge()
        purged = audit.audit_purge()
        # Counters computed from the audit trail (portique_activations_total...) must not
        # drop when their rows go: what is deleted is added to the tally.
        for action, count in purged.items():
            tally, _ = PurgedEventCount.objects.get_or_create(action=action)
            PurgedEventCount.objects.filter(pk=tally.pk).update(count=F("count") + count)
        counts = PurgeCounts(
            flows=flows,
            links=links_deleted,
            mails=mails,
            tasks=tasks,
            audit_events=sum(purged.values()),
            sessions=sessions,
        )
        audit_record(actor=actor, subject="-", action="records_purged", **asdict(counts))
    return counts
