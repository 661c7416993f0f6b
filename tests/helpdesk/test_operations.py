"""The operations endpoints: /healthz (alive), /readyz (each service it needs answers),
/metrics (portique_* figures from the database). JSON or text, never cached, no login."""

import json
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from portique.accounts.stores.base import StoreUnavailable
from portique.core.audit import audit_record
from portique.helpdesk.models import PurgedEventCount

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

ALL_UP = {"database": "ok", "cache": "ok", "account_store": "ok", "smtp": "ok"}


def never_cached(response: Any) -> bool:
    return "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


# --- /healthz ---------------------------------------------------------------------------


def test_healthz_answers_ok_to_anyone(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert never_cached(response)


def test_healthz_refuses_a_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_are_answered_over_plain_http_where_pages_are_redirected(
    db: None, settings: Any, path: str
) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert Client().get("/").status_code == 301
    assert Client().get(path).status_code == 200


# --- /readyz ----------------------------------------------------------------------------


def readyz() -> tuple[int, dict[str, Any]]:
    response = Client().get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert never_cached(response)
    return response.status_code, json.loads(response.content)


@pytest.mark.smtp
def test_readyz_is_ok_when_everything_answers(db: None, smtp_settings: "SmtpServer") -> None:
    assert readyz() == (200, {"status": "ok", "checks": ALL_UP})


def test_readyz_reports_smtp_as_not_configured_without_an_smtp_server(db: None) -> None:
    assert readyz() == (200, {"status": "ok", "checks": {**ALL_UP, "smtp": "not configured"}})


@pytest.mark.smtp
def test_readyz_fails_when_the_smtp_server_is_down(db: None, smtp_settings: "SmtpServer") -> None:
    smtp_settings.stop()

    assert readyz() == (503, {"status": "unavailable", "checks": {**ALL_UP, "smtp": "failed"}})


def test_readyz_fails_when_the_cache_is_down(db: None, settings: Any) -> None:
    from tests.smtp import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }

    status, answer = readyz()

    assert status == 503
    assert answer == {
        "status": "unavailable",
        "checks": {**ALL_UP, "cache": "failed", "smtp": "not configured"},
    }


def test_readyz_fails_when_the_account_store_does_not_answer(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Unreachable:
        def ping(self) -> None:
            raise StoreUnavailable("ldap://ldap.univ.example: timed out")

    monkeypatch.setattr("portique.helpdesk.health.get_account_store", Unreachable)

    status, answer = readyz()

    assert status == 503
    assert answer["checks"]["account_store"] == "failed"


def test_readyz_tells_no_detail_of_a_failure(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def ping(self) -> None:
            raise StoreUnavailable("ldap://ldap.univ.example: timed out")

    monkeypatch.setattr("portique.helpdesk.health.get_account_store", Unreachable)

    assert b"ldap.univ.example" not in Client().get("/readyz").content


# --- /metrics ---------------------------------------------------------------------------


def scrape(**headers: str) -> Any:
    return Client().get("/metrics", **headers)


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@pytest.fixture
def scraped(known_data: None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    for _ in range(3):
        audit_record(actor="x", subject="x", action="account_activated")
    PurgedEventCount.objects.create(action="account_activated", count=5)
    for _ in range(2):
        audit_record(actor="system", subject="p2", action="account_locked")
    audit_record(actor="system", subject="m.dupont", action="admin_login_locked")
    response = scrape()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert never_cached(response)
    return samples(response.content.decode())


def test_metrics_are_all_named_portique(scraped: dict[Any, float]) -> None:
    assert {name for name, _labels in scraped} == {
        "portique_people",
        "portique_activations_total",
        "portique_activation_flows",
        "portique_funnel_people",
        "portique_mails_queued",
        "portique_mails_failed",
        "portique_account_locks_total",
        "portique_admin_login_locks_total",
        "portique_reminders_sent_total",
        "portique_letters",
    }


def test_metrics_count_people_activations_and_locks(scraped: dict[Any, float]) -> None:
    assert scraped[("portique_people", ())] == 8
    # Three rows in the audit trail, five more the purge deleted: a counter never drops.
    assert scraped[("portique_activations_total", ())] == 8
    assert scraped[("portique_account_locks_total", ())] == 2
    assert scraped[("portique_admin_login_locks_total", ())] == 1


def test_metrics_count_queued_and_failed_mails(scraped: dict[Any, float]) -> None:
    assert scraped[("portique_mails_queued", ())] == 2
    assert scraped[("portique_mails_failed", ())] == 1


def test_metrics_count_activations_in_progress_by_state(scraped: dict[Any, float]) -> None:
    flows = {
        dict(labels)["state"]: value
        for (name, labels), value in scraped.items()
        if name == "portique_activation_flows"
    }

    assert flows == {
        "awaiting_recovery_email": 2,
        "awaiting_recovery_email_confirmation": 2,
        "awaiting_charter_acceptance": 1,
        "awaiting_directory_choice": 0,
        "awaiting_forwarding_choice": 0,
        "awaiting_forwarding_confirmation": 0,
        "awaiting_new_password": 0,
    }


@pytest.mark.parametrize(
    ("cohort", "expected"),
    [("last_import", [6, 5, 4, 3, 2, 2, 1, 1]), ("this_week", [6, 6, 4, 3, 2, 2, 1, 1])],
)
def test_metrics_give_the_funnel(
    scraped: dict[Any, float], cohort: str, expected: list[int]
) -> None:
    funnel = [
        value
        for (name, labels), value in scraped.items()
        if name == "portique_funnel_people" and dict(labels)["cohort"] == cohort
    ]

    assert funnel == expected


def test_metrics_behind_a_token_refuse_a_scrape_without_it(db: None, settings: Any) -> None:
    settings.PORTIQUE_METRICS_TOKEN = "scrape-secret"

    assert scrape().status_code == 401
    assert scrape(HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert scrape(HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
