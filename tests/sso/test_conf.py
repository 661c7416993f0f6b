"""The single sign-on's settings: a mode that cannot work refuses to start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def settings_error(tmp_path: Path, **variables: str) -> str:
    """Load Portique's settings in a new process with `variables`; return what it printed
    on stderr ("" when they loaded)."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PORTIQUE_")},
        "PORTIQUE_SECRET_KEY": "s" * 50,
        "PORTIQUE_VAR_DIR": str(tmp_path),
        **variables,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import portique.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return "" if done.returncode == 0 else done.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PORTIQUE_AUTH": "ldap"}, "PORTIQUE_AUTH must be one of local, cas, oidc, remote_user"),
        ({"PORTIQUE_AUTH": "cas"}, "PORTIQUE_AUTH=cas needs PORTIQUE_CAS_SERVER_URL"),
        (
            {"PORTIQUE_AUTH": "oidc", "PORTIQUE_OIDC_ISSUER": "https://idp.example"},
            "needs PORTIQUE_OIDC_CLIENT_ID, PORTIQUE_OIDC_CLIENT_SECRET",
        ),
        ({"PORTIQUE_CAS_VERSION": "1"}, "PORTIQUE_CAS_VERSION must be 2 or 3"),
        ({"PORTIQUE_SSO_ROLES": '{"x": "superusers"}'}, "helpdesk or administrateurs only"),
    ],
)
def test_settings_that_cannot_work_refuse_to_load(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    assert message in settings_error(tmp_path, **variables)


def test_cas_mode_with_its_server_loads(tmp_path: Path) -> None:
    assert (
        settings_error(
            tmp_path,
            PORTIQUE_AUTH="cas",
            PORTIQUE_CAS_SERVER_URL="https://cas.univ.example/cas/",
        )
        == ""
    )
