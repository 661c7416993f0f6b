"""Setting a new password in every password target, after the account store took it.

The person's request waits for every target: a target that fails is tried again a few
times (PORTIQUE_PASSWORD_TARGET_ATTEMPTS), then the request fails as a whole, so that the
caller's transaction marks nothing done and trying again sets every target again. The
password is never queued, stored or logged: there is no "later".

What each target did is kept (TargetOutcome, TargetFailureCount), and must survive the
rollback of the caller's transaction when a target fails: a use case that calls
passwords_set_everywhere() inside its transaction is decorated with
@target_outcomes_kept, which writes them once that transaction is over, committed or not.
"""

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from portique.core import clock
from portique.core.audit import audit_record
from portique.passwords.models import TargetFailureCount, TargetOutcome
from portique.passwords.targets import get_password_targets
from portique.passwords.targets.base import PasswordRefused, PasswordTarget, TargetUnavailable

logger = logging.getLogger(__name__)

Outcome = TargetOutcome.Outcome
P = ParamSpec("P")
R = TypeVar("R")

# The pause between two attempts at a target; a seam for the tests.
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class TargetResult:
    """What one target did with one password change."""

    target: str
    position: int
    outcome: str
    attempts: int


@dataclass(frozen=True)
class _Change:
    login: str
    at: datetime
    results: tuple[TargetResult, ...]


# The changes waiting for the end of the decorated use case's transaction, if any.
_pending: contextvars.ContextVar[list[_Change] | None] = contextvars.ContextVar(
    "password_target_changes", default=None
)


def passwords_set_everywhere(
    *, login: str, password: str, targets: Sequence[PasswordTarget] | None = None
) -> None:
    """Set `password` for `login` in every target (PORTIQUE_PASSWORD_TARGETS), in order, and
    return once every one has it. Raises TargetUnavailable (a StoreUnavailable: the 503
    page) when one stays unreachable, ValidationError with the target's words when one
    refuses the password; the targets after it are not tried."""
    targets = get_password_targets() if targets is None else targets
    if not targets:
        return
    results: list[TargetResult] = []
    failure: Exception | None = None
    for position, target in enumerate(targets):
        if failure is not None:
            results.append(TargetResult(target.name, position, Outcome.NOT_TRIED, 0))
            continue
        outcome, attempts, failure = _set_one(target, login=login, password=password)
        results.append(TargetResult(target.name, position, outcome, attempts))
    change = _Change(login=login, at=clock.now(), results=tuple(results))
    pending = _pending.get()
    if pending is None:
        _write(change)
    else:
        pending.append(change)
    if failure is not None:
        raise failure


def _set_one(
    target: PasswordTarget, *, login: str, password: str
) -> tuple[str, int, Exception | None]:
    """Set the password in one target, trying again while it is unavailable."""
    attempts_allowed = max(1, settings.PORTIQUE_PASSWORD_TARGET_ATTEMPTS)
    for attempt in range(1, attempts_allowed + 1):
        try:
            target.set_password(login, password)
        except PasswordRefused as refusal:
            logger.info("password target %s refused the password of %s", target.name, login)
            error = ValidationError(refusal.message, code="password_refused_by_target")
            return Outcome.REFUSED, attempt, error
        except TargetUnavailable as unavailable:
            logger.warning(
                "password target %s unavailable for %s (attempt %d of %d): %s",
                target.name, login, attempt, attempts_allowed, unavailable,
            )  # fmt: skip
            if attempt == attempts_allowed:
                return Outcome.FAILED, attempt, unavailable
            sleep(settings.PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS)
        else:
            return Outcome.SET, attempt, None
    raise AssertionError("unreachable")  # pragma: no cover


def _write(change: _Change) -> None:
    """Replace the login's outcomes with this change's, count failures, audit them."""
    with transaction.atomic():
        TargetOutcome.objects.filter(login=change.login).delete()
        TargetOutcome.objects.bulk_create(
            TargetOutcome(login=change.login, at=change.at, **vars(result))
            for result in change.results
        )
        for result in change.results:
            if result.outcome not in (Outcome.FAILED, Outcome.REFUSED):
                continue
            if result.outcome == Outcome.FAILED:
                tally, _ = TargetFailureCount.objects.get_or_create(target=result.target)
                TargetFailureCount.objects.filter(pk=tally.pk).update(count=F("count") + 1)
            audit_record(
                actor=change.login, subject=change.login, action="password_target_failed",
                target=result.target, outcome=result.outcome, attempts=result.attempts,
            )  # fmt: skip


def target_outcomes_kept(function: Callable[P, R]) -> Callable[P, R]:
    """Keep what passwords_set_everywhere() did inside `function` once `function` is over,
    whether its transaction was committed or rolled back by a failed target."""

    @functools.wraps(function)
    def kept(*args: P.args, **kwargs: P.kwargs) -> R:
        pending: list[_Change] = []
        token = _pending.set(pending)
        try:
            return function(*args, **kwargs)
        finally:
            _pending.reset(token)
            for change in pending:
                try:
                    _write(change)
                except Exception:
                    # The use case's own outcome (success, or the 503) matters more than
                    # this record of it.
                    logger.exception("could not record the password targets of %s", change.login)

    return kept


def target_outcomes_purge() -> int:
    """Delete the outcomes of password changes older than PORTIQUE_AUDIT_RETENTION_DAYS: they
    are part of the change's audit trail, and kept as long. Return how many; the failure
    counts stay, so that /metrics never goes down."""
    before = clock.now() - timedelta(days=settings.PORTIQUE_AUDIT_RETENTION_DAYS)
    deleted, _ = TargetOutcome.objects.filter(at__lt=before).delete()
    return deleted
