"""What the helpdesk and the metrics read of the password targets."""

from dataclasses import dataclass
from datetime import datetime

from portique.passwords.models import TargetFailureCount, TargetOutcome
from portique.passwords.targets import get_password_targets


@dataclass(frozen=True)
class TargetLine:
    target: str
    outcome: str
    outcome_label: str
    attempts: int
    at: datetime


def target_outcomes_last(login: str) -> list[TargetLine]:
    """Return what each target did with the login's last password change, in the order
    they were set; empty when no target was ever set for it."""
    labels = dict(TargetOutcome.Outcome.choices)
    return [
        TargetLine(**row, outcome_label=str(labels.get(row["outcome"], row["outcome"])))
        for row in TargetOutcome.objects.filter(login=login)
        .order_by("position")
        .values("target", "outcome", "attempts", "at")
    ]


def target_failures_total() -> dict[str, int]:
    """Return, per target, how many password changes it failed for good: every configured
    target (0 when it never failed) and any target that failed before it was removed."""
    totals = {target.name: 0 for target in get_password_targets()}
    totals.update(TargetFailureCount.objects.values_list("target", "count"))
    return totals
