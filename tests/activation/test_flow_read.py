"""The flow read in SQL (selectors.flow_load) is the flow the ORM reads, field by field."""

from datetime import timedelta

import pytest

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_load, flow_open_for
from portique.core import clock

pytestmark = pytest.mark.django_db


def fields_of(flow: ActivationFlow) -> dict[str, object]:
    return {field.attname: getattr(flow, field.attname) for field in flow._meta.concrete_fields}


def a_flow(**answers: object) -> ActivationFlow:
    now = clock.now()
    return ActivationFlow.objects.create(
        login="ada.lovelace",
        email="ada.lovelace@umontpellier.fr",
        category="staff",
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=30),
        **answers,
    )


def test_flow_read_in_sql_has_the_values_the_orm_reads() -> None:
    now = clock.now()
    flow = a_flow(
        state=State.AWAITING_FORWARDING_CHOICE,
        recovery_email="ada@example.com",
        recovery_email_verified_at=now,
        charter_version="2024-09",
        charter_accepted_at=now,
        directory_consent=False,
        wants_forwarding=True,
        forwarding_address="ada@example.org",
        forwarding_verified_at=now,
        keep_copy=True,
    )

    loaded = flow_load(flow.pk)

    assert loaded is not None
    assert fields_of(loaded) == fields_of(ActivationFlow.objects.get(pk=flow.pk))
    assert loaded.recovery_email_verified_at == now
    assert loaded.directory_consent is False and loaded.keep_copy is True


def test_flow_read_in_sql_keeps_unanswered_questions_empty() -> None:
    flow = a_flow()

    loaded = flow_load(flow.pk)

    assert loaded is not None
    assert fields_of(loaded) == fields_of(ActivationFlow.objects.get(pk=flow.pk))
    assert loaded.directory_consent is None and loaded.recovery_email_verified_at is None


def test_flow_read_in_sql_is_saved_as_an_update_of_its_row() -> None:
    flow = a_flow()

    loaded = flow_load(flow.pk)
    assert loaded is not None
    loaded.charter_version = "2024-09"
    loaded.save(update_fields=["charter_version"])

    assert not loaded._state.adding and loaded._state.db == "default"
    assert ActivationFlow.objects.get(pk=flow.pk).charter_version == "2024-09"


def test_the_flow_in_progress_read_in_sql_is_the_one_the_orm_finds() -> None:
    now = clock.now()

    def created(minutes: int, **answers: object) -> ActivationFlow:
        flow = a_flow(**answers)
        ActivationFlow.objects.filter(pk=flow.pk).update(
            created_at=now + timedelta(minutes=minutes)
        )
        return flow

    created(3, state=State.ACTIVATED)
    expired = created(2)
    ActivationFlow.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    created(-1)
    newest_open = created(
        0, state=State.AWAITING_CHARTER_ACCEPTANCE, recovery_email="ada@example.com"
    )
    by_orm = (
        ActivationFlow.objects.filter(login="ada.lovelace", expires_at__gt=clock.now())
        .exclude(state=State.ACTIVATED)
        .order_by("-created_at")
        .first()
    )

    found = flow_open_for("ada.lovelace")

    assert found is not None and by_orm is not None
    assert found.pk == by_orm.pk == newest_open.pk
    assert fields_of(found) == fields_of(by_orm)
    assert flow_open_for("someone.else") is None
