"""Plain SQL from the models' own names, for the few statements that run on every request
or every mail: a session's load and save, a flow's read and its moves, the audit rows, the
consent records and the one-time links, a queued mail's rows, the mail worker's claims.

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

from django.db import DatabaseError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED, Field, Model
from django.db.models.expressions import Col


def connection_for(model: type[Model], *, write: bool = True) -> BaseDatabaseWrapper:
    """The database connection the router gives for reading or writing `model`."""
    alias = router.db_for_write(model) if write else router.db_for_read(model)
    return connections[alias]


def table(model: type[Model], connection: BaseDatabaseWrapper | None = None) -> str:
    connection = connection or connection_for(model)
    return connection.ops.quote_name(model._meta.db_table)


def columns(
    model: type[Model],
    *names: str,
    connection: BaseDatabaseWrapper | None = None,
    qualified: bool = False,
) -> str:
    """The columns of these fields; `qualified` by the table's name, for a join."""
    connection = connection or connection_for(model)
    prefix = f"{table(model, connection)}." if qualified else ""
    return ", ".join(
        prefix + connection.ops.quote_name(_field(model, name).column) for name in names
    )


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
            prepared(model, connection, **values, pk=pk),
        )
        return cursor.rowcount


def fields(
    model: type[Model], connection: BaseDatabaseWrapper | None = None, *, qualified: bool = False
) -> str:
    """The model's columns, in the order instance() reads a row of them; `qualified` by the
    table's name, for a join."""
    connection = connection or connection_for(model)
    prefix = f"{table(model, connection)}." if qualified else ""
    return ", ".join(
        prefix + connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
    )


def width(model: type[Model]) -> int:
    """How many columns of a row fields(model) names: where the next model's begin."""
    return len(model._meta.concrete_fields)


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


def fetch_one(
    connection: BaseDatabaseWrapper, statement: str, params: Sequence[Any]
) -> tuple[Any, ...] | None:
    """The first row `statement` reads, or None."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cast("tuple[Any, ...] | None", cursor.fetchone())


def first(
    model: type[Model],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str = "",
    connection: BaseDatabaseWrapper | None = None,
) -> Model | None:
    """The first instance of `model` whose row matches `where` (columns named by columns(),
    values as %s parameters) in the order `order_by` asks, or None: as the ORM's
    .filter(...).order_by(...).first() reads it."""
    connection = connection or connection_for(model, write=False)
    statement = f"SELECT {fields(model, connection)} FROM {table(model, connection)}"  # noqa: S608 (names quoted by the backend)
    statement += f" WHERE {where}" + (f" ORDER BY {order_by}" if order_by else "") + " LIMIT 1"
    row = fetch_one(connection, statement, params)
    return instance(model, row, connection) if row else None


def value(model: type[Model], name: str, raw: Any, connection: BaseDatabaseWrapper) -> Any:
    """One column's value read alone, converted as instance() converts it."""
    position = model._meta.concrete_fields.index(_field(model, name))
    for at, converters, column in _converters(model, connection):
        if at == position:
            for converter in converters:
                raw = converter(raw, column, connection)
    return raw


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


def _refuse_unless_plain(model: type[Model]) -> None:
    # A save() of the model's own, or a parent's table, would be skipped silently.
    if model.save is not Model.save or model._meta.parents:
        raise TypeError(f"{model.__name__} has a save() or a table of its own: use the ORM")


def _connection_of(instance: Model) -> BaseDatabaseWrapper:
    # As Model.save() chooses: the router, with the instance as a hint.
    return connections[router.db_for_write(type(instance), instance=instance)]


def _pre_saved(field: Field[Any, Any], instance: Model, *, add: bool) -> Any:
    # The field's pre_save (auto_now, auto_now_add...), as the ORM's INSERT and UPDATE
    # compilers apply it before the conversion. An expression would need the compiler.
    value = field.pre_save(instance, add)
    if hasattr(value, "resolve_expression"):
        raise TypeError(f"{field.name}: sql.insert() and sql.save() take values, not {value!r}")
    return value


def insert(instance: Model) -> None:
    """INSERT every concrete column of a new `instance`, as objects.create() would, and set
    its pk from the database when the database chooses it."""
    model = type(instance)
    meta = model._meta
    connection = _connection_of(instance)
    _refuse_unless_plain(model)
    auto = meta.auto_field
    if auto is not None and getattr(instance, auto.attname) is not None:
        auto = None
    fields = [f for f in meta.local_concrete_fields if f is not auto]
    if any(f.generated or f.db_default is not NOT_PROVIDED for f in fields):
        raise TypeError(f"{model.__name__} has columns the database computes: use the ORM")
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    holes = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {table(model, connection)} ({names}) VALUES ({holes})"  # noqa: S608
    returning = auto is not None and connection.features.can_return_columns_from_insert
    if returning:
        statement += f" RETURNING {quote(auto.column)}"  # type: ignore[union-attr]
    params = [f.get_db_prep_save(_pre_saved(f, instance, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if auto is not None:
            pk = (
                cursor.fetchone()[0]
                if returning
                else connection.ops.last_insert_id(cursor, meta.db_table, auto.column)
            )
            setattr(instance, auto.attname, pk)
    instance._state.adding = False
    instance._state.db = connection.alias


def save(instance: Model) -> None:
    """UPDATE every concrete column of the existing row of `instance`, as save() would, and
    raise DatabaseError when there is no such row (save() would INSERT it)."""
    model = type(instance)
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    _refuse_unless_plain(model)
    if any(f.generated for f in fields):
        raise TypeError(f"{model.__name__} has columns the database computes: use the ORM")
    values = {f.name: _pre_saved(f, instance, add=False) for f in fields}
    if update(model, instance.pk, _connection_of(instance), **values) != 1:
        raise DatabaseError(f"{model.__name__} {instance.pk} has no row to update")
