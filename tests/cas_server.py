"""A real CAS server for the tests: django-cas-server (protocol 1, 2 and 3, single logout),
run as a small Django project of its own in a temporary directory, in its own process, on a
loopback port, with the users of tests/sso_users.py and their attributes (uid and the roles
attribute), and Portique on the live server declared as its one service.

Load with `pytest_plugins = ["tests.cas_server"]` in a test module: it gives the fixtures
`cas_server` (one server for the session) and `cas_settings` (PORTIQUE_AUTH=cas aimed at it,
PORTIQUE_BASE_URL at the live server).
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.ldap_server import free_port
from tests.sso_users import IDP_USERS, ROLES_ATTRIBUTE, SSO_ROLES
from tests.support.processes import (
    started_in_temporary_directory,
    stop_process,
    wait_until_answering,
)

MISSING = "install the dev extras (pip install -e '.[dev]'): django-cas-server"
READY_TIMEOUT = 30.0

SETTINGS = """
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "cas-server-tests-only-" + "s" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "cas_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": HERE / "cas.sqlite3"}}
USE_TZ = True
LANGUAGE_CODE = "fr"
STATIC_URL = "/static/"
CAS_AUTH_CLASS = "cas_users.JsonAuthUser"
# Nothing from elsewhere: the tests reach nothing but the loopback.
CAS_COMPONENT_URLS = {name: "" for name in (
    "bootstrap3_css", "bootstrap3_js", "html5shiv", "respond", "bootstrap4_css",
    "bootstrap4_js", "jquery",
)}
CAS_SHOW_POWERED = False
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SLO_TIMEOUT = 5
"""

URLS = """
from django.urls import include, path

urlpatterns = [path("cas/", include("cas_server.urls", namespace="cas_server"))]
"""

USERS = """
import json
from pathlib import Path

from cas_server.auth import AuthUser

USERS = json.loads((Path(__file__).resolve().parent / "users.json").read_text())


class JsonAuthUser(AuthUser):
    def test_password(self, password):
        user = USERS.get(self.username)
        return user is not None and user["password"] == password

    def attributs(self):
        user = USERS.get(self.username, {})
        return {"uid": self.username, "ROLES": user.get("roles", [])}
""".replace("ROLES", ROLES_ATTRIBUTE)

SERVICE = """
import re, sys
from cas_server.models import ReplaceAttributName, ServicePattern

pattern = ServicePattern.objects.create(
    pos=0, name="Portique", pattern=sys.argv[1], single_log_out=True
)
ReplaceAttributName.objects.create(name="*", service_pattern=pattern)
"""


class CasServer:
    """django-cas-server served by Django's runserver, in a process group of its own."""

    def __init__(self, workdir: Path, portique_url: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}/cas/"
        self.log = workdir / "cas.log"
        (workdir / "cas_settings.py").write_text(SETTINGS)
        (workdir / "cas_urls.py").write_text(URLS)
        (workdir / "cas_users.py").write_text(USERS)
        (workdir / "users.json").write_text(json.dumps(IDP_USERS))
        (workdir / "service.py").write_text(SERVICE)
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cas_settings",
            "PYTHONPATH": str(workdir),
        }
        self._django("migrate", "--noinput")
        service = "^" + re.escape(portique_url) + "/"
        self._django("shell", "-c", SERVICE.replace("sys.argv[1]", repr(service)))
        self._process: subprocess.Popen[bytes] | None = None

    def _django(self, *arguments: str) -> None:
        done = subprocess.run(  # noqa: S603 (this Python, Django's own command)
            [sys.executable, "-m", "django", *arguments],
            env=self.environment,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"django-cas-server {arguments[0]} failed:\n{done.stderr}")

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 (this Python, Django's runserver)
                [sys.executable, "-m", "django", "runserver", "--noreload", self.address],
                env=self.environment,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_answering(
                self._process,
                self._answers,
                name="django-cas-server",
                timeout=READY_TIMEOUT,
                log=self.log.read_text,
                pause=0.2,
            )
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        try:
            return bool(requests.get(f"{self.url}login", timeout=1).ok)
        except requests.RequestException:
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process, timeout=10)


@pytest.fixture(scope="session")
def cas_server(live_server: Any) -> Iterator[CasServer]:
    if importlib.util.find_spec("cas_server") is None:
        # A skip names what to install; in CI, tests/conftest.py makes it a failure.
        pytest.skip(MISSING)
    with started_in_temporary_directory(
        "portique-cas-", lambda workdir: CasServer(workdir, live_server.url)
    ) as server:
        yield server


@pytest.fixture
def cas_settings(settings: Any, live_server: Any, cas_server: CasServer) -> CasServer:
    """PORTIQUE_AUTH=cas, protocol 3, aimed at the tests' server, with the agents' roles."""
    settings.PORTIQUE_AUTH = "cas"
    settings.PORTIQUE_BASE_URL = live_server.url
    settings.PORTIQUE_CAS_SERVER_URL = cas_server.url
    settings.PORTIQUE_CAS_VERSION = 3
    settings.PORTIQUE_CAS_LOGIN_ATTRIBUTE = ""
    settings.PORTIQUE_SSO_ROLES_ATTRIBUTE = ROLES_ATTRIBUTE
    settings.PORTIQUE_SSO_ROLES = SSO_ROLES
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return cas_server
