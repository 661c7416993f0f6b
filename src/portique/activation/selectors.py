"""Read activation flows and the path a person walks through."""

from dataclasses import dataclass
from uuid import UUID

from portique.accounts.rules import CategoryRules, rules_for
from portique.activation.machine import STEPS, Answers, State, Step, path
from portique.activation.models import ActivationFlow
from portique.core import clock
from portique.mail.selectors import MailFate, mail_fate


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


def flow_rules(flow: ActivationFlow) -> CategoryRules:
    """Return the rules of the flow's category, the machine's input."""
    return rules_for(flow.category)


def flow_answers(flow: ActivationFlow) -> Answers:
    """Return what the machine reads of the flow's answers."""
    return Answers(
        state=flow.current_state,
        recovery_email=flow.recovery_email,
        wants_forwarding=flow.wants_forwarding,
        forwarding_address=flow.forwarding_address,
    )


def flow_path(flow: ActivationFlow | None) -> list[Step]:
    """Return the steps of this person's path, as far as their answers tell it (see
    machine.path)."""
    if flow is None:
        return path(None, None)
    return path(flow_rules(flow), flow_answers(flow))


def flow_progress(flow: ActivationFlow | None, step: Step) -> Progress:
    """Return the position of `step` in the person's path and the path's length."""
    numbers = [each.number for each in flow_path(flow)]
    position = numbers.index(step.number) + 1 if step.number in numbers else len(numbers)
    return Progress(position=position, total=len(numbers))


def flow_mail_fate(flow: ActivationFlow) -> MailFate | None:
    """The fate of the mail the flow's current step waits on (steps 4 and 8), or None."""
    kind = STEPS[flow.current_state].pending_mail
    return mail_fate(flow_id=flow.pk, kind=kind) if kind else None
