"""The portal as a university installs it: a wheel built from this tree, installed into a new
virtual environment (not editable), migrated and served with debug off. What the wheel
forgets (compiled catalogues, static files) shows here and nowhere else in the suite."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
# Building the wheel, installing it and its dependencies (from pip's cache when it can).
INSTALL_TIMEOUT = 600
START_TIMEOUT = 60
STYLESHEET_RE = re.compile(
    r'<link rel="stylesheet" href="(/static/portique/portique\.[^"]+\.css)">'
)


@dataclass(frozen=True)
class Served:
    base_url: str
    var_dir: Path


def _tool_environment() -> dict[str, str]:
    """The environment for pip: without the shifted clock of a faketime run, under which the
    package registry's certificate would be expired or not yet valid. The portal's own
    processes keep the clock the suite runs under."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FAKETIME", "LD_PRELOAD", "DONT_FAKE"))
    }


def _portal_environment(var_dir: Path, port: int) -> dict[str, str]:
    """A production configuration, as docs/deploy.md gives it: nothing of the suite's own
    settings (tests/settings.py exports PORTIQUE_* variables into this process)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PORTIQUE_", "DJANGO_"))
    }
    environment.update(
        PORTIQUE_DEBUG="false",
        PORTIQUE_SECRET_KEY="wheel-install-test-" + "s" * 40,
        PORTIQUE_VAR_DIR=str(var_dir),
        PORTIQUE_ALLOWED_HOSTS="127.0.0.1",
        PORTIQUE_BASE_URL=f"https://127.0.0.1:{port}",
        # Behind the TLS proxy of a real deployment, which says the request came over https.
        PORTIQUE_PROXY_SSL_HEADER="true",
        PORTIQUE_WEB_WORKERS="1",
        PORTIQUE_WEB_THREADS="4",
    )
    return environment


def _build_wheel(out: Path) -> Path:
    """Build the wheel from a copy of the files git knows of, as a clean clone holds them:
    nothing built in the working tree (a .mo compiled by `make`) can slip into it."""
    source = out / "source"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (REPOSITORY / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPOSITORY / name, source / name)
    subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), "."],
        cwd=source,
        env=_tool_environment(),
        check=True,
        timeout=INSTALL_TIMEOUT,
    )
    (wheel,) = out.glob("portique-*.whl")
    return wheel


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, dict(response.headers), response.read().decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Portique installed from its wheel into a new virtual environment, migrated, served."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(work)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(  # noqa: S603
        [*pip, "install", "--quiet", str(wheel)],
        env=_tool_environment(),
        check=True,
        timeout=INSTALL_TIMEOUT,
    )
    port = _free_port()
    var_dir = work / "var"
    environment = _portal_environment(var_dir, port)
    portique = str(venv / "bin" / "portique")
    # Run from elsewhere than the repository: nothing may be imported from the source tree.
    subprocess.run([portique, "migrate", "--no-input"], cwd=work, env=environment, check=True)  # noqa: S603
    server = subprocess.Popen(  # noqa: S603
        [portique, "serve", "--port", str(port), "--no-worker"],
        cwd=work,
        env=environment,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, "portique serve stopped"
            try:
                _get(f"{base_url}/healthz")
                break
            except (URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield Served(base_url=base_url, var_dir=var_dir)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_installed_portal_answers_its_health_check(served: Served) -> None:
    status, _headers, _body = _get(f"{served.base_url}/healthz")

    assert status == 200


def test_installed_portal_speaks_english_to_an_english_browser(served: Served) -> None:
    _status, headers, page = _get(f"{served.base_url}/", **{"Accept-Language": "en-GB,en;q=0.8"})

    assert headers["Content-Language"] == "en"
    assert '<html lang="en">' in page
    assert ["LOG IN" in page, "First login" in page, "Trouble logging in" in page] == [True] * 3


def test_installed_portal_still_speaks_french_first(served: Served) -> None:
    _status, _headers, page = _get(f"{served.base_url}/", **{"Accept-Language": "fr-FR"})

    assert ["SE CONNECTER" in page, "1ère connexion" in page] == [True, True]


def test_installed_portal_serves_its_stylesheet_under_a_hashed_name_as_immutable(
    served: Served,
) -> None:
    _status, _headers, page = _get(f"{served.base_url}/")
    (stylesheet,) = STYLESHEET_RE.findall(page)

    status, headers, body = _get(f"{served.base_url}{stylesheet}")

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    assert body.strip()


def test_installed_portal_collected_its_static_files_into_its_var_dir(served: Served) -> None:
    assert (served.var_dir / "static" / "staticfiles.json").is_file()
