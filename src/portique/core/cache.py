"""The database cache, for installations without Redis: Django's, with an atomic incr().

The throttles count failures with incr(). Django's database cache implements it as a read
followed by a write, so that two failures counted at the same time by two threads or two
processes can both read 4 and both write 5: an attacker sending guesses in parallel would
be counted fewer times than they tried. Here the read and the write are one transaction
that holds the row (SELECT … FOR UPDATE on PostgreSQL; on SQLite, Portique's transactions
take the write lock when they begin), and the write leaves the entry's expiry as it was,
as Redis's INCR does, instead of setting it to the default timeout.
"""

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache whose incr() counts every call, however concurrent."""

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table = table

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        cache_key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table = quote(self.table)
        holding = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608 (names quoted by the backend)
                f"WHERE {quote('cache_key')} = %s{holding}",
                [cache_key],
            )
            row = cursor.fetchone()
            if row is None or self._expiry(row[1], connection) < now():
                raise ValueError(f"Key '{key}' not found.")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301 (our own rows, as Django's get())
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",  # noqa: S608
                [pickled, cache_key],
            )
        return value

    @staticmethod
    def _expiry(expires: Any, connection: Any) -> Any:
        # As Django's get_many(): the backend's converters make it an aware datetime.
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression)
        for converter in converters + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires
