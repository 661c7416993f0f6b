"""Plain SQL from the models' own names, for the few statements that run on every request
or every mail: a session's load and save, a flow's read, a queued mail's rows, the mail
worker's claims.

Built by the ORM, each of these statements cost 0.15 to 0.3 ms of CPU to compile, against
about 0.02 ms to run: on the activation's pages and in the mail worker, that compiling was a
third of the CPU beside the password hash. Names still come from the model, quoted by the
backend, and values go through the fields' own conversion, as the ORM would send them, so
that the same statements run on SQLite and PostgreSQL. `core/cache.py` keeps its own
statements: they are Django's cache table's, which has no model.
"""

from functools import cache
from typing import Any, TypeVar, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def connection_for(model: type[Model], *, write: bool = True) -> BaseDatabaseWrapper:
    """The database connection the router gives for reading or writing `model`."""
    alias = router.db_for_write(model) if write else router.db_for_read(model)
    return connections[alias]


def table(model: type[Model], connection: BaseDatabaseWrapper | None = None) -> str:
    connection = connection or connection_for(model)
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[Model], *names: str, connection: BaseDatabaseWrapper | None = None) -> str:
    connection = connection or connection_for(model)
    return ", ".join(connection.ops.quote_name(_field(model, name).column) for name in names)


def prepared(
    model: type[Model], connection: BaseDatabaseWrapper | None = None, **values: Any
) -> list[Any]:
    """The values as parameters for their fields' columns."""
    connection = connection or connection_for(model)
    return [
        _field(model, name).get_db_prep_save(value, connection) for name, value in values.items()
    ]


def update(
    model: type[Model], pk: Any, connection: BaseDatabaseWrapper | None = None, **values: Any
) -> int:
    """Write `values` to the row `pk`; return how many rows changed."""
    connection = connection or connection_for(model)
    assignments = ", ".join(
        f"{columns(model, name, connection=connection)} = %s" for name in values
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, values as parameters:
            f"UPDATE {table(model, connection)} SET {assignments}"  # noqa: S608
            f" WHERE {columns(model, 'pk', connection=connection)} = %s",
            [*prepared(model, connection, **values), pk],
        )
        return cursor.rowcount


def insert(model: type[M], **values: Any) -> M:
    """Add one row with `values`, every other column taking its field's default, each
    value as Model.save() would write it (the fields' own pre_save(), so an auto_now_add
    date is the present time), but without save()'s signals; return it as saved, with its
    primary key."""
    row = model(**values)
    connection = connection_for(model)
    # No primary key given nor defaulted: the database numbers the row.
    generated = row.pk is None
    fields, statement = _insert_statement(model, connection.alias, generated=generated)
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields],
        )
        if generated:
            row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = connection.alias
    return row


@cache
def _insert_statement(
    model: type[Model], alias: str, *, generated: bool
) -> tuple[list[Field[Any, Any]], str]:
    connection = connections[alias]
    pk = model._meta.pk
    fields = [field for field in model._meta.concrete_fields if not (generated and field is pk)]
    names = columns(model, *(field.name for field in fields), connection=connection)
    # Names from the model, values as parameters:
    statement = (
        f"INSERT INTO {table(model, connection)} ({names})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # RETURNING, as the ORM does on SQLite and PostgreSQL, the only databases of Portique.
    if generated:
        statement += f" RETURNING {columns(model, 'pk', connection=connection)}"
    return fields, statement


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    # Only concrete columns are named here, never a relation.
    if name == "pk":
        return cast(Field[Any, Any], model._meta.pk)
    return cast(Field[Any, Any], model._meta.get_field(name))
