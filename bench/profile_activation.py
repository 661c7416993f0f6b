"""Where an activation's CPU goes, page by page: BENCH_PEOPLE people (default 20) walk the ten
steps in this process through Django's test client (the whole middleware stack, no HTTP
server), each request under cProfile, then the mail worker delivers their mails.

Printed, per page: requests, CPU milliseconds per request (measured apart, without the
profiler), and shares of the profiled time: outside the view (the middleware and Django's
handler, the session's loading and saving included) and in the view; and, wherever they run,
in the session (loading and saving it), SQL (the database driver), template rendering and
the password hash: those four overlap the first two and each other (the session's SQL is
counted in both). Then the same for a whole activation, with the mail worker's CPU. Shares,
not seconds, compare from one machine to another: the profiler slows Python code more than
C code, so its seconds are only read as shares.

    .venv/bin/python bench/profile_activation.py
    BENCH_TOP_OF="POST mail-de-secours/" .venv/bin/python bench/profile_activation.py
                                            # and that page's 40 costliest functions
    BENCH_TOP_OF="*" .venv/bin/python bench/profile_activation.py   # the activation's
"""

import cProfile
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VAR_DIR = Path(tempfile.mkdtemp(prefix="portique-profile-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="portique.settings",
    PORTIQUE_VAR_DIR=str(VAR_DIR),
    PORTIQUE_SECRET_KEY="profile-" + secrets.token_urlsafe(40),
    PORTIQUE_ALLOWED_HOSTS="testserver",
    PORTIQUE_BASE_URL="https://portail.example.org",
    PORTIQUE_SSL_REDIRECT="false",
    PORTIQUE_SECURE_COOKIES="false",
    PORTIQUE_DATABASE_URL=f"sqlite:///{VAR_DIR / 'profile.sqlite3'}",
    PORTIQUE_CACHE_URL="",
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
LINK_RE = re.compile(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)")
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
    "hash": (("portique/passwords/hashers.py", "_in_hashing_thread"),),
}


@dataclass
class Page:
    cpu: list[float] = field(default_factory=list)
    stats: pstats.Stats | None = None


@dataclass
class Profiler:
    """Every request of the walk, timed and profiled under its page's name."""

    pages: dict[str, Page] = field(default_factory=lambda: defaultdict(Page))
    view_codes: dict[str, set[tuple[str, int, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )

    def request(self, send: Callable[..., Any], method: str, path: str, **data: str) -> Any:
        from django.urls import resolve

        name = f"{method} {page_name(path)}"
        view = resolve(path).func
        code = view.__code__
        self.view_codes[name].add((code.co_filename, code.co_firstlineno, code.co_name))
        # The CPU without the profiler, then the same kind of request profiled: cProfile
        # makes Python code slower than C code, so its seconds are only read as shares.
        started = time.process_time()
        response = send(path, data) if data else send(path)
        self.pages[name].cpu.append(time.process_time() - started)
        return response

    def profiled(self, send: Callable[..., Any], method: str, path: str, **data: str) -> Any:
        name = f"{method} {page_name(path)}"
        profile = cProfile.Profile()
        profile.enable()
        response = send(path, data) if data else send(path)
        profile.disable()
        page = self.pages[name]
        if page.stats is None:
            page.stats = pstats.Stats(profile)
        else:
            page.stats.add(profile)
        return response


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


def walk(profiler: Profiler, client: Any, number: int, *, profiled: bool) -> None:
    from django.core import mail

    # One client for everyone, as one app process serves everyone: a new client would load
    # the middleware again (WhiteNoise reading the static files), which a server does once.
    client.cookies.clear()
    send = profiler.profiled if profiled else profiler.request

    def page(path: str) -> None:
        response = send(client.get, "GET", path)
        assert response.status_code == 200, (path, response.status_code)

    def submit(path: str, expect: str, **data: str) -> None:
        page(path)
        response = send(client.post, "POST", path, **data)
        assert response.status_code == 302 and response["Location"] == expect, (path, response)

    def follow(to: str, expect: str) -> None:
        deliver()
        (link,) = [
            found.group(1)
            for message in mail.outbox
            if to in message.to and (found := LINK_RE.search(str(message.body)))
        ][-1:]
        response = send(client.get, "GET", link)
        assert response.status_code == 302, response
        submit(A + "lien/", expect)

    recovery = f"profile{number:04}.perso@example.com"
    forwarding = f"profile{number:04}.ailleurs@example.org"
    submit(A + "identifiant/", A + "mot-de-passe-provisoire/", identifier=login(number))
    submit(
        A + "mot-de-passe-provisoire/",
        A + "mail-de-secours/",
        provisional_password=provisional(number),
    )
    submit(
        A + "mail-de-secours/",
        A + "mail-de-secours/envoye/",
        recovery_email=recovery,
        recovery_email_confirmation=recovery,
    )
    page(A + "mail-de-secours/envoye/")
    follow(recovery, A + "charte/")
    submit(A + "charte/", A + "annuaire/", accept="on")
    submit(A + "annuaire/", A + "messagerie/", directory_consent="on")
    submit(
        A + "messagerie/",
        A + "messagerie/envoye/",
        wants_forwarding="on",
        forwarding_address=forwarding,
        forwarding_address_confirmation=forwarding,
        keep_copy="on",
    )
    page(A + "messagerie/envoye/")
    follow(forwarding, A + "mot-de-passe/")
    page(A + "mot-de-passe/")
    for typed in (NEW_PASSWORD[:8], NEW_PASSWORD):
        send(client.post, "POST", A + "mot-de-passe/regles/", password=typed)
    response = send(
        client.post,
        "POST",
        A + "mot-de-passe/",
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    assert response["Location"] == A + "termine/", response
    page(A + "termine/")


mail_cpu = [0.0]


def deliver() -> None:
    from django.core.management import call_command

    started = time.process_time()
    call_command("worker", batch=True, verbosity=0)
    mail_cpu[0] += time.process_time() - started


def login(number: int) -> str:
    return f"profile.{number:04}"


def provisional(number: int) -> str:
    return f"Profile-Prov-{number:04}"


def report(profiler: Profiler) -> None:
    columns = ["outside the view", "view", "session", "SQL", "templates", "hash"]
    header = "".join(f"{column:>17}" for column in columns)
    print(f"{'page':<32}{'count':>6}{'CPU ms':>8}{header}")
    whole: dict[str, float] = defaultdict(float)
    requests = cpu = 0.0
    for name in sorted(profiler.pages, key=lambda n: (n.split(" ", 1)[1], n)):
        page = profiler.pages[name]
        if page.stats is None or not page.cpu:
            continue
        mean = sum(page.cpu) / len(page.cpu)
        split = shares(page.stats, profiler.view_codes[name])
        per_activation = len(page.cpu) / PEOPLE
        requests += per_activation
        cpu += mean * per_activation
        for part, share in split.items():
            whole[part] += share * mean * per_activation
        cells = "".join(f"{split.get(column, 0) * 100:>16.0f}%" for column in columns)
        print(f"{name:<32}{len(page.cpu):>6}{mean * 1000:>8.2f}{cells}")
    cells = "".join(f"{whole[column] / cpu * 100:>16.0f}%" for column in columns)
    print(f"{'an activation':<32}{requests:>6.0f}{cpu * 1000:>8.1f}{cells}")
    print(
        f"the mail worker: {mail_cpu[0] / (2 * PEOPLE) * 1000:.1f} ms of CPU per activation "
        "(its two links; the activation's notice is sent after the walk)"
    )


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

    for number in range(2 * PEOPLE + 1):
        person_create(
            login=login(number),
            first_name="Camille",
            last_name="Martin",
            category="staff",
            provisional_password=provisional(number),
            actor="bench",
        )
    from django.test import Client

    client = Client()
    profiler = Profiler()
    # One person first, not counted: templates compiled, connections opened, as in service.
    walk(Profiler(), client, 2 * PEOPLE, profiled=False)
    mail_cpu[0] = 0.0
    for number in range(PEOPLE):
        walk(profiler, client, number, profiled=False)
    for number in range(PEOPLE, 2 * PEOPLE):
        walk(profiler, client, number, profiled=True)
    print(f"profile of an activation, {PEOPLE} people, SQLite, Django's test client")
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
    sys.exit(main())
