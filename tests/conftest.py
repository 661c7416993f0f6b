"""Shared fixtures: demo people, a helper that walks the activation through the test
client, and the mail worker run on demand."""

import os
import re
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.test.testcases import LiveServerThread
from pluggy import Result
from pytest_django.live_server_helper import LiveServer

from tests.factories import DemoPerson, PersonFactory

LINK_RE = re.compile(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)")


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

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


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


def deliver_mail() -> None:
    """Run the mail worker until the queue is empty (what `portique worker` does)."""
    call_command("worker", batch=True, verbosity=0)


def last_link(to: str) -> str:
    """Deliver the queue and return the path of the newest link mailed to `to`."""
    deliver_mail()
    for message in reversed(mail.outbox):
        if to in message.to:
            found = LINK_RE.search(str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no link mailed to {to}")


class Walker:
    """Drives one browser (a Django test client) through the activation, step by step."""

    def __init__(self, client: Client, person: DemoPerson) -> None:
        self.client = client
        self.person = person

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, data or {})

    def identify(self, identifier: str | None = None) -> Any:
        return self.post(
            "/activation/identifiant/", {"identifier": identifier or self.person.login}
        )

    def give_provisional_password(self, password: str | None = None) -> Any:
        return self.post(
            "/activation/mot-de-passe-provisoire/",
            {"provisional_password": password or self.person.provisional_password},
        )

    def give_recovery_email(self, address: str, confirmation: str | None = None) -> Any:
        return self.post(
            "/activation/mail-de-secours/",
            {
                "recovery_email": address,
                "recovery_email_confirmation": address if confirmation is None else confirmation,
            },
        )

    def follow_link(self, path: str) -> Any:
        landing = self.client.get(path)
        assert landing.status_code == 302
        return self.post("/activation/lien/")

    def accept_charter(self) -> Any:
        return self.post("/activation/charte/", {"accept": "on"})

    def choose_directory(self, consent: bool) -> Any:
        return self.post("/activation/annuaire/", {"directory_consent": "on"} if consent else {})

    def choose_forwarding(
        self, address: str = "", *, wants: bool = True, keep_copy: bool = True
    ) -> Any:
        data: dict[str, str] = {}
        if wants:
            data["wants_forwarding"] = "on"
        if address:
            data["forwarding_address"] = address
            data["forwarding_address_confirmation"] = address
        if keep_copy:
            data["keep_copy"] = "on"
        return self.post("/activation/messagerie/", data)

    def set_password(self, password: str, confirmation: str | None = None) -> Any:
        return self.post(
            "/activation/mot-de-passe/",
            {
                "new_password": password,
                "new_password_confirmation": password if confirmation is None else confirmation,
            },
        )

    def reach_charter(self, recovery_email: str = "perso@example.com") -> Any:
        """Steps 1 to 4, link included; returns the response that lands on step 5."""
        self.identify()
        self.give_provisional_password()
        self.give_recovery_email(recovery_email)
        return self.follow_link(last_link(recovery_email))


@pytest.fixture
def walker_for(client: Client) -> Iterator[Any]:
    def make(person: DemoPerson, browser: Client | None = None) -> Walker:
        return Walker(browser or client, person)

    yield make
