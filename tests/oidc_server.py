"""A real OpenID Connect provider for the tests: the npm package oidc-provider, run with
node from tests/sso/oidc_provider.mjs on a loopback port, over plain http, with one client
(Portique on the live server) and the users of tests/sso_users.py.

Load with `pytest_plugins = ["tests.oidc_server"]` in a test module: it gives the fixtures
`oidc_provider` (one provider for the session) and `oidc_settings` (PORTIQUE_AUTH=oidc aimed
at it, PORTIQUE_BASE_URL at the live server).
"""

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.ldap_server import free_port
from tests.sso_http import CLIENT_ID, CLIENT_SECRET
from tests.sso_users import IDP_USERS, ROLES_ATTRIBUTE, SSO_ROLES
from tests.support.processes import (
    started_in_temporary_directory,
    stop_process,
    wait_until_answering,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "sso" / "oidc_provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
MISSING = "install node and the npm packages: apt-get install nodejs npm, then npm ci"
READY_TIMEOUT = 20.0


class OidcProvider:
    """oidc-provider in a node process of its own, in its own process group."""

    def __init__(self, workdir: Path, portique_url: str) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "provider.json"
        self.log = workdir / "provider.log"
        self.config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uri": f"{portique_url}/sso/retour/",
                    "post_logout_redirect_uri": f"{portique_url}/",
                    "roles_claim": ROLES_ATTRIBUTE,
                    "users": IDP_USERS,
                }
            )
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        node = shutil.which("node")
        assert node is not None
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 (node, our own script)
                [node, str(SCRIPT), str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
            )
        try:
            wait_until_answering(
                self._process,
                self._answers,
                name="oidc-provider",
                timeout=READY_TIMEOUT,
                log=self.log.read_text,
                pause=0.1,
            )
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        try:
            return bool(
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok
            )
        except requests.RequestException:
            return False

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process, timeout=10)


@pytest.fixture(scope="session")
def oidc_provider(live_server: Any) -> Iterator[OidcProvider]:
    if shutil.which("node") is None or not PACKAGE.exists():
        # A skip names what to install; in CI, tests/conftest.py makes it a failure.
        pytest.skip(MISSING)
    with started_in_temporary_directory(
        "portique-oidc-", lambda workdir: OidcProvider(workdir, live_server.url)
    ) as provider:
        yield provider


@pytest.fixture
def oidc_settings(settings: Any, live_server: Any, oidc_provider: OidcProvider) -> OidcProvider:
    """PORTIQUE_AUTH=oidc, aimed at the tests' provider, with the agents' roles mapped."""
    settings.PORTIQUE_AUTH = "oidc"
    settings.PORTIQUE_BASE_URL = live_server.url
    settings.PORTIQUE_OIDC_ISSUER = oidc_provider.issuer
    settings.PORTIQUE_OIDC_CLIENT_ID = CLIENT_ID
    settings.PORTIQUE_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.PORTIQUE_SSO_ROLES_ATTRIBUTE = ROLES_ATTRIBUTE
    settings.PORTIQUE_SSO_ROLES = SSO_ROLES
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return oidc_provider
