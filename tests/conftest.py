"""Shared fixtures: demo people and a walker of the activation for each. The helpers the
tests share, fixtures aside, are in tests/support/."""

import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.testcases import LiveServerThread
from pluggy import Result
from pytest_django.live_server_helper import LiveServer

from tests.factories import DemoPerson, PersonFactory
from tests.support.walkers import Walker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """In CI (CI=true), a skipped test fails: a test that needs a missing service (Chromium,
    slapd) must never pass silently there. Expected failures (xfail) are left alone."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI: {reason.removeprefix('Skipped: ')}"


@pytest.fixture(scope="session", autouse=True)
def _static_files_collected() -> None:
    """The static files collected under their hashed names, as `portique serve` does before
    it starts: the suite serves pages with the production settings, whose templates name
    `portique.4f2a….css`, not `portique.css`."""
    call_command("collectstatic", interactive=False, verbosity=0)


class PortalLiveServer(LiveServer):
    """pytest-django's live server, with /static/ served by the portal's own WhiteNoise, as in
    production. Django's live server serves it from the apps' folders instead, by the files'
    plain names, and the pages name them by their hashed ones."""

    def __init__(self, addr: str) -> None:
        super().__init__(addr, start=False)
        default = self.thread
        self.thread = LiveServerThread(
            default.host,
            static_handler=lambda application: application,
            connections_override=default.connections_override,
            port=default.port,
        )
        self.thread.daemon = True
        self.start()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The live server of pytest-django's fixture of this name, serving static files as the
    portal does."""
    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = PortalLiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mail worker recycles database connections between tasks, as a long-running
    process should. Inside a test's transaction that would close the connection the test is
    using, so in tests the worker keeps it."""
    from django_tasks_db.management.commands import db_worker

    from portique.mail import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the portal's default language. LocaleMiddleware activates a
    request's language on the thread and nothing deactivates it: after a test browsing in
    English, a later test calling code directly (no request) would otherwise speak English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_redis_cache() -> Iterator[None]:
    """With PORTIQUE_TEST_CACHE_URL, the cache is Redis, which no test's rollback empties:
    each test starts with none of this run's keys (failure counters, locks), as it does with
    the database cache. Other runs' keys, under other prefixes, are left alone."""
    from django.conf import settings

    if getattr(settings, "PORTIQUE_TEST_CACHE_IS_REDIS", False):
        from django.core.cache import cache

        cache.delete_pattern("*")  # type: ignore[attr-defined]
    yield


@pytest.fixture
def staff(db: None) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


@pytest.fixture
def vacataire(db: None) -> DemoPerson:
    return PersonFactory(
        login="paul.martin", first_name="Paul", last_name="Martin", category="vacataire"
    )


@pytest.fixture
def student(db: None) -> DemoPerson:
    return PersonFactory(
        login="lea.bernard", first_name="Léa", last_name="Bernard", category="student"
    )


@pytest.fixture
def walker_for(client: Client) -> Iterator[Any]:
    def make(person: DemoPerson, browser: Client | None = None) -> Walker:
        return Walker(browser or client, person)

    yield make
