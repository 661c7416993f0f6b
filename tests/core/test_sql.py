"""core/sql.py's insert() and save() write the row the ORM would, column by column, on
whichever database the tests run."""

from datetime import UTC, datetime
from functools import partial

import pytest
from django.db import DatabaseError
from django.forms.models import model_to_dict

from portique.accounts.models import Account, Person
from portique.activation.models import ActivationFlow
from portique.consents.models import ConsentRecord
from portique.core import sql
from portique.core.models import AuditEvent, OneTimeLink

pytestmark = pytest.mark.django_db

AT = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


def _row(model: type, pk: object) -> dict[str, object]:
    row = model.objects.values().get(pk=pk)
    row.pop(model._meta.pk.attname)
    return row


def _audit(**kwargs: object) -> AuditEvent:
    values = dict(at=AT, actor="jdupont", subject="jdupont", action="charter_accepted")
    return AuditEvent(**(values | kwargs))


def test_insert_writes_the_audit_row_create_writes() -> None:
    values = dict(client_ip="2001:db8::1", data={"charter_version": "2024", "n": [1, None]})
    made = AuditEvent.objects.create(**model_to_dict(_audit(**values)))
    inserted = _audit(**values)
    sql.insert(inserted)
    assert _row(AuditEvent, inserted.pk) == _row(AuditEvent, made.pk)


def test_insert_applies_field_defaults_as_create_does() -> None:
    made = AuditEvent.objects.create(at=AT, actor="a", subject="s", action="x")
    inserted = _audit(actor="a", subject="s", action="x")
    sql.insert(inserted)
    assert _row(AuditEvent, inserted.pk) == _row(AuditEvent, made.pk)
    assert inserted.data == {}


def test_insert_sets_the_pk_the_database_chose() -> None:
    first, second = _audit(), _audit()
    sql.insert(first)
    sql.insert(second)
    assert isinstance(first.pk, int)
    assert second.pk > first.pk
    assert AuditEvent.objects.get(pk=second.pk).action == "charter_accepted"
    assert not second._state.adding


def test_insert_writes_the_consent_record_create_writes() -> None:
    values = dict(
        login="jdupont", kind="charter", version="2024-09", choice="accepted", at=AT,
        where="activation", client_ip="192.0.2.7",
    )  # fmt: skip
    made = ConsentRecord.objects.create(**values)
    inserted = ConsentRecord(**values)
    sql.insert(inserted)
    assert _row(ConsentRecord, inserted.pk) == _row(ConsentRecord, made.pk)


def test_insert_writes_the_link_create_writes() -> None:
    def link(token_hash: str) -> dict[str, object]:
        return dict(
            token_hash=token_hash, purpose="recovery_email", subject="jdupont",
            flow_id="0b9c4d1e-8a77-4f0e-9a0e-3c0d6a1f2b3c", email="Jean@Example.org",
            created_at=AT, expires_at=AT,
        )  # fmt: skip

    made = OneTimeLink.objects.create(**link("a" * 64))
    inserted = OneTimeLink(**link("b" * 64))
    sql.insert(inserted)
    expected = _row(OneTimeLink, made.pk) | {"token_hash": "b" * 64}
    assert _row(OneTimeLink, inserted.pk) == expected


def _flow(**kwargs: object) -> ActivationFlow:
    values = dict(
        login="jdupont", email="jean.dupont@univ.example", category="staff",
        first_name="Jean", last_name="Dupont", provisional_password_digest="d" * 64,
        created_at=AT, updated_at=AT, expires_at=AT,
    )  # fmt: skip
    return ActivationFlow(**(values | kwargs))


def test_insert_keeps_the_flow_uuid_and_writes_its_row_as_create() -> None:
    made = ActivationFlow.objects.create(**model_to_dict(_flow()))
    inserted = _flow()
    pk = inserted.pk
    sql.insert(inserted)
    assert inserted.pk == pk
    assert _row(ActivationFlow, pk) == _row(ActivationFlow, made.pk)


def test_save_updates_every_column_as_save_does() -> None:
    by_orm, by_sql = _flow(), _flow()
    by_orm.save()
    sql.insert(by_sql)
    for flow in (by_orm, by_sql):
        flow.state = "awaiting_charter"
        flow.recovery_email = "jean@example.org"
        flow.recovery_email_verified_at = AT
        flow.directory_consent = False
        flow.keep_copy = True
        flow.first_name = ""
    by_orm.save()
    sql.save(by_sql)
    assert _row(ActivationFlow, by_sql.pk) == _row(ActivationFlow, by_orm.pk)
    assert _row(ActivationFlow, by_sql.pk)["recovery_email_verified_at"] == AT


def test_save_refuses_a_row_that_is_gone() -> None:
    flow = _flow()
    sql.insert(flow)
    ActivationFlow.objects.filter(pk=flow.pk).delete()
    with pytest.raises(DatabaseError):
        sql.save(flow)


def test_insert_refuses_a_model_whose_save_does_more() -> None:
    # Person.save() fills its search keys: plain SQL would skip it.
    with pytest.raises(TypeError):
        sql.insert(Person(login="jdupont"))


def _account(login: str, *, expires_at: datetime | None = AT) -> Account:
    person = Person.objects.create(
        login=login,
        first_name="Jean",
        last_name="Dupont",
        category="staff",
        provisional_password_expires_at=expires_at,
    )
    return Account.objects.create(
        person=person,
        login=login,
        email=f"{login}@umontpellier.fr",
        charter_accepted_at=AT,
        keep_copy=True,
    )


def test_a_join_of_qualified_fields_reads_both_instances_as_select_related_does() -> None:
    _account("jdupont")
    connection = sql.connection_for(Account, write=False)
    account = partial(sql.columns, Account, connection=connection, qualified=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.fields(Account, connection, qualified=True)},"  # noqa: S608
            f" {sql.fields(Person, connection, qualified=True)}"
            f" FROM {sql.table(Account, connection)} INNER JOIN {sql.table(Person, connection)}"
            f" ON {account('person')} = {sql.columns(Person, 'pk', qualified=True)}",
        )
        row = cursor.fetchone()
    by_sql = sql.instance(Account, row[: sql.width(Account)], connection)
    person = sql.instance(Person, row[sql.width(Account) :], connection)

    by_orm = Account.objects.select_related("person").get()
    assert model_to_dict(by_sql) == model_to_dict(by_orm)
    assert model_to_dict(person) == model_to_dict(by_orm.person)
    assert by_sql.charter_accepted_at == person.provisional_password_expires_at == AT


@pytest.mark.parametrize("expires_at", [AT, None])
def test_value_converts_a_column_read_alone_as_the_orm_does(expires_at: datetime | None) -> None:
    _account("jdupont", expires_at=expires_at)
    connection = sql.connection_for(Person, write=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Person, 'provisional_password_expires_at')}"  # noqa: S608
            f" FROM {sql.table(Person)}"
        )
        (raw,) = cursor.fetchone()

    read = sql.value(Person, "provisional_password_expires_at", raw, connection)

    assert read == expires_at
    assert read == Person.objects.values_list("provisional_password_expires_at", flat=True).get()
