"""The dashboard's and /metrics' figures: activations per day, the outbox's backlog, the
activations in progress by state, and audited actions counted across the purge."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core import clock
from portique.core.models import AuditEvent
from portique.helpdesk.models import PurgedEventCount
from portique.mail.models import OutboundMail

if TYPE_CHECKING:
    pass


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
            activated_at__gte=clock.local_midnight(first)
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
    """Return how many mails wait in the outbox and how many failed for good (refused at
    RCPT TO included)."""
    counts = dict(
        OutboundMail.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return MailBacklog(
        queued=counts.get(OutboundMail.Status.QUEUED, 0),
        failed=counts.get(OutboundMail.Status.FAILED, 0)
        + counts.get(OutboundMail.Status.REFUSED, 0),
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
