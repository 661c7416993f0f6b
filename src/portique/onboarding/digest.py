"""HR's digest of the letters: where each person of a letter issued within the audit's
retention stands (not started, started and stopped at a step, activated, or their provisional
password ended without activation), counted per department, with a CSV file listing them.

`portique remind` sends it to PORTIQUE_HR_DIGEST_TO when the last one is at least
PORTIQUE_HR_DIGEST_INTERVAL_DAYS old (`--digest` sends it now); the HrDigest row of the day
is unique, so two runs at once send one.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore
from portique.activation.machine import Number, Step
from portique.core import clock
from portique.core.audit import audit_record
from portique.mail.services import Attachment, mail_queue
from portique.onboarding.models import HrDigest
from portique.onboarding.selectors import LetterLife, LetterState, letter_lives, letters_known

DIGEST_MAIL = "hr_digest"
CSV_COLUMNS = (
    "hr_id", "login", "first_name", "last_name", "department", "category", "letter_issued_at",
    "status", "step", "step_label", "reminders_sent",
)  # fmt: skip

# What the digest calls each letter state.
_STATUS = {
    LetterState.ISSUED: "not_started",
    LetterState.REMINDED: "not_started",
    LetterState.STARTED: "started",
    LetterState.ACTIVATED: "activated",
    LetterState.EXPIRED: "expired",
    LetterState.REVOKED: "revoked",
}


@dataclass(frozen=True)
class StepCount:
    number: Number
    label: str
    count: int


@dataclass
class DepartmentCounts:
    department: str
    not_started: int = 0
    started: int = 0
    activated: int = 0
    # Expired or revoked without activation: HR's to reissue.
    ended: int = 0
    at_step: Counter[Step] = field(default_factory=Counter)

    @property
    def steps(self) -> list[StepCount]:
        return [
            StepCount(step.number, str(step.label), count)
            for step, count in sorted(self.at_step.items(), key=lambda item: item[0].number)
        ]


@dataclass(frozen=True)
class Digest:
    day: date
    departments: list[DepartmentCounts]
    csv: bytes
    total: int


def digest_build(*, store: AccountStore | None = None) -> Digest:
    """Count the known letters per department and list them in a CSV (UTF-8 with BOM, ';'
    separated: what a French spreadsheet opens as it is)."""
    store = store or get_account_store()
    people = list(letters_known().order_by("department", "last_name_key", "search_key", "login"))
    states = store.activation_states([person.login for person in people])
    activated = {login for login, is_activated in states.items() if is_activated}
    lives = letter_lives(people, activated=activated)
    departments: dict[str, DepartmentCounts] = defaultdict(lambda: DepartmentCounts(""))
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for person in people:
        life: LetterLife = lives[person.login]
        counts = departments.setdefault(person.department, DepartmentCounts(person.department))
        status = _STATUS[life.state]
        if status == "not_started":
            counts.not_started += 1
        elif status == "started":
            counts.started += 1
            if life.step is not None:
                counts.at_step[life.step] += 1
        elif status == "activated":
            counts.activated += 1
        else:
            counts.ended += 1
        step = life.step if status != "activated" else None
        writer.writerow(
            [
                person.hr_id or "", person.login, person.first_name, person.last_name,
                person.department, person.category,
                life.issued_at.astimezone(clock.local_zone()).isoformat(timespec="minutes"),
                status, step.number.value if step else "", str(step.label) if step else "",
                life.reminders_sent,
            ]
        )  # fmt: skip
    return Digest(
        day=clock.local_date(),
        departments=[departments[name] for name in sorted(departments)],
        csv=("\ufeff" + output.getvalue()).encode("utf-8"),
        total=len(people),
    )


def digest_due() -> bool:
    """Tell whether the last digest is at least PORTIQUE_HR_DIGEST_INTERVAL_DAYS old."""
    last = HrDigest.objects.values_list("at", flat=True).first()
    interval = timedelta(days=settings.PORTIQUE_HR_DIGEST_INTERVAL_DAYS)
    return last is None or clock.now() - last >= interval


def digest_send(
    *, force: bool = False, actor: str = "portique remind", store: AccountStore | None = None
) -> int | None:
    """Mail the digest to each of PORTIQUE_HR_DIGEST_TO when it is due (or `force`); return
    how many mails were queued, or None when none was due, or another run sent today's."""
    recipients = settings.PORTIQUE_HR_DIGEST_TO
    if not recipients or not (force or digest_due()):
        return None
    digest = digest_build(store=store)
    filename = f"portique-pass-um-{digest.day.isoformat()}.csv"
    try:
        with transaction.atomic():
            HrDigest.objects.create(
                day=digest.day, at=clock.now(), recipients=len(recipients), people=digest.total
            )
            for to in recipients:
                mail_queue(
                    to=to,
                    kind=DIGEST_MAIL,
                    subject_login="",
                    context={
                        "day": digest.day,
                        "departments": digest.departments,
                        "total": digest.total,
                    },
                    attachments=[Attachment(filename, digest.csv, "text/csv")],
                )
            audit_record(
                actor=actor, subject="", action="hr_digest_sent", recipients=recipients,
                people=digest.total,
            )  # fmt: skip
    except IntegrityError:
        return None
    return len(recipients)
