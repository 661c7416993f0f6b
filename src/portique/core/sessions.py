"""Django's database sessions with fewer queries, for PORTIQUE_SESSION_STORE=db.

Every page of the activation reads the session and many write it, so its queries count:

- A new session id (cycle_key(), when trust rises) is one UPDATE of the row's key, made with
  the response's save, instead of a check, an INSERT, a SELECT and a DELETE at once and an
  UPDATE later. The old id stops working all the same: its row no longer exists.
- A new key is not first looked up: the primary key refuses a duplicate, and the insert is
  then tried again with another key (Django's own loop, without its extra SELECT).
- Deleting a session is one DELETE, not a SELECT then a DELETE.
- Loading a session, which every page with a cookie does, is one SELECT of its data written
  in SQL, and saving one that exists one UPDATE: through the ORM, building these statements
  cost several times running them, 0.15 to 0.25 ms of CPU each.
"""

from functools import partial
from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from portique.core import sql


class SessionStore(DatabaseSessionStore):
    _rekey_from: str | None = None

    def _get_new_session_key(self) -> str:
        # 32 characters from 36 symbols (165 bits, from `secrets`): the unique key of the
        # table is enough to catch the collision that will not happen.
        return get_random_string(32, VALID_KEY_CHARS)

    def load(self) -> dict[str, Any]:
        connection = sql.connection_for(self.model, write=False)
        column = partial(sql.columns, self.model, connection=connection)
        # As Django's load(): the session's data if it has not expired, else nothing and no
        # key, so that a save creates a new session instead of reviving this one.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column('session_data')} FROM {sql.table(self.model, connection)}"  # noqa: S608 (names quoted by the backend)
                f" WHERE {column('pk')} = %s AND {column('expire_date')} > %s",
                sql.prepared(
                    self.model, connection, pk=self.session_key, expire_date=timezone.now()
                ),
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(connection.ops.process_clob(row[0]))

    def cycle_key(self) -> None:
        data = dict(self.items())  # loads the stored data, as Django's cycle_key() does
        self._rekey_from = self._rekey_from or self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None and self._rekey_from and not must_create:
            old, self._rekey_from = self._rekey_from, None
            if self._rekey(old):
                return
        if self.session_key is None or must_create:
            super().save(must_create=must_create)
            return
        data = dict(self.items())  # loads it if the request did not, as Django's save() does
        # As Django's save() of a stored session: its row rewritten, and a row gone meanwhile
        # (ended from another tab) an UpdateError, which the middleware turns into a 400.
        try:
            updated = sql.update(
                self.model,
                self.session_key,
                session_data=self.encode(data),
                expire_date=self.get_expiry_date(),
            )
        except DatabaseError as error:
            raise UpdateError from error
        if not updated:
            raise UpdateError

    def _rekey(self, old: str) -> bool:
        """Move the session stored under `old` to a new key, with the current data; return
        False when there is no such row (it expired, or was never saved)."""
        data = dict(self.items())
        using = router.db_for_write(self.model)
        while True:
            key = self._get_new_session_key()
            try:
                with transaction.atomic(using=using):
                    moved = (
                        self.model.objects.using(using)
                        .filter(session_key=old)
                        .update(
                            session_key=key,
                            session_data=self.encode(data),
                            expire_date=self.get_expiry_date(),
                        )
                    )
            except IntegrityError:
                continue
            if moved:
                self._session_key = key
            return bool(moved)

    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def delete(self, session_key: Any = None) -> None:
        if session_key is None:
            # After cycle_key() and before the save, the stored row is still the old key's.
            session_key, self._rekey_from = self.session_key or self._rekey_from, None
            if session_key is None:
                return
        self.model.objects.filter(session_key=session_key).delete()
