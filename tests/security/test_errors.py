"""Errors: a plain page with a reference that is also in the log line, never a trace."""

import logging
import re
from typing import Any

import pytest
from django.test import Client

from tests.support.pages import text


def reference(response: Any) -> str:
    found = re.search(r"Référence[^:]*:\s*(\w+)", text(response))
    assert found, "the page shows no reference"
    return found.group(1)


@pytest.fixture
def crash(db: None) -> Any:
    """The answer to a page whose view raises."""
    return Client(raise_request_exception=False).get("/boom/")


pytestmark = pytest.mark.urls("tests.security.boom_urls")


def test_server_error_is_a_plain_page_with_a_reference(crash: Any) -> None:
    assert crash.status_code == 500
    assert "Erreur du portail" in text(crash)
    assert reference(crash)


def test_server_error_page_shows_no_trace(crash: Any) -> None:
    body = crash.content.decode()

    assert "Traceback" not in body
    assert "RuntimeError" not in body
    assert "internals" not in body


def test_server_error_reference_is_the_request_id_header(crash: Any) -> None:
    assert reference(crash) == crash["X-Request-ID"]


def test_server_error_log_record_carries_the_pages_reference(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="django.request")

    response = Client(raise_request_exception=False).get("/boom/")

    logged = [record for record in caplog.records if record.name == "django.request"]
    assert [getattr(record, "request_id", None) for record in logged] == [reference(response)]


def test_page_not_found_is_the_plain_page_with_a_reference(db: None, client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page introuvable" in text(response)
    assert reference(response) == response["X-Request-ID"]
