"""A letter's life, read from what each app keeps: issued and revoked (the audit trail and
the person), reminded (the reminders), started (the activation's flows and trail), activated
(the account store, or the activation's trail), expired (the provisional password's end).

One person's timeline for the helpdesk, and every letter's state at once for the HR digest
and /metrics, from the same facts.
"""

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portique.accounts.models import Person
from portique.activation.machine import STEPS, State, Step
from portique.activation.models import ActivationFlow
from portique.core import clock
from portique.core.models import AuditEvent
from portique.onboarding.models import LetterReminder

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# The audit actions that mean a new letter: its own provisional password, its own reminders.
ISSUE_ACTIONS = ("person_created", "provisional_password_reissued")
REVOKE_ACTION = "provisional_password_revoked"
START_ACTION = "provisional_password_accepted"
ACTIVATE_ACTION = "account_activated"
REMINDER_ACTION = "reminder_sent"


class LetterState(StrEnum):
    """Where a letter is, the furthest of its events (an activated letter stays activated)."""

    ISSUED = "issued"
    REMINDED = "reminded"
    STARTED = "started"
    ACTIVATED = "activated"
    EXPIRED = "expired"
    REVOKED = "revoked"


LETTER_STATE_LABELS: dict[str, "StrOrPromise"] = {
    LetterState.ISSUED: _("courrier remis"),
    LetterState.REMINDED: _("rappel envoyé"),
    LetterState.STARTED: _("activation commencée"),
    LetterState.ACTIVATED: _("compte activé"),
    LetterState.EXPIRED: _("mot de passe provisoire expiré"),
    LetterState.REVOKED: _("mot de passe provisoire révoqué"),
}


@dataclass(frozen=True)
class TimelineEvent:
    event: LetterState
    label: "StrOrPromise"
    at: datetime
    # What the event concerns: a reminder's day, a step reached.
    detail: str = ""


@dataclass(frozen=True)
class LetterLife:
    """The current letter of one person, as the digest and /metrics count it."""

    login: str
    issued_at: datetime
    state: LetterState
    # The step the person is at, or stopped at, if they started with this letter.
    step: Step | None
    reminders_sent: int


def letters_window_start() -> datetime:
    """The oldest letter whose life is still known: its trail goes with the audit's purge."""
    return clock.now() - timedelta(days=settings.PORTIQUE_AUDIT_RETENTION_DAYS)


def letters_known() -> "QuerySet[Person]":
    """The people with a letter issued within the audit's retention."""
    return Person.objects.filter(letter_issued_at__gte=letters_window_start())


def _latest_flows(logins: Collection[str]) -> dict[str, ActivationFlow]:
    latest: dict[str, ActivationFlow] = {}
    for flow in (
        ActivationFlow.objects.filter(login__in=logins)
        .only("login", "state", "created_at", "activated_at", "expires_at")
        .order_by("created_at")
    ):
        latest[flow.login] = flow
    return latest


def _audited(logins: Collection[str], actions: Iterable[str]) -> dict[tuple[str, str], datetime]:
    """The latest time of each (login, action)."""
    latest: dict[tuple[str, str], datetime] = {}
    for subject, action, at in AuditEvent.objects.filter(
        subject__in=logins, action__in=list(actions)
    ).values_list("subject", "action", "at"):
        key = (subject, action)
        latest[key] = max(at, latest.get(key, at))
    return latest


def letter_lives(
    people: Iterable[Person], *, activated: Collection[str] | None = None
) -> dict[str, LetterLife]:
    """Return the state of each person's current letter (people without one left out).

    `activated` lists the logins the account store says are activated; without it (for
    /metrics, which must not query the store at each scrape) the activation's trail and
    flows say it.
    """
    people = [person for person in people if person.letter_issued_at is not None]
    logins = [person.login for person in people]
    flows: dict[str, ActivationFlow] = {}
    audited: dict[tuple[str, str], datetime] = {}
    reminded: dict[tuple[str, datetime], int] = defaultdict(int)
    # IN lists stay under every database's limit on parameters.
    for start in range(0, len(logins), 1000):
        chunk = logins[start : start + 1000]
        flows.update(_latest_flows(chunk))
        audited.update(_audited(chunk, (REVOKE_ACTION, START_ACTION, ACTIVATE_ACTION)))
        for login, letter in LetterReminder.objects.filter(
            person__login__in=chunk, outcome=LetterReminder.Outcome.SENT
        ).values_list("person__login", "letter_issued_at"):
            reminded[(login, letter)] += 1
    now = clock.now()
    lives = {}
    for person in people:
        login, issued_at = person.login, person.letter_issued_at
        if issued_at is None:  # left out above; this tells the type checker
            continue
        flow = flows.get(login)
        if flow is not None and flow.created_at < issued_at:
            flow = None
        if activated is not None:
            is_activated = login in activated
        else:
            is_activated = (flow is not None and flow.state == State.ACTIVATED) or (
                (login, ACTIVATE_ACTION) in audited
            )
        started = flow is not None or audited.get((login, START_ACTION), issued_at) > issued_at
        revoked = audited.get((login, REVOKE_ACTION), issued_at) > issued_at
        expires_at = person.provisional_password_expires_at
        sent = reminded.get((login, issued_at), 0)
        if is_activated:
            state = LetterState.ACTIVATED
        elif revoked:
            state = LetterState.REVOKED
        elif expires_at is not None and expires_at <= now:
            state = LetterState.EXPIRED
        elif started:
            state = LetterState.STARTED
        elif sent:
            state = LetterState.REMINDED
        else:
            state = LetterState.ISSUED
        lives[login] = LetterLife(
            login=login,
            issued_at=issued_at,
            state=state,
            step=STEPS[flow.current_state] if flow is not None else None,
            reminders_sent=sent,
        )
    return lives


def letters_by_state() -> dict[LetterState, int]:
    """Count the letters known (see letters_known) in each state, every state listed."""
    counts = dict.fromkeys(LetterState, 0)
    people = letters_known().only("login", "letter_issued_at", "provisional_password_expires_at")
    for life in letter_lives(people.iterator(chunk_size=2000)).values():
        counts[life.state] += 1
    return counts


def reminders_sent_total() -> int:
    """How many reminders were mailed, ever (their records are kept with the person)."""
    return LetterReminder.objects.filter(outcome=LetterReminder.Outcome.SENT).count()


def letter_timeline(person: Person, *, activated_at: datetime | None) -> list[TimelineEvent]:
    """Every letter of the person and what became of it, oldest first: each issue, reminder,
    start, the activation (`activated_at`, from the account store), the end of the last
    provisional password (expired, or revoked)."""
    login = person.login
    events: list[TimelineEvent] = []
    trail = AuditEvent.objects.filter(
        subject=login, action__in=[*ISSUE_ACTIONS, REVOKE_ACTION, START_ACTION, ACTIVATE_ACTION]
    ).values_list("action", "at")
    started: set[datetime] = set()
    revoked_at: datetime | None = None
    for action, at in trail:
        if action in ISSUE_ACTIONS:
            events.append(_event(LetterState.ISSUED, at))
        elif action == REVOKE_ACTION:
            events.append(_event(LetterState.REVOKED, at))
            revoked_at = max(at, revoked_at or at)
        elif action == START_ACTION:
            started.add(at)
        elif action == ACTIVATE_ACTION and activated_at is None:
            activated_at = at
    # A letter issued before its trail was kept still shows where its life begins.
    if person.letter_issued_at and not any(e.event == LetterState.ISSUED for e in events):
        events.append(_event(LetterState.ISSUED, person.letter_issued_at))
    for flow_start in ActivationFlow.objects.filter(login=login).values_list(
        "created_at", flat=True
    ):
        # The trail says "accepted" at each resumption; a flow begins once.
        started.add(flow_start)
    first_starts = _first_per_letter(sorted(started), [e.at for e in events if e.event == "issued"])
    events.extend(_event(LetterState.STARTED, at) for at in first_starts)
    for reminder in LetterReminder.objects.filter(
        person=person, outcome=LetterReminder.Outcome.SENT
    ).values_list("day", "at"):
        day, at = reminder
        events.append(_event(LetterState.REMINDED, at, _("jour %(day)s") % {"day": day}))
    if activated_at is not None:
        events.append(_event(LetterState.ACTIVATED, activated_at))
    expires_at = person.provisional_password_expires_at
    if (
        expires_at is not None
        and expires_at <= clock.now()
        and (revoked_at is None or revoked_at < expires_at - timedelta(seconds=1))
        and (activated_at is None or activated_at > expires_at)
    ):
        events.append(_event(LetterState.EXPIRED, expires_at))
    return sorted(events, key=lambda event: event.at)


def _first_per_letter(starts: list[datetime], issues: list[datetime]) -> list[datetime]:
    """The first start after each letter's issue (a person starts each letter once)."""
    if not issues:
        return starts[:1]
    firsts = []
    bounds = [*sorted(issues), datetime.max.replace(tzinfo=clock.now().tzinfo)]
    for issued, following in itertools.pairwise(bounds):
        within = [at for at in starts if issued <= at < following]
        if within:
            firsts.append(within[0])
    return firsts


def _event(state: LetterState, at: datetime, detail: str = "") -> TimelineEvent:
    return TimelineEvent(event=state, label=LETTER_STATE_LABELS[state], at=at, detail=detail)
