"""Log lines: JSON objects for a collector or text for a person, both with the request id
of the request they were written for (the X-Request-ID header)."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client

from portique.core.logging import JsonFormatter, RequestIdFilter

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]


def capture(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    yield from capture(JsonFormatter())


@pytest.fixture
def text_lines() -> Iterator[io.StringIO]:
    yield from capture(logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]))


@pytest.mark.smtp
def test_json_lines_carry_the_request_id(
    db: None, smtp_settings: "SmtpServer", json_lines: io.StringIO
) -> None:
    smtp_settings.stop()

    response = Client().get("/readyz")

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    warning = next(line for line in lines if line["logger"] == "portique.helpdesk.health")
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["level"] == "WARNING"
    assert warning["message"] == "readiness check smtp failed"
    assert "ConnectionRefusedError" in warning["exception"]
    assert set(warning) >= {"time", "level", "logger", "message", "request_id"}


def test_json_line_of_an_error_response_carries_the_request_id(
    db: None, json_lines: io.StringIO
) -> None:
    # Django logs "Not Found: …" after the middleware has returned.
    response = Client().get("/nowhere/")

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == response["X-Request-ID"]
    assert not_found["status_code"] == 404


def test_text_lines_carry_the_request_id(db: None, text_lines: io.StringIO) -> None:
    response = Client().get("/nowhere/")

    assert f"[{response['X-Request-ID']}] django.request Not Found: /nowhere/" in (
        text_lines.getvalue()
    )


def test_production_logs_json() -> None:
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert (
        settings.LOGGING["filters"]["request_id"]["()"] == "portique.core.logging.RequestIdFilter"
    )


def log_format_under(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PORTIQUE_", "DJANGO_"))
    }
    env.update(PORTIQUE_VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from portique import settings; print(settings.LOGGING['handlers']['console']"
            "['formatter'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"PORTIQUE_DEBUG": "true"}, "text"),
        ({"PORTIQUE_DEMO": "true"}, "text"),
        ({"PORTIQUE_SECRET_KEY": "k" * 50}, "json"),
        ({"PORTIQUE_DEBUG": "true", "PORTIQUE_LOG_FORMAT": "json"}, "json"),
        ({"PORTIQUE_SECRET_KEY": "k" * 50, "PORTIQUE_LOG_FORMAT": "text"}, "text"),
        # As .env.example leaves it: empty means the default.
        ({"PORTIQUE_SECRET_KEY": "k" * 50, "PORTIQUE_LOG_FORMAT": ""}, "json"),
    ],
)
def test_log_format_defaults_to_text_in_debug_and_demo_and_json_otherwise(
    tmp_path: Path, variables: dict[str, str], expected: str
) -> None:
    result = log_format_under(tmp_path, **variables)

    assert result.stdout.strip() == expected, result.stderr


def test_unknown_log_format_is_refused(tmp_path: Path) -> None:
    result = log_format_under(tmp_path, PORTIQUE_DEBUG="true", PORTIQUE_LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "PORTIQUE_LOG_FORMAT must be json or text" in result.stderr


def test_json_formatter_writes_one_line_per_record_with_non_ascii_kept() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Université\nligne 2", None, None)
    record.request_id = "abc"

    line: Any = JsonFormatter().format(record)

    assert "\n" not in line
    assert json.loads(line)["message"] == "Université\nligne 2"
    assert "Université" in line
