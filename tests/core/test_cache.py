"""The database cache's incr(), which the throttles count failures with: every call counted,
however concurrent, and the entry's expiry kept (as Redis's INCR does)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.core.management.commands.createcachetable import Command
from django.db import connections

from portique.core.cache import DatabaseCache

PARIS = ZoneInfo("Europe/Paris")
THREADS = 8
EACH = 15


TABLE = "portique_cache_tests"


@pytest.fixture
def cache(django_db_blocker: pytest.FixtureRequest) -> DatabaseCache:
    """A database cache on the suite's database, in a table of its own: the suite's cache
    may be Redis, which has no table."""
    command = Command()
    command.verbosity = 0
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        command.create_table("default", TABLE, dry_run=False)  # nothing if it exists
    return DatabaseCache(TABLE, {})


@pytest.mark.django_db(transaction=True)
def test_incr_from_many_threads_at_once_loses_no_count(cache: DatabaseCache) -> None:
    cache.set("failures", 0, timeout=600)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def count() -> None:
        try:
            start.wait()
            for _ in range(EACH):
                cache.incr("failures")
        except BaseException as error:  # shown by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert cache.get("failures") == THREADS * EACH


@pytest.mark.django_db
def test_incr_keeps_the_expiry_of_the_entry(cache: DatabaseCache) -> None:
    with time_machine.travel(datetime(2025, 3, 12, 9, 0, tzinfo=PARIS), tick=False) as clock:
        cache.set("failures", 1, timeout=60)
        clock.shift(timedelta(seconds=50))
        assert cache.incr("failures") == 2
        clock.shift(timedelta(seconds=11))

        assert cache.get("failures") is None


@pytest.mark.django_db
def test_incr_of_a_missing_or_expired_entry_raises_value_error(cache: DatabaseCache) -> None:
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    with time_machine.travel(datetime(2025, 3, 12, 9, 0, tzinfo=PARIS), tick=False) as clock:
        cache.set("failures", 1, timeout=60)
        clock.shift(timedelta(seconds=61))
        with pytest.raises(ValueError, match="not found"):
            cache.incr("failures")


@pytest.mark.django_db
def test_incr_adds_the_delta(cache: DatabaseCache) -> None:
    cache.set("count", 10)

    assert cache.incr("count", 5) == 15
    assert cache.decr("count", 3) == 12
    assert cache.get("count") == 12


def test_the_portal_counts_in_this_cache_without_redis() -> None:
    backend = caches["default"]
    assert isinstance(backend, DatabaseCache) or "redis" in type(backend).__module__
