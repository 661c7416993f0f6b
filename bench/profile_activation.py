"""Where an activation's CPU goes, page by page: BENCH_PEOPLE people (default 20) walk the ten
steps in this process through Portique's WSGI application, as gunicorn calls it (the whole
middleware stack; only the HTTP parsing is left out), each request under cProfile, then the
mail worker delivers their mails.

Every figure is CPU time of the thread that serves the request (time.thread_time), like the
profiler's clock: the password hash, which runs in the process's hashing thread
(passwords/hashers.py), is not in step 9's figure but printed apart, and time spent waiting
(for the database server, say) counts for nothing. Django's test client is not used: it
copies every template's context for its assertions, which would inflate the templates' share.

Printed, per page: requests, CPU milliseconds per request (measured apart, without the
profiler), database queries per request, and shares of the profiled CPU: outside the view
(the middleware and Django's handler, the session's loading and saving included) and in the
view; and, wherever they run, in the session (loading and saving it), SQL (the database
driver), template rendering: those three overlap the first two and each other (the session's
SQL is counted in both). Then the same for a whole activation, the hash, and the mail
worker's CPU. Shares, not seconds, compare from one machine to another: the profiler slows
Python code more than C code, so its seconds are only read as shares.

    .venv/bin/python bench/profile_activation.py             # SQLite
    .venv/bin/python bench/profile_activation.py postgres    # PostgreSQL and Redis
    BENCH_TOP_OF="POST mail-de-secours/" .venv/bin/python bench/profile_activation.py
                                            # and that page's 40 costliest functions
    BENCH_TOP_OF="*" .venv/bin/python bench/profile_activation.py   # the activation's

With `postgres`, the bench makes its own database on postgres@127.0.0.1:5432
(portique_profile_<random>) and drops it, and uses Redis database 13 (flushed) as the cache.
"""

import cProfile
import io
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BACKEND = (sys.argv[1:] or ["sqlite"])[0]
if BACKEND not in ("sqlite", "postgres"):
    raise SystemExit(f"unknown backend {BACKEND!r}: sqlite or postgres")
VAR_DIR = Path(tempfile.mkdtemp(prefix="portique-profile-"))
DATABASE = f"portique_profile_{secrets.token_hex(4)}"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"
HOST = "portail.example.org"
os.environ.update(
    DJANGO_SETTINGS_MODULE="portique.settings",
    PORTIQUE_VAR_DIR=str(VAR_DIR),
    PORTIQUE_SECRET_KEY="profile-" + secrets.token_urlsafe(40),
    PORTIQUE_ALLOWED_HOSTS=HOST,
    PORTIQUE_BASE_URL=f"https://{HOST}",
    PORTIQUE_SSL_REDIRECT="false",
    PORTIQUE_SECURE_COOKIES="false",
    PORTIQUE_DATABASE_URL=(
        f"sqlite:///{VAR_DIR / 'profile.sqlite3'}"
        if BACKEND == "sqlite"
        else f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    ),
    PORTIQUE_CACHE_URL="" if BACKEND == "sqlite" else REDIS_URL,
    PORTIQUE_LOG_LEVEL="WARNING",
    # The bench people's addresses are made up: the portal alone is profiled, not DNS.
    PORTIQUE_EMAIL_DNS_CHECK="false",
)
os.environ.pop("PORTIQUE_EMAIL_URL", None)

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "20"))
# A page's name as printed ("POST mail-de-secours/"), or "*" for the whole activation: its
# costliest functions are printed too.
TOP_OF = os.environ.get("BENCH_TOP_OF", "")
NEW_PASSWORD = "Velo-rouge-mardi-42"  # noqa: S105 (the bench people's, not a secret)
LINK_RE = re.compile(rf"https://{re.escape(HOST)}(/activation/lien/[^/\s]+/)")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
A = "/activation/"

# What each share is made of: (file name ending, function name) whose cumulative time
# cProfile reports; each counted once per request, however deep the calls nest.
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "session": (
        ("django/contrib/sessions/backends/base.py", "_get_session"),
        ("django/contrib/sessions/middleware.py", "process_response"),
    ),
    "SQL": (("django/db/backends/utils.py", "_execute"),),
    "templates": (("django/template/backends/django.py", "render"),),
}


@dataclass
class Page:
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    stats: pstats.Stats | None = None


@dataclass
class Profiler:
    """Every request of the walk, timed and profiled under its page's name."""

    pages: dict[str, Page] = field(default_factory=lambda: defaultdict(Page))
    view_codes: dict[str, set[tuple[str, int, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    hash_cpu: list[float] = field(default_factory=list)
    profiling: bool = False

    @contextmanager
    def measure(self, name: str, path: str) -> Iterator[None]:
        """Time the request inside, or profile it when profiling; count its queries."""
        from django.db import connection
        from django.urls import resolve

        code = resolve(path).func.__code__
        self.view_codes[name].add((code.co_filename, code.co_firstlineno, code.co_name))
        queries = [0]

        def count(execute: Callable[..., Any], *args: Any) -> Any:
            queries[0] += 1
            return execute(*args)

        page = self.pages[name]
        with connection.execute_wrapper(count):
            if not self.profiling:
                started, started_process = time.thread_time(), time.process_time()
                yield
                spent = time.thread_time() - started
                page.cpu.append(spent)
                page.queries.append(queries[0])
                # Another thread's CPU meanwhile: the hash, in the hashing thread.
                if name == "POST mot-de-passe/":
                    self.hash_cpu.append(time.process_time() - started_process - spent)
                return
            # cProfile makes Python code slower than C code: its seconds are only read as
            # shares. Its clock is the thread's CPU, as the figures measured apart.
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            yield
            profile.disable()
        if page.stats is None:
            page.stats = pstats.Stats(profile)
        else:
            page.stats.add(profile)


class Browser:
    """One person's browser, calling the WSGI application as gunicorn does: its cookies
    kept, each request measured under its page's name."""

    def __init__(self, application: Any, profiler: Profiler) -> None:
        self.application, self.profiler = application, profiler
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """Send one request (no redirect followed); return status, Location and body."""
        body = urlencode(form).encode() if form is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.8",
            "HTTP_USER_AGENT": "Mozilla/5.0 (profile)",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if form is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer.update(status=int(status[:3]), headers=headers)

        with self.profiler.measure(f"{method} {page_name(path)}", path):
            response = self.application(environ, start_response)
            content = b"".join(response)
            response.close()
        location = ""
        for header, value in answer["headers"]:
            if header == "Set-Cookie":
                pair, _, attributes = value.partition(";")
                cookie, _, cookie_value = pair.partition("=")
                if "max-age=0" in attributes.lower().replace(" ", ""):
                    self.cookies.pop(cookie, None)
                else:
                    self.cookies[cookie] = cookie_value.strip('"')
            elif header == "Location":
                location = value
        return answer["status"], location, content.decode()

    def page(self, path: str) -> str:
        status, _location, content = self.request("GET", path)
        assert status == 200, (path, status)
        return content

    def submit(self, path: str, expect: str, **data: str) -> str:
        """Show the page, post its form with its CSRF token; return the token."""
        token = CSRF_RE.search(self.page(path))
        assert token is not None, f"no CSRF token on {path}"
        status, location, _ = self.request(
            "POST", path, {"csrfmiddlewaretoken": token.group(1), **data}
        )
        assert status == 302 and location == expect, (path, status, location)
        return token.group(1)


def page_name(path: str) -> str:
    name = path.removeprefix(A)
    return "lien/<token>/" if re.fullmatch(r"lien/[^/]+/", name) else name


def cumulative(stats: pstats.Stats, wanted: tuple[tuple[str, str], ...]) -> float:
    total = 0.0
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if any(filename.endswith(end) and function == name for end, name in wanted):
            total += row[3]  # cumulative time
    return total


def shares(stats: pstats.Stats, view_codes: set[tuple[str, int, str]]) -> dict[str, float]:
    """The profiled time of a page split into its parts, as fractions of the whole."""
    whole = stats.total_tt  # type: ignore[attr-defined]
    parts = {part: cumulative(stats, wanted) for part, wanted in PARTS.items()}
    view = sum(
        row[3]
        for key, row in stats.stats.items()  # type: ignore[attr-defined]
        if key in view_codes
    )
    parts["outside the view"] = max(0.0, whole - view)
    parts["view"] = view
    return {part: seconds / whole for part, seconds in parts.items()} if whole else {}


def walk(application: Any, profiler: Profiler, number: int) -> None:
    from django.core import mail

    browser = Browser(application, profiler)

    def follow(to: str, expect: str) -> None:
        deliver()
        (link,) = [
            found.group(1)
            for message in mail.outbox
            if to in message.to and (found := LINK_RE.search(str(message.body)))
        ][-1:]
        status, location, _ = browser.request("GET", link)
        assert status == 302 and location == A + "lien/", (status, location)
        browser.submit(A + "lien/", expect)

    recovery = f"profile{number:04}.perso@example.com"
    forwarding = f"profile{number:04}.ailleurs@example.org"
    browser.submit(A + "identifiant/", A + "mot-de-passe-provisoire/", identifier=login(number))
    browser.submit(
        A + "mot-de-passe-provisoire/",
        A + "mail-de-secours/",
        provisional_password=provisional(number),
    )
    browser.submit(
        A + "mail-de-secours/",
        A + "mail-de-secours/envoye/",
        recovery_email=recovery,
        recovery_email_confirmation=recovery,
    )
    browser.page(A + "mail-de-secours/envoye/")
    follow(recovery, A + "charte/")
    browser.submit(A + "charte/", A + "annuaire/", accept="on")
    browser.submit(A + "annuaire/", A + "messagerie/", directory_consent="on")
    browser.submit(
        A + "messagerie/",
        A + "messagerie/envoye/",
        wants_forwarding="on",
        forwarding_address=forwarding,
        forwarding_address_confirmation=forwarding,
        keep_copy="on",
    )
    browser.page(A + "messagerie/envoye/")
    follow(forwarding, A + "mot-de-passe/")
    token = CSRF_RE.search(browser.page(A + "mot-de-passe/"))
    assert token is not None
    # password.js asks the live checklist as the person types, after a pause.
    for typed in (NEW_PASSWORD[:8], NEW_PASSWORD):
        status, _, _ = browser.request(
            "POST",
            A + "mot-de-passe/regles/",
            {"csrfmiddlewaretoken": token.group(1), "password": typed},
        )
        assert status == 200, status
    status, location, _ = browser.request(
        "POST",
        A + "mot-de-passe/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        },
    )
    assert location == A + "termine/", (status, location)
    browser.page(A + "termine/")
    deliver()  # the activation's notice


mail_cpu = [0.0]


def deliver() -> None:
    from django.core.management import call_command

    started = time.thread_time()
    call_command("worker", batch=True, verbosity=0)
    mail_cpu[0] += time.thread_time() - started


def login(number: int) -> str:
    return f"profile.{number:04}"


def provisional(number: int) -> str:
    return f"Profile-Prov-{number:04}"


def report(profiler: Profiler) -> None:
    columns = ["outside the view", "view", "session", "SQL", "templates"]
    header = "".join(f"{column:>17}" for column in columns)
    print(f"{'page':<32}{'count':>6}{'CPU ms':>8}{'queries':>8}{header}")
    whole: dict[str, float] = defaultdict(float)
    requests = cpu = queries = 0.0
    for name in sorted(profiler.pages, key=lambda n: (n.split(" ", 1)[1], n)):
        page = profiler.pages[name]
        if page.stats is None or not page.cpu:
            continue
        mean = sum(page.cpu) / len(page.cpu)
        mean_queries = sum(page.queries) / len(page.queries)
        split = shares(page.stats, profiler.view_codes[name])
        per_activation = len(page.cpu) / PEOPLE
        requests += per_activation
        cpu += mean * per_activation
        queries += mean_queries * per_activation
        for part, share in split.items():
            whole[part] += share * mean * per_activation
        cells = "".join(f"{split.get(column, 0) * 100:>16.0f}%" for column in columns)
        print(f"{name:<32}{len(page.cpu):>6}{mean * 1000:>8.2f}{mean_queries:>8.1f}{cells}")
    cells = "".join(f"{whole[column] / cpu * 100:>16.0f}%" for column in columns)
    print(f"{'an activation':<32}{requests:>6.0f}{cpu * 1000:>8.1f}{queries:>8.0f}{cells}")
    hashed = sum(profiler.hash_cpu) / max(len(profiler.hash_cpu), 1)
    print(f"the password hash, in the hashing thread: {hashed * 1000:.1f} ms of CPU")
    print(
        f"the mail worker: {mail_cpu[0] / (2 * PEOPLE) * 1000:.1f} ms of CPU per activation "
        "(its three mails: the two links and the activation's notice)"
    )


@contextmanager
def database() -> Iterator[None]:
    """The backend's database for the run: SQLite's file in VAR_DIR, or a PostgreSQL
    database made for the run and dropped after it, with Redis's database flushed."""
    if BACKEND == "sqlite":
        yield
        return
    import psycopg
    import redis

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    mail.outbox = []
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from portique.accounts.services import person_create
    from portique.wsgi import application

    for number in range(2 * PEOPLE + 1):
        person_create(
            login=login(number),
            first_name="Camille",
            last_name="Martin",
            category="staff",
            provisional_password=provisional(number),
            actor="bench",
        )
    profiler = Profiler()
    # One person first, not counted: templates compiled, connections opened, as in service.
    walk(application, Profiler(), 2 * PEOPLE)
    mail_cpu[0] = 0.0
    for number in range(PEOPLE):
        walk(application, profiler, number)
    profiler.profiling = True
    for number in range(PEOPLE, 2 * PEOPLE):
        walk(application, profiler, number)
    print(f"profile of an activation, {PEOPLE} people, {BACKEND}, the WSGI application")
    report(profiler)
    chosen = [page for name, page in profiler.pages.items() if TOP_OF in ("*", name)]
    merged = None
    for page in chosen:
        if page.stats is not None and merged is None:
            merged = page.stats
        elif page.stats is not None:
            merged.add(page.stats)
    if merged is not None:
        # One page: what it calls, cumulative; the whole activation: where the time is spent.
        order = "tottime" if TOP_OF == "*" else "cumulative"
        print(f"\nthe costliest functions of {TOP_OF}, by {order}:")
        merged.sort_stats(order).print_stats(40)
    return 0


if __name__ == "__main__":
    try:
        with database():
            status = main()
    finally:
        import shutil

        shutil.rmtree(VAR_DIR, ignore_errors=True)
    sys.exit(status)
