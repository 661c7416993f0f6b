"""Remind people of their letter: on each of PORTIQUE_REMINDER_DAYS after it was issued, a
mail to HR's personal address for them, until they activate.

A reminder carries no credential (no login, no password, no link that logs in): only how to
find the letter, or ask HR for a new one, and the portal's address. None is sent once the
account is activated, the provisional password revoked, or expired: the digest shows HR those
people, and only HR can give them a new letter.

Each (letter, day) is sent once: its LetterReminder row is inserted before the mail is
queued, in the same transaction, and the unique constraint makes a second run, or one
running at the same time, skip it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore
from portique.core import clock
from portique.core.audit import audit_record
from portique.mail.services import mail_queue
from portique.onboarding.letters import activation_url
from portique.onboarding.models import LetterReminder
from portique.onboarding.selectors import REMINDER_ACTION

REMINDER_MAIL = "letter_reminder"


@dataclass
class RemindersReport:
    """What a run did."""

    sent: int = 0
    # Reminders another run had already sent (or was sending).
    already_sent: int = 0
    # Days passed with a later one due at the same run: recorded, not mailed.
    superseded: int = 0
    by_day: dict[int, int] = field(default_factory=dict)


def _due_days(issued_at: datetime, now: datetime) -> list[int]:
    return [
        day for day in settings.PORTIQUE_REMINDER_DAYS if issued_at + timedelta(days=day) <= now
    ]


# What a reminder reads of a person.
_REMINDER_FIELDS = (
    "login", "first_name", "last_name", "personal_email", "letter_issued_at",
    "provisional_password_expires_at",
)  # fmt: skip


def reminder_candidates(now: datetime) -> list[Person]:
    """The people with a personal address whose letter still works and is old enough for a
    first reminder; whether each is activated, and which days are left, is checked next."""
    days = settings.PORTIQUE_REMINDER_DAYS
    if not days:
        return []
    return list(
        Person.objects.filter(
            letter_issued_at__isnull=False,
            letter_issued_at__lte=now - timedelta(days=days[0]),
            provisional_password_expires_at__gt=now,
        )
        .exclude(personal_email="")
        .only(*_REMINDER_FIELDS)
    )


def reminder_send(*, person: Person, day: int, superseded: list[int], actor: str) -> bool:
    """Mail the reminder of `day` for the person's current letter, recording the earlier
    `superseded` days as passed; return False, having sent nothing, when another run has
    recorded it already."""
    issued_at = person.letter_issued_at
    if issued_at is None:
        raise ValueError(f"{person.login} has no letter to remind of")
    now = clock.now()
    try:
        with transaction.atomic():
            reminder = LetterReminder.objects.create(
                person=person, letter_issued_at=issued_at, day=day,
                outcome=LetterReminder.Outcome.SENT, at=now,
            )  # fmt: skip
            for earlier in superseded:
                LetterReminder.objects.get_or_create(
                    person=person, letter_issued_at=issued_at, day=earlier,
                    defaults={"outcome": LetterReminder.Outcome.SUPERSEDED, "at": now},
                )  # fmt: skip
            reminder.mail = mail_queue(
                to=person.personal_email,
                kind=REMINDER_MAIL,
                subject_login=person.login,
                context={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "issued_at": issued_at,
                    "expires_at": person.provisional_password_expires_at,
                    "activation_url": activation_url(),
                },
            )
            reminder.save(update_fields=["mail"])
            audit_record(
                actor=actor, subject=person.login, action=REMINDER_ACTION, day=day,
                email=person.personal_email,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def reminders_send(
    *, actor: str = "portique remind", store: AccountStore | None = None
) -> RemindersReport:
    """Send every reminder due now, once each: for each person, the latest day due that no
    run has sent yet for this letter (one mail, even when cron missed a day)."""
    store = store or get_account_store()
    now = clock.now()
    report = RemindersReport()
    candidates = reminder_candidates(now)
    done: dict[tuple[int, datetime], set[int]] = {}
    ids = [person.pk for person in candidates]
    # IN lists stay under every database's limit on parameters.
    for start in range(0, len(ids), 1000):
        for person_id, letter, day in LetterReminder.objects.filter(
            person__in=ids[start : start + 1000]
        ).values_list("person_id", "letter_issued_at", "day"):
            done.setdefault((person_id, letter), set()).add(day)
    pending = []
    for person in candidates:
        issued_at = person.letter_issued_at
        if issued_at is None:  # excluded by the query; this tells the type checker
            continue
        recorded = done.get((person.pk, issued_at), set())
        left = [day for day in _due_days(issued_at, now) if day not in recorded]
        if left:
            pending.append((person, left))
    if not pending:
        return report
    states = store.activation_states([person.login for person, _left in pending])
    for person, left in pending:
        # Activated, or absent from the store (nothing to activate): no reminder.
        if states.get(person.login) is not False:
            continue
        day, earlier = left[-1], left[:-1]
        if reminder_send(person=person, day=day, superseded=earlier, actor=actor):
            report.sent += 1
            report.superseded += len(earlier)
            report.by_day[day] = report.by_day.get(day, 0) + 1
        else:
            report.already_sent += 1
    return report
