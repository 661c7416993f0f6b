"""Load benchmark of the whole activation against `portique serve --workers 2` (the core
count), first on SQLite, then on PostgreSQL with Redis for the cache, in two phases:

1. Capacity: BENCH_PEOPLE people (default 50) activate their account all at once, each
   sending a form the instant its page arrives. This measures how many activations per
   second the portal completes, and what one costs it in CPU.
2. Arrivals: people arrive as people do, one after another at random (a Poisson process)
   at BENCH_LOAD (default 0.8) of the capacity phase 1 measured, for BENCH_SECONDS (default
   60), each spending BENCH_ARRIVAL_THINK_SECONDS (default 2) on each page on average. This
   measures the latency a person sees when the portal is busy but not overrun.

Each person is a thread that walks the ten steps as a browser does: it GETs each page,
POSTs its form with the CSRF token, keeps its own cookies and its connection (keep-alive),
asks the live checklist of step 9 twice as the password is typed, and follows the two links
the serve process's mail worker delivers to a local SMTP server (aiosmtpd), matched to the
person by recipient. People are created beforehand through Django, in this process, against
the same database. BENCH_WARMUP people (default 4) walk first, not counted: a server in
service has loaded its templates and opened its connections.

Printed, per backend and phase: activations per second; p50/p95/p99 latency of each page;
errors and mails lost (both must be 0); in the same run and on the same machine, the CPU
seconds of one argon2 hash as the portal computes it (passwords/hashers.py, in as many
processes as gunicorn workers), which the goals are judged against, and their hash rate,
beside what the same hash costs argon2-cffi on its own (Django's parameters); the CPU
seconds of an activation in each process, from /proc: the portal's (gunicorn's master and
workers, the mail worker) apart from the load generator's and the SMTP server's (this
process) and PostgreSQL's and Redis's; and what the goals ask of a request beside what the
cheapest requests cost here.

Goals (each printed with met or MISSED):
- the portal's CPU per activation (gunicorn and the mail worker, phase 1) <= 1.25 x the CPU
  of the one hash an activation must make (at step 9);
- with arrivals (phase 2): every page that does not hash p95 <= 25 ms and p99 <= 60 ms;
  step 9's POST p95 <= 2 x one hash; no error and no mail lost in either phase.
BENCH_THINK_SECONDS (default 0) makes each person of phase 1 spend that long on each page;
BENCH_RATE sets phase 2's arrivals a second instead of BENCH_LOAD x capacity.

    .venv/bin/python bench/load_activation.py             # both backends
    .venv/bin/python bench/load_activation.py sqlite      # one of them (or: postgres)

PostgreSQL (postgres@127.0.0.1:5432) and Redis (127.0.0.1:6379, database 13, flushed) are
used when they answer; otherwise that half is skipped, saying so. The benchmark makes its own
database there (portique_bench_<random>) and drops it.
"""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "50"))
# Phase 2: arrivals at this fraction of the measured capacity, for this many seconds.
LOAD = float(os.environ.get("BENCH_LOAD", "0.8"))
ARRIVAL_SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
# Or at this many arrivals a second whatever the capacity: two changes compared at one rate
# (the capacity, and with it BENCH_LOAD's rate, varies by some 10 % from run to run).
RATE = float(os.environ.get("BENCH_RATE", "0"))
ARRIVAL_THINK_SECONDS = float(os.environ.get("BENCH_ARRIVAL_THINK_SECONDS", "2"))
# Seconds a person spends on a page before sending its form (reading, typing), on average:
# each pause is drawn between half and one and a half times it, so that people drift apart
# as they do. 0, the default, sends each form at once: the heaviest load, every person
# always waiting for the server.
THINK_SECONDS = float(os.environ.get("BENCH_THINK_SECONDS", "0"))
WORKERS = 2
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"
NEW_PASSWORD = "Velo-rouge-mardi-42"  # noqa: S105 (the bench people's, not a secret)
REQUEST_TIMEOUT = 120.0
# A browser's connection is kept from page to page; gunicorn closes one idle for 2 s.
KEEPALIVE_SECONDS = 1.5
RUN_TIMEOUT = 900.0
MAIL_TIMEOUT = 120.0
HASHED_PAGE = "POST mot-de-passe/"
GOAL_CPU_RATIO = 1.25
GOAL_P95_MS = 25.0
GOAL_P99_MS = 60.0
GOAL_HASHED_P95_HASHES = 2.0
PORTIQUE = str(Path(sys.executable).with_name("portique"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "4"))
# The cheapest requests there are: gunicorn and Portique's middleware with a view that does
# nothing (/healthz), and the first page of the flow (a template and a form, no database).
FLOOR_PATHS = ("/healthz", "/activation/identifiant/")
LINK_RE = re.compile(r"https?://[^/\s]+(/activation/lien/[^/\s]+/)")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# -- raw argon2 -----------------------------------------------------------------------------


def _hash_many(count: int, portal: bool) -> tuple[int, float]:
    """Hash `count` times as the portal does (passwords/hashers.py: in its hashing thread, in
    the block memory that thread keeps), or, with `portal` false, as argon2-cffi does on its
    own with the same parameters (Django's Argon2PasswordHasher); return the CPU seconds."""
    if portal:
        from portique.passwords.hashers import Argon2PasswordHasher
    else:
        from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    started = time.process_time()
    for _ in range(count):
        hasher.encode(NEW_PASSWORD, hasher.salt())
    return count, time.process_time() - started


def argon2_rate(processes: int, portal: bool, per_process: int = 6) -> tuple[float, float]:
    """Hashes per second of `processes` processes hashing side by side, as the gunicorn
    workers would if they did nothing else, and the CPU seconds of one hash (see
    _hash_many)."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.starmap(_hash_many, [(1, portal)] * processes)  # imports, first allocation
        started = time.perf_counter()
        results = pool.starmap(_hash_many, [(per_process, portal)] * processes)
        seconds = time.perf_counter() - started
    done = sum(count for count, _cpu in results)
    return done / seconds, sum(cpu for _count, cpu in results) / done


def session_cpu_seconds(leader: int) -> tuple[float, float]:
    """CPU seconds used so far by the processes of the session `leader` started (portique
    serve): gunicorn and its workers, and the mail worker; from /proc (Linux)."""
    web = mail = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            if int(fields[3]) != leader:  # the session id
                continue
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            if b"worker" in (entry / "cmdline").read_bytes().split(b"\0")[2:4]:
                mail += ticks
            else:
                web += ticks
    return web / os.sysconf("SC_CLK_TCK"), mail / os.sysconf("SC_CLK_TCK")


def services_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL and Redis servers of this machine (all
    their processes: the benchmark is assumed alone on them), from /proc (Linux)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command, _, rest = (entry / "stat").read_text().partition(") ")
            if command.rpartition("(")[2] in ("postgres", "redis-server"):
                fields = rest.split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def request_floor(port: int, leader: int, path: str, count: int = 500) -> float:
    """CPU seconds gunicorn spends on one GET of `path`, sent `count` times in a row on one
    kept connection, with no cookie: the least a request of that kind can cost here."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        before, _mail = session_cpu_seconds(leader)
        for _ in range(count):
            connection.request("GET", path, headers={"Host": f"{HOST}:{port}"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise StepFailed(f"GET {path}: {response.status}")
        after, _mail = session_cpu_seconds(leader)
    finally:
        connection.close()
    return (after - before) / count


# -- the mail server --------------------------------------------------------------------------


class Mailbox:
    """Every mail the SMTP server accepts, by recipient; a person waits for theirs."""

    def __init__(self) -> None:
        self.by_recipient: dict[str, list[str]] = defaultdict(list)
        self.received = 0
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        import email.policy

        content = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        with self._changed:
            for recipient in envelope.rcpt_tos:
                self.by_recipient[recipient].append(text)
            self.received += 1
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for_link(self, recipient: str, *, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for text in self.by_recipient.get(recipient, []):
                    found = LINK_RE.search(text)
                    if found:
                        return found.group(1)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no link mailed to {recipient} within {timeout} s")
                self._changed.wait(left)

    def wait_for_count(self, count: int, *, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.received < count and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return self.received


# -- one person's browser ---------------------------------------------------------------------


class StepFailed(Exception):
    pass


@dataclass
class Browser:
    """One person's browser: its own cookies, each request timed under its page's name."""

    port: int
    number: int = 0
    # Seconds spent on each page before sending its form, on average.
    think: float = THINK_SECONDS
    timings: list[tuple[str, float]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pauses = random.Random(self.number)
        self._connection: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, name: str = ""
    ) -> tuple[int, str, str]:
        """Send one request (no redirect followed); return status, Location and body.

        Like a browser, the person keeps one connection open from page to page (HTTP/1.1
        keep-alive), and opens a new one when it has been idle longer than the server keeps
        it (gunicorn: 2 s), or when the server closed it before answering."""
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        response, content = self._send(method, path, body, headers)
        self.timings.append((f"{method} {name or page_name(path)}", time.perf_counter() - started))
        for header in response.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = header.partition(";")
            cookie, _, value = pair.partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(cookie.strip(), None)
            else:
                self.cookies[cookie.strip()] = value.strip().strip('"')
        return response.status, response.headers.get("Location", ""), content

    def _send(
        self, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, str]:
        idle = time.monotonic() - self._last_used
        if self._connection is not None and idle > KEEPALIVE_SECONDS:
            self._connection.close()
            self._connection = None
        reused = self._connection is not None
        if self._connection is None:
            self._connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
            content = response.read().decode()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self._connection.close()
            self._connection = None
            if not reused:
                raise
            # The server closed the kept connection before reading the request: browsers
            # send it again on a new one, and so does this one.
            return self._send(method, path, body, headers)
        if response.will_close:
            self._connection.close()
            self._connection = None
        self._last_used = time.monotonic()
        return response, content

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def page(self, path: str) -> str:
        status, _location, content = self.request("GET", path)
        if status != 200:
            raise StepFailed(f"GET {path}: {status}")
        return content

    def submit(
        self,
        path: str,
        data: dict[str, str],
        *,
        expect: str,
        typing: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """What a browser does for a form: show the page, post it with its CSRF token,
        follow to the next page (timed on its own, as that page's GET)."""
        token = CSRF_RE.search(self.page(path))
        if token is None:
            raise StepFailed(f"no CSRF token on {path}")
        if self.think:
            time.sleep(self.think * self.pauses.uniform(0.5, 1.5))
        for checklist, typed in typing:
            self.checklist(checklist, typed, token.group(1))
        status, location, _ = self.request(
            "POST", path, {"csrfmiddlewaretoken": token.group(1), **data}
        )
        if status != 302 or location != expect:
            raise StepFailed(f"POST {path}: {status} to {location!r}, not {expect!r}")

    def checklist(self, path: str, password: str, token: str) -> None:
        """The live checklist of step 9, as password.js asks it while the person types."""
        status, _location, _ = self.request(
            "POST", path, {"csrfmiddlewaretoken": token, "password": password}
        )
        if status != 200:
            raise StepFailed(f"POST {path}: {status}")


def page_name(path: str) -> str:
    name = path.removeprefix("/activation/")
    return "lien/<token>/" if re.fullmatch(r"lien/[^/]+/", name) else name


def activate(browser: Browser, mailbox: Mailbox, number: int) -> None:
    """Steps 1 to 10 for bench person `number`, as a browser walks them."""
    recovery = f"bench{number:05}.perso@example.com"
    forwarding = f"bench{number:05}.ailleurs@example.org"
    a = "/activation/"
    browser.submit(
        a + "identifiant/",
        {"identifier": f"bench.{number:05}"},
        expect=a + "mot-de-passe-provisoire/",
    )
    browser.submit(
        a + "mot-de-passe-provisoire/",
        {"provisional_password": provisional_password(number)},
        expect=a + "mail-de-secours/",
    )
    browser.submit(
        a + "mail-de-secours/",
        {"recovery_email": recovery, "recovery_email_confirmation": recovery},
        expect=a + "mail-de-secours/envoye/",
    )
    browser.page(a + "mail-de-secours/envoye/")
    follow_link(browser, mailbox.wait_for_link(recovery, timeout=MAIL_TIMEOUT), a + "charte/")
    browser.submit(a + "charte/", {"accept": "on"}, expect=a + "annuaire/")
    browser.submit(a + "annuaire/", {"directory_consent": "on"}, expect=a + "messagerie/")
    browser.submit(
        a + "messagerie/",
        {
            "wants_forwarding": "on",
            "forwarding_address": forwarding,
            "forwarding_address_confirmation": forwarding,
            "keep_copy": "on",
        },
        expect=a + "messagerie/envoye/",
    )
    browser.page(a + "messagerie/envoye/")
    link = mailbox.wait_for_link(forwarding, timeout=MAIL_TIMEOUT)
    follow_link(browser, link, a + "mot-de-passe/")
    browser.submit(
        a + "mot-de-passe/",
        {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD},
        expect=a + "termine/",
        # password.js asks the live checklist as the person types, after a pause.
        typing=(
            (a + "mot-de-passe/regles/", NEW_PASSWORD[:8]),
            (a + "mot-de-passe/regles/", NEW_PASSWORD),
        ),
    )
    if "Félicitations, votre compte informatique est activé" not in browser.page(a + "termine/"):
        raise StepFailed("the last page does not say the account is activated")


def follow_link(browser: Browser, link: str, expect: str) -> None:
    status, location, _ = browser.request("GET", link)
    if status != 302 or location != "/activation/lien/":
        raise StepFailed(f"GET link: {status} to {location!r}")
    browser.submit("/activation/lien/", {}, expect=expect)


def provisional_password(number: int) -> str:
    return f"Bench-Prov-{number:05}"


# -- one backend ------------------------------------------------------------------------------


@dataclass
class Outcome:
    seconds: float = 0.0
    activated: int = 0
    web_cpu: float = 0.0
    mail_cpu: float = 0.0
    client_cpu: float = 0.0
    services_cpu: float = 0.0
    errors: list[str] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class Walkers:
    """The people walking the activation in one phase, and what they saw."""

    def __init__(self, port: int, mailbox: Mailbox, think: float) -> None:
        self.port, self.mailbox, self.think = port, mailbox, think
        self.outcome = Outcome()
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self, number: int, ready: threading.Barrier | None = None) -> None:
        thread = threading.Thread(target=self._walk, args=(number, ready), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _walk(self, number: int, ready: threading.Barrier | None) -> None:
        browser = Browser(self.port, number, think=self.think)
        if ready is not None:
            ready.wait()
        try:
            activate(browser, self.mailbox, number)
            ok, error = True, ""
        except Exception as failure:  # every failure is counted and shown, none stops the run
            ok, error = False, f"person {number}: {type(failure).__name__}: {failure}"
        finally:
            browser.close()
        with self._lock:
            self.outcome.activated += ok
            if error:
                self.outcome.errors.append(error)
            for name, seconds in browser.timings:
                self.outcome.timings[name].append(seconds)

    def join(self, started: float) -> Outcome:
        deadline = time.monotonic() + RUN_TIMEOUT
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.outcome.seconds = time.perf_counter() - started
        stuck = sum(thread.is_alive() for thread in self.threads)
        if stuck:
            self.outcome.errors.append(f"{stuck} people still walking after {RUN_TIMEOUT:.0f} s")
        return self.outcome


def run_people(port: int, mailbox: Mailbox, people: range) -> Outcome:
    """The bench people numbered `people` walk the activation, all starting at once."""
    walkers = Walkers(port, mailbox, THINK_SECONDS)
    ready = threading.Barrier(len(people) + 1)
    for number in people:
        walkers.start(number, ready)
    ready.wait()
    return walkers.join(time.perf_counter())


def run_arrivals(port: int, mailbox: Mailbox, people: range, rate: float) -> Outcome:
    """The bench people numbered `people` arrive one after another, at `rate` a second on
    average (exponential gaps: a Poisson process, seeded so that runs compare), for
    ARRIVAL_SECONDS, and walk the activation as people do. The arrivals do not wait for
    the portal: a slow page delays no one else's arrival (an open loop)."""
    walkers = Walkers(port, mailbox, ARRIVAL_THINK_SECONDS)
    gaps = random.Random(20)
    started = time.perf_counter()
    arrival = 0.0
    for number in people:
        arrival += gaps.expovariate(rate)
        if arrival > ARRIVAL_SECONDS:
            break
        time.sleep(max(0.0, started + arrival - time.perf_counter()))
        walkers.start(number)
    return walkers.join(started)


def arrivals_needed(rate: float) -> int:
    """How many people to create for phase 2, with room for the draw's luck."""
    expected = rate * ARRIVAL_SECONDS
    return int(expected + 5 * expected**0.5 + 10)


def create_people(people: range) -> None:
    from django.db import connections

    from portique.accounts.services import person_create

    for number in people:
        person_create(
            login=f"bench.{number:05}",
            first_name="Camille",
            last_name="Martin",
            category="staff",
            provisional_password=provisional_password(number),
            actor="bench",
        )
    # The serve process writes to the same database from now on.
    connections.close_all()


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"portique serve exited:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/activation/identifiant/")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"portique serve did not answer in 60 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def print_pages(outcome: Outcome) -> None:
    print(f"  {'page':<34}{'count':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    order = {name: index for index, name in enumerate(outcome.timings)}
    for name in sorted(outcome.timings, key=lambda n: (n.split(" ", 1)[1], order[n])):
        values = outcome.timings[name]
        print(
            f"  {name:<34}{len(values):>6}{percentile(values, 0.5) * 1000:>9.1f}"
            f"{percentile(values, 0.95) * 1000:>9.1f}{percentile(values, 0.99) * 1000:>9.1f}"
        )


def print_phase(title: str, outcome: Outcome, mails: tuple[int, int]) -> bool:
    """Print one phase's pages, activations, errors and lost mails; True when it had neither
    an error nor a lost mail."""
    expected, received = mails
    rate = outcome.activated / outcome.seconds if outcome.seconds else 0.0
    print(title)
    print_pages(outcome)
    print(f"  activated {outcome.activated} in {outcome.seconds:.1f} s: {rate:.2f} a second")
    if outcome.activated:
        web, mail, client, services = (
            cpu / outcome.activated
            for cpu in (outcome.web_cpu, outcome.mail_cpu, outcome.client_cpu, outcome.services_cpu)
        )
        print(
            f"  CPU per activation: portal {web + mail:.3f} s (gunicorn {web:.3f} s, mail worker "
            f"{mail:.3f} s); load generator and SMTP server {client:.3f} s; PostgreSQL and "
            f"Redis {services:.3f} s"
        )
    for error in outcome.errors[:10]:
        print(f"  ! {error}")
    print(f"  errors: {len(outcome.errors)}")
    print(f"  mails lost: {expected - received} (received {received} of {expected})")
    return not outcome.errors and expected == received


def judge(goal: str, value: float, limit: float, unit: str) -> bool:
    met = value <= limit
    print(
        f"  {goal:<58} {value:9.3f}{unit} (goal <= {limit:.3f}{unit}) {'met' if met else 'MISSED'}"
    )
    return met


def goals(capacity: Outcome, arrivals: Outcome, hash_cpu: float, clean: bool) -> bool:
    """Print each goal with met or MISSED; True when all are met."""
    print("goals:")
    portal = (capacity.web_cpu + capacity.mail_cpu) / max(capacity.activated, 1)
    ok = judge(
        f"portal CPU per activation (1 hash = {hash_cpu:.3f} s)",
        portal,
        GOAL_CPU_RATIO * hash_cpu,
        " s",
    )
    light = {name: values for name, values in arrivals.timings.items() if name != HASHED_PAGE}
    for fraction, limit in ((0.95, GOAL_P95_MS), (0.99, GOAL_P99_MS)):
        worst = max(light, key=lambda name: percentile(light[name], fraction), default="")
        value = percentile(light[worst], fraction) * 1000 if worst else float("inf")
        label = f"p{fraction * 100:.0f}, slowest page that does not hash ({worst})"
        ok &= judge(label, value, limit, " ms")
    hashed = arrivals.timings.get(HASHED_PAGE, [])
    value = percentile(hashed, 0.95) if hashed else float("inf")
    ok &= judge(f"p95 of {HASHED_PAGE} (step 9)", value, GOAL_HASHED_P95_HASHES * hash_cpu, " s")
    print(f"  {'no error and no mail lost':<58} {'met' if clean else 'MISSED':>9}")
    return ok and clean


def explain(outcome: Outcome, hash_cpu: float, floors: dict[str, float]) -> None:
    """What the CPU goal asks of each request, beside what a request costs on this machine."""
    if not outcome.activated:
        return
    requests = sum(len(values) for values in outcome.timings.values()) / outcome.activated
    portal = (outcome.web_cpu + outcome.mail_cpu) / outcome.activated
    pages = (outcome.web_cpu / outcome.activated - hash_cpu) / (requests - 1)
    # Everything the portal does for an activation beside its hash must fit in this.
    budget = (GOAL_CPU_RATIO - 1) * hash_cpu
    bare, cheapest = (floors[path] for path in FLOOR_PATHS)
    print("what the CPU goal asks, against what requests cost here:")
    print(
        f"  an activation: {requests:.0f} requests, 3 mails; the portal spends "
        f"{portal * 1000:.0f} ms, {(portal - hash_cpu) * 1000:.0f} ms of it beside the hash"
    )
    print(
        f"  goal: at most {budget * 1000:.0f} ms beside the hash, "
        f"{budget / requests * 1000:.2f} ms a request, mails included"
    )
    print(
        f"  here: a request doing nothing (GET {FLOOR_PATHS[0]}) {bare * 1000:.2f} ms, "
        f"the flow's cheapest page (GET {FLOOR_PATHS[1]}) {cheapest * 1000:.2f} ms, "
        f"the flow's pages {pages * 1000:.2f} ms on average"
    )


def measured(
    leader: int, mailbox: Mailbox, mailed: int, phase: Callable[[], Outcome]
) -> tuple[Outcome, tuple[int, int]]:
    """Run `phase` and wait for its mails; return its outcome, with the CPU each process
    spent meanwhile, and the mails (expected, received) it sent."""
    (web, mail), client = session_cpu_seconds(leader), time.process_time()
    services = services_cpu_seconds()
    outcome = phase()
    expected = 3 * outcome.activated
    received = mailbox.wait_for_count(mailed + expected, timeout=60) - mailed
    web_after, mail_after = session_cpu_seconds(leader)
    outcome.web_cpu, outcome.mail_cpu = web_after - web, mail_after - mail
    outcome.client_cpu = time.process_time() - client
    outcome.services_cpu = services_cpu_seconds() - services
    return outcome, (expected, received)


def run_backend(backend: str) -> int:
    """Run the load against one backend, in this process (see main)."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"portique-bench-{backend}-"))
    smtp_port, web_port = free_port(), free_port()
    database = f"portique_bench_{secrets.token_hex(4)}"
    # Forced, not defaulted: the benchmark fills a database and sends mails, and must never
    # be pointed at real ones by the caller's environment.
    environment = {
        "DJANGO_SETTINGS_MODULE": "portique.settings",
        "PORTIQUE_VAR_DIR": str(var_dir),
        "PORTIQUE_SECRET_KEY": "bench-" + "b" * 50,
        "PORTIQUE_ALLOWED_HOSTS": HOST,
        "PORTIQUE_BASE_URL": f"http://{HOST}:{web_port}",
        "PORTIQUE_SSL_REDIRECT": "false",
        "PORTIQUE_EMAIL_URL": f"smtp://{HOST}:{smtp_port}",
        "PORTIQUE_LOG_LEVEL": "WARNING",
        # The bench people's addresses are made up: the portal alone is measured, not DNS.
        "PORTIQUE_EMAIL_DNS_CHECK": "false",
    }
    if backend == "sqlite":
        environment["PORTIQUE_DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
        environment["PORTIQUE_CACHE_URL"] = ""
    else:
        import psycopg
        import redis

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
        environment["PORTIQUE_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        environment["PORTIQUE_CACHE_URL"] = REDIS_URL
    os.environ.update(environment)
    serve = None
    try:
        import django
        from aiosmtpd.controller import Controller

        django.setup()
        import logging

        from django.core.management import call_command

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        call_command("migrate", verbosity=0)
        create_people(range(PEOPLE + WARMUP))
        mailbox = Mailbox()
        controller = Controller(
            mailbox, hostname=HOST, port=smtp_port, server_hostname="smtp.bench.test"
        )
        controller.start()
        log = var_dir / "serve.log"
        with log.open("wb") as log_file:
            serve = subprocess.Popen(  # noqa: S603 (our own entry point and arguments)
                [PORTIQUE, "serve", "--host", HOST, "--port", str(web_port),
                 "--workers", str(WORKERS)],
                env=os.environ.copy(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            wait_until_serving(serve, web_port, log)
            # A server in service is warm: its workers have loaded their templates and
            # opened their database connections. A few people walk first, not counted.
            warm = run_people(web_port, mailbox, range(PEOPLE, PEOPLE + WARMUP))
            if warm.errors:
                raise RuntimeError(f"the warm-up failed: {warm.errors[:3]}")
            # Three mails a person: the two links, and the notice of the activation.
            mailed = mailbox.wait_for_count(3 * warm.activated, timeout=MAIL_TIMEOUT)
            floors = {path: request_floor(web_port, serve.pid, path) for path in FLOOR_PATHS}
            hash_rate, hash_cpu = argon2_rate(WORKERS, portal=True)
            _rate, library_hash_cpu = argon2_rate(WORKERS, portal=False)
            capacity, mails = measured(
                serve.pid, mailbox, mailed, lambda: run_people(web_port, mailbox, range(PEOPLE))
            )
            rate = RATE or LOAD * capacity.activated / capacity.seconds
            first = PEOPLE + WARMUP
            people = range(first, first + arrivals_needed(rate))
            create_people(people)
            arrivals, arrival_mails = measured(
                serve.pid,
                mailbox,
                mailbox.received,
                lambda: run_arrivals(web_port, mailbox, people, rate),
            )
        finally:
            stop(serve)
            controller.stop()
        print(f"{backend}: portique serve --workers {WORKERS}")
        print(
            f"  one argon2 hash, as the portal computes it: {hash_cpu:.3f} CPU s "
            f"(as argon2-cffi does on its own: {library_hash_cpu:.3f} s); "
            f"{WORKERS} processes: {hash_rate:.2f}/s"
        )
        think = f", {THINK_SECONDS:g} s on each page" if THINK_SECONDS else ", no pause"
        clean = print_phase(f"phase 1, capacity: {PEOPLE} people at once{think}", capacity, mails)
        clean &= print_phase(
            f"phase 2, arrivals: {rate:.2f} a second "
            f"({'BENCH_RATE' if RATE else f'{LOAD:g} x capacity'}) for "
            f"{ARRIVAL_SECONDS:g} s, {ARRIVAL_THINK_SECONDS:g} s on each page",
            arrivals,
            arrival_mails,
        )
        met = goals(capacity, arrivals, hash_cpu, clean)
        explain(capacity, hash_cpu, floors)
        return 0 if met else 1
    finally:
        if backend == "postgres":
            from django.db import connections

            connections.close_all()
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)


def services_missing() -> str:
    try:
        import psycopg
        import redis
    except ImportError as error:
        return str(error)
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return "PostgreSQL does not answer on 127.0.0.1:5432"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError:
        return "Redis does not answer on 127.0.0.1:6379"
    return ""


def main(argv: list[str]) -> int:
    backends = argv or ["sqlite", "postgres"]
    status = 0
    for backend in backends:
        if backend not in ("sqlite", "postgres"):
            raise SystemExit(f"unknown backend {backend!r}: sqlite or postgres")
        if backend == "postgres" and (missing := services_missing()):
            print(f"postgres: skipped, {missing}")
            continue
        # Each backend in a process of its own: Django's settings are read once.
        status |= subprocess.call(  # noqa: S603 (this script, run again)
            [sys.executable, __file__, "--run", backend]
        )
    return status


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        sys.exit(run_backend(sys.argv[2]))
    sys.exit(main(sys.argv[1:]))
