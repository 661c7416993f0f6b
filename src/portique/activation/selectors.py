"""Read activation flows and the path a person walks through."""

from dataclasses import dataclass
from functools import partial
from typing import cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.transaction import TransactionManagementError

from portique.accounts.rules import CategoryRules, rules_for
from portique.activation.machine import STEPS, Answers, State, Step, path
from portique.activation.models import ActivationFlow
from portique.core import clock, sql
from portique.mail.selectors import MailFate, mail_fate


@dataclass(frozen=True)
class Progress:
    position: int
    total: int


def flow_load(
    flow_id: str | UUID, *, unexpired: bool = True, lock: bool = False
) -> ActivationFlow | None:
    """Return the flow with this id, if it exists and (when `unexpired`) has not expired;
    with `lock`, under a row lock held until the transaction ends."""
    # Every page of the activation reads its flow, and every move reads it again under the
    # lock: written in SQL, the read costs a third of the ORM's, which spent most of it
    # building the same statement again, column by column. Names come from the model.
    connection = sql.connection_for(ActivationFlow, write=lock)
    column = partial(sql.columns, ActivationFlow, connection=connection)
    statement = (
        f"SELECT {sql.fields(ActivationFlow, connection)}"  # noqa: S608 (names quoted by the backend)
        f" FROM {sql.table(ActivationFlow, connection)} WHERE {column('pk')} = %s"
    )
    params = sql.prepared(ActivationFlow, connection, pk=flow_id)
    if unexpired:
        statement += f" AND {column('expires_at')} > %s"
        params += sql.prepared(ActivationFlow, connection, expires_at=clock.now())
    if lock:
        if connection.get_autocommit():
            # As select_for_update(): a lock outside a transaction would be let go at once.
            raise TransactionManagementError("a flow is locked only inside a transaction")
        if connection.features.has_select_for_update:
            statement += " " + connection.ops.for_update_sql()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return cast(ActivationFlow, sql.instance(ActivationFlow, row, connection)) if row else None


def flow_get(flow_id: str | UUID | None) -> ActivationFlow | None:
    """Return the flow with this id if it has not expired."""
    if not flow_id:
        return None
    try:
        return flow_load(flow_id)
    except (ValueError, TypeError, ValidationError):
        return None


def flow_open_for(login: str) -> ActivationFlow | None:
    """Return the person's flow in progress, the one they resume after leaving."""
    # As ActivationFlow.objects.filter(login=login, expires_at__gt=now).exclude(state=
    # State.ACTIVATED).order_by("-created_at").first() writes it, at each step 2.
    connection = sql.connection_for(ActivationFlow, write=False)
    column = partial(sql.columns, ActivationFlow, connection=connection)
    flow = sql.first(
        ActivationFlow,
        f"{column('login')} = %s AND {column('expires_at')} > %s AND NOT ({column('state')} = %s)",
        sql.prepared(
            ActivationFlow, connection, login=login, expires_at=clock.now(), state=State.ACTIVATED
        ),
        order_by=f"{column('created_at')} DESC",
        connection=connection,
    )
    return cast(ActivationFlow | None, flow)


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
