"""The flow's row lock: two tabs, or two workers, that post at once move the flow once."""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from portique.activation import services
from portique.activation.machine import IllegalTransition, State
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_get, flow_load
from portique.consents.models import ConsentRecord
from portique.core import clock
from tests.support.at_once import at_once


def flow_at_the_charter() -> ActivationFlow:
    now = clock.now()
    return ActivationFlow.objects.create(
        login="ada.lovelace",
        email="ada.lovelace@umontpellier.fr",
        category="staff",
        state=State.AWAITING_CHARTER_ACCEPTANCE,
        recovery_email="ada@example.com",
        recovery_email_verified_at=now,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=30),
    )


def accept_from_two_tabs(flow_id: str) -> list[object]:
    """Both tabs read the flow as their page did, then post « J'accepte » at the same
    instant; return what each service call returned or raised."""

    def tab(both_read: threading.Barrier) -> object:
        flow = flow_get(flow_id)
        both_read.wait()
        return services.activation_accept_charter(flow=flow)  # type: ignore[arg-type]

    return at_once(tab)


@pytest.mark.django_db(transaction=True)
def test_of_two_tabs_accepting_the_charter_at_once_one_moves_the_flow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow = flow_at_the_charter()
    record = services.consent_record_charter

    def record_slowly(**kwargs: Any) -> ConsentRecord:
        # Hold the first tab's transaction open, lock taken, while the second one asks for it.
        time.sleep(0.3)
        return record(**kwargs)

    monkeypatch.setattr(services, "consent_record_charter", record_slowly)

    outcomes = accept_from_two_tabs(str(flow.pk))

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "ActivationFlow",
        "IllegalTransition",
    ], outcomes
    assert ConsentRecord.objects.filter(login="ada.lovelace").count() == 1
    assert ActivationFlow.objects.get(pk=flow.pk).state == State.AWAITING_DIRECTORY_CHOICE


@pytest.mark.django_db
def test_a_move_reads_the_flow_again_under_the_lock() -> None:
    flow = flow_at_the_charter()
    stale = flow_get(flow.pk)
    services.activation_accept_charter(flow=flow)

    with pytest.raises(IllegalTransition):
        services.activation_accept_charter(flow=stale)  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_the_flow_is_not_locked_outside_a_transaction() -> None:
    flow = flow_at_the_charter()

    with pytest.raises(TransactionManagementError):
        flow_load(flow.pk, lock=True)


@pytest.mark.django_db
def test_the_lock_reads_an_expired_flow_and_the_pages_do_not() -> None:
    flow = flow_at_the_charter()
    ActivationFlow.objects.filter(pk=flow.pk).update(expires_at=clock.now())

    with transaction.atomic():
        locked = flow_load(flow.pk, unexpired=False, lock=True)

    assert locked is not None
    assert locked.state == State.AWAITING_CHARTER_ACCEPTANCE
    assert flow_get(flow.pk) is None


@pytest.mark.django_db
@pytest.mark.parametrize("flow_id", ["", None, "not-a-flow", "123", "0" * 33])
def test_a_session_holding_no_flow_id_has_no_flow(flow_id: str | None) -> None:
    flow_at_the_charter()

    assert flow_get(flow_id) is None


@pytest.mark.django_db
def test_the_flow_is_read_with_every_answer() -> None:
    flow = flow_at_the_charter()

    read = flow_get(str(flow.pk))

    assert read is not None
    assert [(f.name, getattr(read, f.attname)) for f in ActivationFlow._meta.fields] == [
        (f.name, getattr(flow, f.attname)) for f in ActivationFlow._meta.fields
    ]
    assert read.get_deferred_fields() == set()
