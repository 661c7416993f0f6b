"""Read activation flows and the path a person walks through."""

from dataclasses import dataclass
from enum import IntEnum
from uuid import UUID

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.activation.rules import rules_for
from portique.core import clock


class Step(IntEnum):
    """The seed's numbered steps."""

    IDENTIFIER = 1
    PROVISIONAL_PASSWORD = 2
    RECOVERY_EMAIL = 3
    RECOVERY_EMAIL_SENT = 4
    CHARTER = 5
    DIRECTORY = 6
    FORWARDING = 7
    FORWARDING_SENT = 8
    NEW_PASSWORD = 9
    DONE = 10


STEP_OF_STATE: dict[State, Step] = {
    State.AWAITING_RECOVERY_EMAIL: Step.RECOVERY_EMAIL,
    State.AWAITING_RECOVERY_EMAIL_CONFIRMATION: Step.RECOVERY_EMAIL_SENT,
    State.AWAITING_CHARTER_ACCEPTANCE: Step.CHARTER,
    State.AWAITING_DIRECTORY_CHOICE: Step.DIRECTORY,
    State.AWAITING_FORWARDING_CHOICE: Step.FORWARDING,
    State.AWAITING_FORWARDING_CONFIRMATION: Step.FORWARDING_SENT,
    State.AWAITING_NEW_PASSWORD: Step.NEW_PASSWORD,
    State.ACTIVATED: Step.DONE,
}


@dataclass(frozen=True)
class Progress:
    position: int
    total: int


def flow_get(flow_id: str | UUID | None) -> ActivationFlow | None:
    """Return the flow with this id if it has not expired."""
    if not flow_id:
        return None
    try:
        return ActivationFlow.objects.filter(pk=flow_id, expires_at__gt=clock.now()).first()
    except (ValueError, TypeError):
        return None


def flow_open_for(login: str) -> ActivationFlow | None:
    """Return the person's flow in progress, the one they resume after leaving."""
    return (
        ActivationFlow.objects.filter(login=login, expires_at__gt=clock.now())
        .exclude(state=State.ACTIVATED)
        .order_by("-created_at")
        .first()
    )


def flow_path(flow: ActivationFlow | None) -> list[Step]:
    """Return the steps of this person's path, as far as their answers tell it.

    Step 7 is there when the category has a redirection choice; step 8 only once a
    redirection to an address other than the recovery address has been chosen.
    """
    steps = [
        Step.IDENTIFIER,
        Step.PROVISIONAL_PASSWORD,
        Step.RECOVERY_EMAIL,
        Step.RECOVERY_EMAIL_SENT,
        Step.CHARTER,
        Step.DIRECTORY,
    ]
    if flow is None or rules_for(flow.category).has_forwarding_step:
        steps.append(Step.FORWARDING)
    if (flow is not None and flow.state == State.AWAITING_FORWARDING_CONFIRMATION) or (
        flow is not None
        and flow.forwarding_address
        and not _same(flow.forwarding_address, flow.recovery_email)
    ):
        steps.append(Step.FORWARDING_SENT)
    steps += [Step.NEW_PASSWORD, Step.DONE]
    return steps


def flow_progress(flow: ActivationFlow | None, step: Step) -> Progress:
    """Return the position of `step` in the person's path and the path's length."""
    path = flow_path(flow)
    position = path.index(step) + 1 if step in path else len(path)
    return Progress(position=position, total=len(path))


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()
