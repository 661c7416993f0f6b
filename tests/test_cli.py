"""The `portique` command: add-person, demo and serve, in-process where the outcome is the
command's own, and through the installed entry point where it is the whole program's."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import CommandError, call_command

from portique.accounts.models import Person
from tests.factories import DemoPerson

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

# The console script installed beside this interpreter: what an operator types.
PORTIQUE = str(Path(sys.executable).with_name("portique"))
PROVISIONAL_RE = re.compile(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}")
DEMO_PEOPLE = {"jane.doe": "staff", "paul.martin": "vacataire", "lea.bernard": "student"}
DEMO_LINE_RE = re.compile(r"^\s+(\S+)\s+(\S+)\s+(\S+)$")
COMMAND_TIMEOUT = 60


def add_person(**options: Any) -> str:
    out = StringIO()
    call_command(
        "add_person",
        login=options.pop("login", "marie.curie"),
        first_name=options.pop("first_name", "Marie"),
        last_name=options.pop("last_name", "Curie"),
        category=options.pop("category", "staff"),
        stdout=out,
        **options,
    )
    return out.getvalue()


def portique_env(**variables: str) -> dict[str, str]:
    """This environment without the test suite's Portique and Django settings, plus
    `variables`: what a fresh shell with only those set would give, but for the address
    domain check, off unless given (no portal a test starts asks the real DNS)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PORTIQUE_")
        and name not in {"DJANGO_SETTINGS_MODULE", "PORT", "HOST"}
    }
    env["PORTIQUE_EMAIL_DNS_CHECK"] = "false"
    env.update(variables)
    return env


def portique(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 (our own entry point and arguments)
        [PORTIQUE, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"portique {' '.join(args)} failed:\n{result.stderr}"
    return result


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return portique_env(
        PORTIQUE_DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        PORTIQUE_VAR_DIR=str(tmp_path),
        PORTIQUE_SECRET_KEY="x" * 50,
        **variables,
    )


# -- add-person ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_person_prints_login_tab_provisional_password() -> None:
    out = add_person(login="marie.curie", provisional_password="Essai-Prov-4242")
    assert out == "marie.curie\tEssai-Prov-4242\n"


def test_add_person_through_the_portique_command_prints_login_tab_provisional_password(
    tmp_path: Path,
) -> None:
    env = production_env(tmp_path)
    portique("migrate", "--no-input", env=env, cwd=tmp_path)
    result = portique(
        "add-person",
        "--login", "marie.curie",
        "--first-name", "Marie",
        "--last-name", "Curie",
        "--category", "staff",
        "--provisional-password", "Essai-Prov-4242",
        env=env,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.stdout == "marie.curie\tEssai-Prov-4242\n"


def test_remind_through_the_portique_command_prints_its_counts(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    portique("migrate", "--no-input", env=env, cwd=tmp_path)

    result = portique("remind", env=env, cwd=tmp_path)

    assert result.stdout.splitlines() == [
        "Reminders sent: 0; already sent by another run: 0; passed (a later one was due): 0.",
        "HR digest: not due (or no PORTIQUE_HR_DIGEST_TO).",
    ]


@pytest.mark.django_db
def test_add_person_without_a_password_prints_a_random_one_of_three_groups_of_four() -> None:
    login, password = add_person().rstrip("\n").split("\t")
    assert login == "marie.curie"
    assert len(password) == 14
    assert PROVISIONAL_RE.fullmatch(password)


@pytest.mark.django_db
def test_add_person_random_passwords_differ() -> None:
    first = add_person(login="marie.curie").split("\t")[1]
    second = add_person(login="pierre.curie").split("\t")[1]
    assert first != second


@pytest.mark.django_db
def test_add_person_random_password_passes_step_2_of_the_activation(walker_for: Any) -> None:
    login, password = add_person().rstrip("\n").split("\t")
    walker = walker_for(DemoPerson(login, "Marie", "Curie", "staff", password))
    walker.identify()
    response = walker.give_provisional_password()
    assert response.status_code == 302
    assert response["Location"] == "/activation/mail-de-secours/"


@pytest.mark.django_db
def test_add_person_refuses_an_unknown_category() -> None:
    with pytest.raises(CommandError, match="category"):
        add_person(category="professeur")


@pytest.mark.django_db
def test_add_person_with_an_unknown_category_creates_nobody() -> None:
    with pytest.raises(CommandError):
        add_person(category="professeur")
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_add_person_with_an_existing_login_is_a_command_error() -> None:
    add_person(login="marie.curie")
    with pytest.raises(CommandError, match=r"marie\.curie already exists"):
        add_person(login="marie.curie", first_name="Marie-Hélène")


# -- demo ---------------------------------------------------------------------------------


def run_demo(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Run `portique demo --no-serve` with no secret; return {login: (category, password)}."""
    result = portique(
        "demo", "--no-serve", env=portique_env(PORTIQUE_VAR_DIR=str(tmp_path)), cwd=tmp_path
    )
    people = {}
    for line in result.stdout.splitlines():
        found = DEMO_LINE_RE.match(line)
        if found and found.group(1) in DEMO_PEOPLE:
            people[found.group(1)] = (found.group(2), found.group(3))
    return people


def test_demo_prints_the_three_demo_people_with_categories_and_passwords(
    tmp_path: Path,
) -> None:
    people = run_demo(tmp_path)
    assert {login: category for login, (category, _) in people.items()} == DEMO_PEOPLE
    for _category, password in people.values():
        assert PROVISIONAL_RE.fullmatch(password)


def test_demo_makes_its_own_secret_key(tmp_path: Path) -> None:
    run_demo(tmp_path)
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50


def test_demo_run_twice_prints_the_same_people(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    second = run_demo(tmp_path)
    assert {login: category for login, (category, _) in second.items()} == {
        login: category for login, (category, _) in first.items()
    }


def test_demo_run_twice_reissues_new_provisional_passwords(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    second = run_demo(tmp_path)
    for login, (_category, password) in second.items():
        assert PROVISIONAL_RE.fullmatch(password)
        assert password != first[login][1]


# -- serve --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    start_time: str
    command: str


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name, in parentheses, may hold spaces: split after its closing one.
    name_end = raw.rindex(")")
    return [raw[: name_end + 1], *raw[name_end + 2 :].split()]


def descendants(pid: int) -> list[ProcessInfo]:
    """Every process under `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            children.setdefault(int(stat[2]), []).append(int(entry.name))
    found, pending = [], list(children.get(pid, []))
    while pending:
        child = pending.pop()
        stat = _stat(child)
        if stat is None:
            continue
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue
        # Field 22 of /proc/PID/stat: the start time, which tells a reused pid apart.
        found.append(ProcessInfo(pid=child, start_time=stat[20], command=command))
        pending.extend(children.get(child, []))
    return found


def is_alive(process: ProcessInfo) -> bool:
    stat = _stat(process.pid)
    return stat is not None and stat[1] != "Z" and stat[20] == process.start_time


class Browser:
    """A cookie-keeping HTTP client. Like browsers on 127.0.0.1, it returns Secure cookies
    over plain HTTP: production settings mark the session and CSRF cookies Secure."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        policy = DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar(policy))
        )

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base_url + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def submit(self, path: str, data: dict[str, str]) -> str:
        """Post `data` to the form at `path`, with its CSRF token; return the final URL."""
        _url, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **data}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=10) as response:
            return str(response.geturl())


@dataclass(frozen=True)
class ServedPortal:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_serving(portal: ServedPortal, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if portal.process.poll() is not None:
            pytest.fail(f"portique serve exited early:\n{portal.output()}")
        try:
            with urllib.request.urlopen(  # noqa: S310 (our own http://127.0.0.1 URL)
                portal.base_url + "/activation/identifiant/", timeout=2
            ) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"portique serve did not answer within {timeout} s:\n{portal.output()}")


@pytest.fixture
def served_portal(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[ServedPortal]:
    """`portique serve` in production mode on a free loopback port, its mails going to
    `smtp_server`, with marie.curie (provisional password Essai-Prov-4242) to activate."""
    from tests.smtp import free_port

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = production_env(
        tmp_path,
        PORTIQUE_ALLOWED_HOSTS="127.0.0.1",
        PORTIQUE_BASE_URL=base_url,
        PORTIQUE_EMAIL_URL=smtp_server.url,
        # Plain http on 127.0.0.1: no redirect to https (as behind a TLS proxy).
        PORTIQUE_SSL_REDIRECT="false",
    )
    portique("migrate", "--no-input", env=env, cwd=tmp_path)
    portique(
        "add-person",
        "--login", "marie.curie",
        "--first-name", "Marie",
        "--last-name", "Curie",
        "--category", "staff",
        "--provisional-password", "Essai-Prov-4242",
        env=env,
        cwd=tmp_path,
    )  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (our own entry point and arguments)
            [PORTIQUE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group, so that teardown can reach gunicorn and the worker.
            start_new_session=True,
        )
    portal = ServedPortal(process=process, base_url=base_url, log=log)
    try:
        wait_until_serving(portal, timeout=20)
        yield portal
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.smtp
def test_served_portal_mails_the_recovery_link_without_any_other_command(
    served_portal: ServedPortal, smtp_server: SmtpServer
) -> None:
    browser = Browser(served_portal.base_url)
    after_step_1 = browser.submit("/activation/identifiant/", {"identifier": "marie.curie"})
    assert after_step_1.endswith("/activation/mot-de-passe-provisoire/")
    after_step_2 = browser.submit(
        "/activation/mot-de-passe-provisoire/", {"provisional_password": "Essai-Prov-4242"}
    )
    assert after_step_2.endswith("/activation/mail-de-secours/")
    after_step_3 = browser.submit(
        "/activation/mail-de-secours/",
        {
            "recovery_email": "marie.perso@example.com",
            "recovery_email_confirmation": "marie.perso@example.com",
        },
    )
    assert after_step_3.endswith("/activation/mail-de-secours/envoye/")

    received = smtp_server.wait_for(1, timeout=15)
    assert [mail.rcpt_tos for mail in received] == [["marie.perso@example.com"]], (
        served_portal.output()
    )
    assert f"{served_portal.base_url}/activation/lien/" in received[0].text()


def test_served_portal_stops_on_sigterm_within_15_s_leaving_no_process(
    served_portal: ServedPortal,
) -> None:
    children = descendants(served_portal.process.pid)
    commands = " ".join(child.command for child in children)
    assert "gunicorn" in commands
    assert "portique.cli worker" in commands

    served_portal.process.send_signal(signal.SIGTERM)
    try:
        served_portal.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"portique serve still running 15 s after SIGTERM:\n{served_portal.output()}")
    assert served_portal.process.returncode == 0
    assert [child for child in children if is_alive(child)] == []


def test_served_portal_keeps_gunicorns_control_socket_in_its_own_directory(
    served_portal: ServedPortal, tmp_path: Path
) -> None:
    # Not in ~/.gunicorn, which a second portal on the same host would take over.
    commands = " ".join(child.command for child in descendants(served_portal.process.pid))
    assert f"--control-socket {tmp_path / 'gunicorn.ctl'}" in commands
    deadline = time.monotonic() + 10
    while not (tmp_path / "gunicorn.ctl").is_socket() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "gunicorn.ctl").is_socket(), served_portal.output()
