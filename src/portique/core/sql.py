"""Plain SQL from the models' own names, for the few statements that run on every request
or every mail: a session's load and save, a flow's read, the mail worker's claims.

Built by the ORM, each of these statements cost 0.15 to 0.3 ms of CPU to compile, against
about 0.02 ms to run: on the activation's pages and in the mail worker, that compiling was a
third of the CPU beside the password hash. Names still come from the model, quoted by the
backend, and values go through the fields' own conversion, as the ORM would send them, so
that the same statements run on SQLite and PostgreSQL. `core/cache.py` keeps its own
statements: they are Django's cache table's, which has no model.
"""

from collections.abc import Sequence
from typing import Any, cast
from weakref import WeakKeyDictionary

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col


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


def fields(model: type[Model], connection: BaseDatabaseWrapper | None = None) -> str:
    """The model's columns, in the order instance() reads a row of them."""
    connection = connection or connection_for(model)
    return ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)


def instance(model: type[Model], row: Sequence[Any], connection: BaseDatabaseWrapper) -> Model:
    """The instance of `model` read from a row of fields(model), converted by its fields and
    the backend as the ORM converts them, and marked as loaded from this database."""
    # Model.from_db() from a known order, not a RawQuerySet: that one matched the columns
    # the cursor describes to the fields by name on every read (psycopg builds a Column
    # object for each), about 0.1 ms of CPU per flow read, some twenty times an activation.
    values = list(row)
    for position, converters, column in _converters(model, connection):
        value = values[position]
        for converter in converters:
            value = converter(value, column, connection)
        values[position] = value
    return model.from_db(connection.alias, _attnames(model), values)


_Converters = list[tuple[int, list[Any], Col]]
_converters_of: "WeakKeyDictionary[BaseDatabaseWrapper, dict[type[Model], _Converters]]" = (
    WeakKeyDictionary()
)


def _converters(model: type[Model], connection: BaseDatabaseWrapper) -> _Converters:
    # Bound to the connection (its time zone, its backend's conversions), so kept with it.
    known = _converters_of.setdefault(connection, {})
    if model not in known:
        found: _Converters = []
        for position, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                found.append((position, converters, column))
        known[model] = found
    return known[model]


def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    # Only concrete columns are named here, never a relation.
    if name == "pk":
        return cast(Field[Any, Any], model._meta.pk)
    return cast(Field[Any, Any], model._meta.get_field(name))
