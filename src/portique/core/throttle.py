"""Count failed attempts in the cache shared by every app process, and lock what fails too
often: an account (PORTIQUE_LOCK_FAILURES in PORTIQUE_LOCK_WINDOW_MINUTES locks it for
PORTIQUE_LOCK_MINUTES) and a client address (PORTIQUE_IP_FAILURES across accounts).

A locked account is refused even with the right password, with the same message as a wrong
one, so that the lock tells an attacker nothing either.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from portique.core import clock
from portique.core.audit import audit_record


@dataclass(frozen=True)
class Limits:
    failures: int
    window_seconds: int
    lock_seconds: int


def _account_limits() -> Limits:
    return Limits(
        failures=settings.PORTIQUE_LOCK_FAILURES,
        window_seconds=settings.PORTIQUE_LOCK_WINDOW_MINUTES * 60,
        lock_seconds=settings.PORTIQUE_LOCK_MINUTES * 60,
    )


def _address_limits() -> Limits:
    return Limits(
        failures=settings.PORTIQUE_IP_FAILURES,
        window_seconds=settings.PORTIQUE_LOCK_WINDOW_MINUTES * 60,
        lock_seconds=settings.PORTIQUE_LOCK_MINUTES * 60,
    )


def account_key(identifier: str) -> str:
    """The counter of an account: the same for every spelling of its login ("Jane.Doe ",
    "jane.doe"), and hashed so that cache keys hold no login."""
    normal = "".join(identifier.split()).lower()
    return "account:" + hashlib.sha256(normal.encode()).hexdigest()[:32]


def address_key(ip: str | None) -> str:
    return f"address:{ip or 'unknown'}"


def _any_locked(*keys: str) -> bool:
    """Tell whether any of these keys is locked, in one read of the cache."""
    # A lock holds the time it ends: Portique's clock decides, not the cache's own expiry,
    # which Redis keeps on the server's clock (the expiry only clears the key away).
    now = clock.now().timestamp()
    locks = cache.get_many([f"lock:{key}" for key in keys])
    return any(isinstance(until, int | float) and until > now for until in locks.values())


def is_locked(key: str) -> bool:
    """Tell whether the lock under `key` (account_key(), address_key()) holds right now, in
    whatever process it was set: the lock lives in the shared cache."""
    return _any_locked(key)


def _count(counter: str, window_seconds: int) -> int:
    """Add one to `counter` within a fixed window that starts with its first count, and
    return the count so far."""
    window = f"{counter}:window"
    now = clock.now().timestamp()
    # add() starts the window only if no window is open (and notes when it ends); incr()
    # then counts within it.
    if not cache.add(window, now + window_seconds, timeout=window_seconds):
        ends = cache.get(window)
        if ends is not None and ends <= now:
            # Closed by Portique's clock, not yet by the cache's (Redis expires keys on the
            # server's clock): a new window.
            _forget(counter)
            cache.add(window, now + window_seconds, timeout=window_seconds)
    cache.add(counter, 0, timeout=window_seconds)
    try:
        count = cache.incr(counter)
    except ValueError:  # the window closed between add() and incr()
        cache.set(counter, 1, timeout=window_seconds)
        count = 1
    # incr() keeps the counter's expiry, the end of its window (Redis's INCR does, and so
    # does Portique's database cache: core/cache.py).
    return int(count)


def _forget(counter: str) -> None:
    cache.delete_many([counter, f"{counter}:window"])


def _fail(key: str, limits: Limits) -> bool:
    """Count one failure for `key`; lock it when the limit is reached. Returns whether the
    failure locked it."""
    counter = f"failures:{key}"
    if _count(counter, limits.window_seconds) >= limits.failures:
        until = clock.now().timestamp() + limits.lock_seconds
        cache.set(f"lock:{key}", until, timeout=limits.lock_seconds)
        _forget(counter)
        return True
    return False


def attempt_allowed(*, identifier: str, ip: str | None) -> bool:
    """Tell whether an attempt for this account, from this address, may be judged at all."""
    return not _any_locked(account_key(identifier), address_key(ip))


def record_failure(*, identifier: str, ip: str | None) -> bool:
    """Count a failed attempt against the account and the address; returns whether the
    account became locked by it."""
    _fail(address_key(ip), _address_limits())
    return _fail(account_key(identifier), _account_limits())


def record_refusal(
    *,
    identifier: str,
    ip: str | None,
    subject: str,
    during_lock: bool,
    lock_action: str = "account_locked",
) -> bool:
    """Count a refused attempt against the account and the address (record_failure) and
    audit the lock it causes, as `lock_action` on `subject`; returns whether it locked the
    account. An attempt refused during a lock is not counted: it must not lengthen the lock."""
    if during_lock or not record_failure(identifier=identifier, ip=ip):
        return False
    audit_record(actor="system", subject=subject, action=lock_action, ip=ip)
    return True


def address_allowed(ip: str | None) -> bool:
    """Tell whether this client address may make another counted request."""
    return not is_locked(address_key(ip))


def record_address_attempt(ip: str | None) -> None:
    """Count a request against the client address alone (pages that take an identifier but
    no secret, like "Problème de connexion")."""
    _fail(address_key(ip), _address_limits())


def rate_allowed(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request for `key` and tell whether it is within `limit` per window."""
    return _count(f"rate:{key}", window_seconds) <= limit


def record_success(*, identifier: str) -> None:
    """Forget the account's failures: a person who gets it right starts afresh."""
    _forget(f"failures:{account_key(identifier)}")


def unlock(*, identifier: str) -> None:
    """Lift an account's lock and forget its failures (the helpdesk's action)."""
    key = account_key(identifier)
    cache.delete(f"lock:{key}")
    _forget(f"failures:{key}")
