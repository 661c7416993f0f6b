"""Portique scaled out: two `portique serve --no-worker` instances, as behind a load
balancer, and one `portique worker`, sharing one PostgreSQL database and one Redis, each
with a folder of its own. An activation begun on one instance ends on the other, and
failures counted on both lock the account.

Needs PostgreSQL (postgres@127.0.0.1:5432, trust authentication) and Redis
(127.0.0.1:6379): skipped, saying what to start, when they do not answer; in CI (CI=true)
the skip is a failure (see conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.smtp import SmtpServer, free_port
from tests.support.postgres import dedicated_database, postgres_missing
from tests.test_cli import (
    PORTIQUE,
    Browser,
    ServedPortal,
    portique,
    portique_env,
    wait_until_serving,
)

REDIS_URL = "redis://127.0.0.1:6379/14"
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
STARTUP_TIMEOUT = 30
MAIL_TIMEOUT = 30
STOP_TIMEOUT = 15
LINK_RE = re.compile(r"(/activation/lien/[^/\s]+/)")
REFUSAL = "Identifiant ou mot de passe provisoire incorrect."
DONE = "Félicitations, votre compte informatique est activé"
ACTIVATED = ("marie.curie", "Essai-Prov-4242")
LOCKED = ("pierre.curie", "Essai-Prov-4343")


def _missing_services() -> list[str]:
    import redis

    postgres = postgres_missing()
    missing = [postgres] if postgres else []
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError:
        missing.append(f"Redis on 127.0.0.1:6379 (start it: {START_REDIS})")
    return missing


def _require_services() -> None:
    missing = _missing_services()
    if missing:
        # A developer without them skips; in CI, conftest.py turns the skip into a failure.
        pytest.skip("needs " + " and ".join(missing))


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3).flushdb()


@dataclass
class Process:
    """A process started in its own session, so that stopping it reaches its children
    (gunicorn's workers)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def start(name: str, args: list[str], *, env: dict[str, str], cwd: Path) -> Process:
    log = cwd / f"{name}.log"
    with log.open("wb") as log_file:
        popen = subprocess.Popen(  # noqa: S603 (our own entry point and arguments)
            [PORTIQUE, *args],
            env=env,
            cwd=cwd,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name=name, popen=popen, log=log)


class Page(Browser):
    """A browser that also reads the page it lands on after a form."""

    def submit_and_read(self, path: str, data: dict[str, str]) -> tuple[str, str]:
        _url, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **data}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=10) as response:
            return str(response.geturl()), response.read().decode()


@dataclass(frozen=True)
class Cluster:
    a: ServedPortal
    b: ServedPortal
    smtp: SmtpServer
    processes: list[Process]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output()[-4000:]}" for p in self.processes)

    def link_mailed_to(self, address: str, *, already: int = 0) -> str:
        """Wait (at most MAIL_TIMEOUT seconds) for mail number `already + 1` to `address`,
        delivered by the worker, and return the path of its link."""
        deadline = time.monotonic() + MAIL_TIMEOUT
        while time.monotonic() < deadline:
            received = self.smtp.received_by(address)
            if len(received) > already:
                found = LINK_RE.search(received[already].text())
                assert found, received[already].text()
                return found.group(1)
            time.sleep(0.2)
        pytest.fail(f"no mail to {address} within {MAIL_TIMEOUT} s\n{self.logs()}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    _require_services()
    root = tmp_path_factory.mktemp("scale-out")
    smtp = SmtpServer()
    smtp.start()
    processes: list[Process] = []
    try:
        with dedicated_database() as database_url:
            flush_redis()
            ports = {"a": free_port(), "b": free_port()}

            def env(folder: str) -> dict[str, str]:
                (root / folder).mkdir(exist_ok=True)
                return portique_env(
                    PORTIQUE_DATABASE_URL=database_url,
                    PORTIQUE_CACHE_URL=REDIS_URL,
                    PORTIQUE_SECRET_KEY="scale-out-" + "s" * 50,
                    # Each process its own folder: whatever they share goes through
                    # PostgreSQL and Redis.
                    PORTIQUE_VAR_DIR=str(root / folder),
                    PORTIQUE_ALLOWED_HOSTS="127.0.0.1",
                    # The load balancer's address; here, instance A's.
                    PORTIQUE_BASE_URL=f"http://127.0.0.1:{ports['a']}",
                    PORTIQUE_EMAIL_URL=smtp.url,
                    PORTIQUE_SSL_REDIRECT="false",
                )

            setup = env("setup")
            portique("migrate", "--no-input", env=setup, cwd=root)
            for login, password in (ACTIVATED, LOCKED):
                portique(
                    "add-person",
                    "--login", login,
                    "--first-name", login.split(".")[0].capitalize(),
                    "--last-name", "Curie",
                    "--category", "staff",
                    "--provisional-password", password,
                    env=setup,
                    cwd=root,
                )  # fmt: skip
            processes.append(start("worker", ["worker"], env=env("worker"), cwd=root / "worker"))
            portals = {}
            for name, port in ports.items():
                serve = [
                    "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                    "--no-worker",
                ]  # fmt: skip
                process = start(name, serve, env=env(name), cwd=root / name)
                processes.append(process)
                portals[name] = ServedPortal(
                    process=process.popen, base_url=f"http://127.0.0.1:{port}", log=process.log
                )
            for portal in portals.values():
                wait_until_serving(portal, timeout=STARTUP_TIMEOUT)
            yield Cluster(a=portals["a"], b=portals["b"], smtp=smtp, processes=processes)
            # The drop needs the database's clients gone: stop them first.
            for process in processes:
                process.stop()
    finally:
        for process in processes:
            process.stop()
        smtp.stop()
        with contextlib.suppress(Exception):  # Redis gone meanwhile: nothing to tidy
            flush_redis()


@pytest.mark.smtp
def test_activation_begun_on_one_instance_ends_on_the_other(cluster: Cluster) -> None:
    login, password = ACTIVATED
    recovery, forwarding = "marie.perso@example.com", "marie.ailleurs@example.org"
    on_a = Page(cluster.a.base_url)
    assert on_a.submit("/activation/identifiant/", {"identifier": login}).endswith(
        "/activation/mot-de-passe-provisoire/"
    )
    assert on_a.submit(
        "/activation/mot-de-passe-provisoire/", {"provisional_password": password}
    ).endswith("/activation/mail-de-secours/")
    assert on_a.submit(
        "/activation/mail-de-secours/",
        {"recovery_email": recovery, "recovery_email_confirmation": recovery},
    ).endswith("/activation/mail-de-secours/envoye/")

    # Another browser (the phone where the mail was read), through the other instance.
    on_b = Page(cluster.b.base_url)
    landed, _page = on_b.get(cluster.link_mailed_to(recovery))
    assert landed.endswith("/activation/lien/"), cluster.logs()
    assert on_b.submit("/activation/lien/", {}).endswith("/activation/charte/")
    assert on_b.submit("/activation/charte/", {"accept": "on"}).endswith("/activation/annuaire/")
    assert on_b.submit("/activation/annuaire/", {"directory_consent": "on"}).endswith(
        "/activation/messagerie/"
    )
    assert on_b.submit(
        "/activation/messagerie/",
        {
            "wants_forwarding": "on",
            "forwarding_address": forwarding,
            "forwarding_address_confirmation": forwarding,
            "keep_copy": "on",
        },
    ).endswith("/activation/messagerie/envoye/")
    on_b.get(cluster.link_mailed_to(forwarding))
    assert on_b.submit("/activation/lien/", {}).endswith("/activation/mot-de-passe/")
    done_url, done_page = on_b.submit_and_read(
        "/activation/mot-de-passe/",
        {
            "new_password": "Velo-rouge-mardi-42",
            "new_password_confirmation": "Velo-rouge-mardi-42",
        },
    )

    assert done_url.endswith("/activation/termine/")
    assert DONE in done_page


@pytest.mark.smtp
def test_failures_counted_on_both_instances_lock_the_account(cluster: Cluster) -> None:
    login, password = LOCKED

    def fail_five_times(base_url: str) -> None:
        browser = Page(base_url)
        browser.submit("/activation/identifiant/", {"identifier": login})
        for _ in range(5):
            _url, page = browser.submit_and_read(
                "/activation/mot-de-passe-provisoire/", {"provisional_password": "Faux-0000"}
            )
            assert REFUSAL in page

    # Ten failures in all, the default PORTIQUE_LOCK_FAILURES: neither instance saw ten.
    fail_five_times(cluster.a.base_url)
    fail_five_times(cluster.b.base_url)
    right = Page(cluster.a.base_url)
    right.submit("/activation/identifiant/", {"identifier": login})
    url, page = right.submit_and_read(
        "/activation/mot-de-passe-provisoire/", {"provisional_password": password}
    )

    assert url.endswith("/activation/mot-de-passe-provisoire/")
    assert REFUSAL in page
