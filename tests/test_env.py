"""Settings read from the environment: the SMTP URL, and a secret key required outside the
demo."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portique.env import SmtpSettings, smtp_settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://host:2525",
            {
                "host": "host",
                "port": 2525,
                "starttls": False,
                "ssl": False,
                "user": "",
                "password": "",
            },
        ),
        (
            "smtp+starttls://user:p%40ss@mail.example.org:587",
            {
                "host": "mail.example.org",
                "port": 587,
                "starttls": True,
                "ssl": False,
                "user": "user",
                "password": "p@ss",
            },
        ),
        (
            "smtps://mail.example.org",
            {
                "host": "mail.example.org",
                "port": 465,
                "starttls": False,
                "ssl": True,
                "user": "",
                "password": "",
            },
        ),
        (
            "smtp://relay.example.org",
            {
                "host": "relay.example.org",
                "port": 25,
                "starttls": False,
                "ssl": False,
                "user": "",
                "password": "",
            },
        ),
        (
            "smtp+starttls://mail.example.org",
            {
                "host": "mail.example.org",
                "port": 587,
                "starttls": True,
                "ssl": False,
                "user": "",
                "password": "",
            },
        ),
    ],
    ids=[
        "plain-2525",
        "starttls-user",
        "smtps-default-port",
        "plain-default-port",
        "starttls-default-port",
    ],
)
def test_smtp_url_is_parsed(url: str, expected: dict[str, object]) -> None:
    parsed = smtp_settings(url)

    assert isinstance(parsed, SmtpSettings)
    assert {key: getattr(parsed, key) for key in expected} == expected


@pytest.mark.parametrize("url", ["http://x", "smtp+ssl://mail.example.org", "mail.example.org"])
def test_smtp_url_with_another_scheme_is_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="PORTIQUE_EMAIL_URL"):
        smtp_settings(url)


def import_settings(
    var_dir: Path, code: str = "import portique.settings", **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run `code` (by default, import portique.settings) in a fresh interpreter, without the
    secret-key variables nor the DNS check's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORTIQUE_SECRET_KEY", "PORTIQUE_DEBUG", "PORTIQUE_DEMO"}
        and key != "PORTIQUE_EMAIL_DNS_CHECK"
    }
    env.update({"PORTIQUE_VAR_DIR": str(var_dir), **extra})
    return subprocess.run(  # noqa: S603 (the tests' own code, in this interpreter)
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_refuse_to_load_without_a_secret_key(tmp_path: Path) -> None:
    result = import_settings(tmp_path)

    assert result.returncode != 0
    assert "PORTIQUE_SECRET_KEY" in result.stderr


def test_settings_without_a_secret_key_write_no_key_file(tmp_path: Path) -> None:
    import_settings(tmp_path)

    assert not (tmp_path / "secret_key").exists()


def test_demo_settings_load_without_a_secret_key(tmp_path: Path) -> None:
    result = import_settings(tmp_path, PORTIQUE_DEMO="true")

    assert result.returncode == 0, result.stderr


def test_demo_writes_its_secret_key_readable_by_the_owner_only(tmp_path: Path) -> None:
    import_settings(tmp_path, PORTIQUE_DEMO="true")

    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50


def test_demo_keeps_the_same_secret_key_across_runs(tmp_path: Path) -> None:
    import_settings(tmp_path, PORTIQUE_DEMO="true")
    first = (tmp_path / "secret_key").read_text()
    import_settings(tmp_path, PORTIQUE_DEMO="true")

    assert (tmp_path / "secret_key").read_text() == first


DNS_CHECK = "from portique import settings; print(settings.PORTIQUE_EMAIL_DNS_CHECK)"


def test_address_domains_are_checked_in_dns_by_default(tmp_path: Path) -> None:
    result = import_settings(tmp_path, DNS_CHECK, PORTIQUE_SECRET_KEY="k" * 50)

    assert result.stdout.strip() == "True", result.stderr


def test_demo_does_not_check_address_domains_in_dns_unless_asked(tmp_path: Path) -> None:
    unasked = import_settings(tmp_path, DNS_CHECK, PORTIQUE_DEMO="true")
    asked = import_settings(
        tmp_path, DNS_CHECK, PORTIQUE_DEMO="true", PORTIQUE_EMAIL_DNS_CHECK="true"
    )

    assert (unasked.stdout.strip(), asked.stdout.strip()) == ("False", "True")


def test_debug_settings_load_without_a_secret_key(tmp_path: Path) -> None:
    result = import_settings(tmp_path, PORTIQUE_DEBUG="true")

    assert result.returncode == 0, result.stderr
