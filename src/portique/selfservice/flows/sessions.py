"""The account's sessions: each one registered with its browser and times, followed across
new session keys, ended one by one, all but the current one, or all at once, and the rows
of ended sessions purged."""

from typing import TYPE_CHECKING, Any

from django.db import transaction

from portique.core import clock
from portique.core.audit import audit_record
from portique.selfservice.models import USER_AGENT_MAX_LENGTH, AccountSession
from portique.selfservice.selectors import (
    account_session_keys_ended,
    session_alive,
    session_keys_alive,
    session_store,
)
from portique.selfservice.services import AccountError

if TYPE_CHECKING:
    from django.db.models import QuerySet


class SessionNotFound(AccountError):
    """The person has no such session to end: it ended already, or is not theirs."""


def _user_agent_kept(user_agent: str) -> str:
    """What is kept of a User-Agent header: its printable characters, at most
    USER_AGENT_MAX_LENGTH of them (the client writes it, and some databases refuse NUL)."""
    return "".join(c for c in user_agent if c.isprintable())[:USER_AGENT_MAX_LENGTH]


def account_session_register(*, login: str, session_key: str, user_agent: str = "") -> None:
    """Remember that this session belongs to `login`, began now, in the browser that sent
    `user_agent`."""
    now = clock.now()
    AccountSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "login": login,
            "created_at": now,
            "last_seen_at": now,
            "user_agent": _user_agent_kept(user_agent),
        },
    )


def account_session_begin(*, login: str, old_key: str, new_key: str, user_agent: str = "") -> None:
    """Record a login: the session now keyed `new_key` is a new session of `login`, and the
    row of the key it had before, if any, goes (that key leads nowhere now)."""
    if old_key:
        AccountSession.objects.filter(session_key=old_key).delete()
    account_session_register(login=login, session_key=new_key, user_agent=user_agent)


def account_session_rekeyed(*, login: str, old_key: str, new_key: str) -> None:
    """Follow a session of `login` to the key cycle_key() gave it, keeping when it began and
    its browser, so that the account's list still shows it and ending its sessions still
    finds it."""
    moved = AccountSession.objects.filter(session_key=old_key, login=login).update(
        session_key=new_key, last_seen_at=clock.now()
    )
    if not moved:
        account_session_begin(login=login, old_key=old_key, new_key=new_key)


def account_session_seen(*, session_key: str) -> None:
    """Note that the session whose key is `session_key` was used now."""
    AccountSession.objects.filter(session_key=session_key).update(last_seen_at=clock.now())


def _sessions_end(keys: list[str]) -> int:
    """End the sessions whose keys are `keys` in the session store and forget them; return
    how many of them were still open."""
    if not keys:
        return 0
    store = session_store()
    still_open = session_keys_alive(keys)
    for key in keys:
        store(session_key=key).delete()
    AccountSession.objects.filter(session_key__in=keys).delete()
    return len(still_open)


def account_sessions_end(*, login: str, keep: str = "") -> int:
    """End every session of `login`, in whatever browser, except the one whose key is
    `keep` (none by default); return how many were open (a session that had already timed
    out is forgotten, not counted)."""
    sessions = AccountSession.objects.filter(login=login).exclude(session_key=keep)
    return _sessions_end(list(sessions.values_list("session_key", flat=True)))


def account_end_other_sessions(*, login: str, current_key: str, ip: str | None = None) -> int:
    """End every session of `login` but the current one, whose key is `current_key`, at the
    person's request; return how many were ended."""
    if not current_key:
        # Without it, "the others" would be all of them, this browser's included.
        raise AccountError("no current session to keep")
    with transaction.atomic():
        ended = account_sessions_end(login=login, keep=current_key)
        audit_record(actor=login, subject=login, action="sessions_ended", ip=ip, count=ended)
    return ended


def account_end_session(
    *, login: str, session_id: int, current_key: str, ip: str | None = None
) -> None:
    """End one session of `login`, named by its id in the list of "Compte Informatique".
    Raises SessionNotFound when `login` has no such session, the current one aside: it
    ended already, or it is someone else's (the id is the only thing the page posts)."""
    with transaction.atomic():
        row = (
            AccountSession.objects.select_for_update()
            .filter(login=login, pk=session_id)
            .exclude(session_key=current_key)
            .only("session_key", "user_agent")
            .first()
        )
        if row is None:
            raise SessionNotFound(f"{login} has no session {session_id}")
        _sessions_end([row.session_key])
        audit_record(
            actor=login, subject=login, action="session_ended", ip=ip,
            session_id=session_id, user_agent=row.user_agent,
        )  # fmt: skip


def account_logout(*, login: str, session_key: str, ip: str | None = None) -> None:
    """Audit the logout of `login` and forget its session in the account's list; the
    caller ends the session itself."""
    with transaction.atomic():
        audit_record(actor=login, subject=login, action="logout", ip=ip)
        if session_key:
            AccountSession.objects.filter(session_key=session_key).delete()


# Rows of ended sessions are looked up in the session store this many at a time.
PURGE_BATCH = 500


def ended_sessions_delete(rows: "QuerySet[Any]") -> int:
    """Delete, among `rows` (of a model with a session_key), those whose session ended
    without a logout (timed out, or gone from the session store); return how many. With
    sessions in the database, one DELETE; in the cache, the keys are asked for PURGE_BATCH
    at a time."""
    alive = session_alive()
    if alive is not None:
        deleted, _ = rows.filter(~alive).delete()
        return deleted
    deleted, after = 0, 0
    while batch := list(
        rows.filter(pk__gt=after).order_by("pk").values_list("pk", "session_key")[:PURGE_BATCH]
    ):
        after = batch[-1][0]
        ended = account_session_keys_ended(key for _, key in batch)
        if ended:
            count, _ = rows.filter(session_key__in=ended).delete()
            deleted += count
    return deleted


def account_sessions_purge() -> int:
    """Delete the rows of the account sessions that ended without a logout; return how
    many."""
    return ended_sessions_delete(AccountSession.objects.all())
    deleted, after = 0, 0
    while batch := list(
        AccountSession.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "session_key")[:PURGE_BATCH]
    ):
        after = batch[-1][0]
        ended = account_session_keys_ended(key for _, key in batch)
        if ended:
            count, _ = AccountSession.objects.filter(session_key__in=ended).delete()
            deleted += count
    return deleted
