"""Read the sessions of an account: which are still open, for "Compte Informatique" and the
helpdesk, and which rows outlived their session, for the purge.

A row of AccountSession is written at login and deleted at logout, but a session that ends
by itself (idle or absolute timeout) leaves its row behind: whether it is still open is
asked of the session store that PORTIQUE_SESSION_STORE chose (SESSION_ENGINE).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import caches
from django.db.models import Exists, OuterRef, QuerySet

from portique.core import clock
from portique.selfservice.browsers import browser_described
from portique.selfservice.models import AccountSession


@dataclass(frozen=True)
class SessionLine:
    """One open session of the account, as "Compte Informatique" lists it; `id` names it in
    the page's forms (never its key, which would let whoever reads the page use it)."""

    id: int
    browser: str
    created_at: datetime
    last_seen_at: datetime | None
    current: bool


def session_store() -> type[SessionBase]:
    """The SessionStore class of the engine PORTIQUE_SESSION_STORE chose (SESSION_ENGINE)."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


def session_alive() -> Exists | None:
    """A filter on rows with a session_key (AccountSession, the SSO's records) that keeps
    those whose session is in the database and has not expired, when sessions are in the
    database; None when they are elsewhere."""
    store = session_store()
    if not issubclass(store, DatabaseSessionStore):
        return None
    # The session table is in the same database as AccountSession: one query, no key list.
    sessions = store.get_model_class().objects
    return Exists(sessions.filter(session_key=OuterRef("session_key"), expire_date__gt=clock.now()))


def session_keys_alive(keys: Collection[str]) -> set[str]:
    """The keys, among `keys`, whose session still exists and has not expired in the session
    store: one query for the database, one read of several keys for the cache. A store that
    cannot be asked (signed cookies, files) keeps them all."""
    if not keys:
        return set()
    store = session_store()
    if issubclass(store, DatabaseSessionStore):
        return set(
            store.get_model_class()
            .objects.filter(session_key__in=keys, expire_date__gt=clock.now())
            .values_list("session_key", flat=True)
        )
    if issubclass(store, CacheSessionStore):
        # An expired session is gone from the cache: its entry's lifetime is the session's.
        prefix = store.cache_key_prefix
        found = caches[settings.SESSION_CACHE_ALIAS].get_many([prefix + key for key in keys])
        return {key for key in keys if prefix + key in found}
    return set(keys)


def _open(sessions: QuerySet[AccountSession]) -> list[AccountSession]:
    alive = session_alive()
    if alive is not None:
        return list(sessions.filter(alive))
    rows = list(sessions)
    live = session_keys_alive([row.session_key for row in rows])
    return [row for row in rows if row.session_key in live]


def account_sessions_open(*, login: str, current_key: str = "") -> list[SessionLine]:
    """The sessions of `login` that are still open, the one whose key is `current_key` first,
    then the most recently begun."""
    rows = _open(
        AccountSession.objects.filter(login=login)
        .only("id", "session_key", "created_at", "last_seen_at", "user_agent")
        .order_by("-created_at", "-id")
    )
    lines = [
        SessionLine(
            id=row.pk,
            browser=browser_described(row.user_agent),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=bool(current_key) and row.session_key == current_key,
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: not line.current)


def account_sessions_open_count(login: str) -> int:
    """How many sessions of `login` are still open."""
    alive = session_alive()
    if alive is not None:
        return AccountSession.objects.filter(alive, login=login).count()
    return len(_open(AccountSession.objects.filter(login=login).only("session_key")))


def account_session_keys_ended(keys: Iterable[str]) -> list[str]:
    """The keys, among `keys`, whose session has ended (expired, or gone from the store)."""
    keys = list(keys)
    alive = session_keys_alive(keys)
    return [key for key in keys if key not in alive]
