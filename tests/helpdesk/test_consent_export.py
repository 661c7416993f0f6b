"""The charter's consent records exported for a CNIL or internal audit: a streamed CSV,
filtered by days and version, behind its own permission."""

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse
from django.test import Client

from portique.accounts.models import Person
from portique.consents.models import ConsentRecord
from portique.core.models import AuditEvent
from tests.helpdesk.conftest import AGENT_IP, PARIS, signed_in

MARCH_1 = datetime(2025, 3, 1, 9, 0, tzinfo=PARIS)
# 23:30 in Paris on 15 March is 22:30 UTC: still 15 March for the filter.
MARCH_15_LATE = datetime(2025, 3, 15, 23, 30, tzinfo=PARIS)
MARCH_16 = datetime(2025, 3, 16, 0, 30, tzinfo=PARIS)


def record(login: str, at: datetime, version: str = "2024-09", **fields: Any) -> ConsentRecord:
    values = {"kind": "charter", "choice": "accepted", "where": "activation", **fields}
    return ConsentRecord.objects.create(login=login, at=at, version=version, **values)


@pytest.fixture
def records(db: None) -> None:
    Person.objects.create(login="ada", first_name="Ada", last_name="Lovelace", category="staff")
    record("ada", MARCH_1, client_ip="192.0.2.7")
    record("bob", MARCH_15_LATE, version="2026-01", where="reacceptance")
    record("carl", MARCH_16, version="2026-01", choice="refused", where="reacceptance")
    record("ada", MARCH_15_LATE, kind="directory", version="2024-09")


def rows(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_export_lists_every_charter_record_oldest_first(
    records: None, agent_browser: Client
) -> None:
    exported = rows(agent_browser.get("/helpdesk/consentements/charte.csv"))

    assert [(row["identifiant"], row["version"], row["choix"]) for row in exported] == [
        ("ada", "2024-09", "accepted"),
        ("bob", "2026-01", "accepted"),
        ("carl", "2026-01", "refused"),
    ]


def test_export_gives_names_time_place_and_address(records: None, agent_browser: Client) -> None:
    first = rows(agent_browser.get("/helpdesk/consentements/charte.csv"))[0]

    assert first == {
        "identifiant": "ada",
        "prénom": "Ada",
        "nom": "Lovelace",
        "version": "2024-09",
        "choix": "accepted",
        "date": "2025-03-01T09:00:00+01:00",
        "lieu": "activation",
        "adresse IP": "192.0.2.7",
    }


def test_export_keeps_the_days_asked_for_in_local_time(
    records: None, agent_browser: Client
) -> None:
    exported = rows(
        agent_browser.get("/helpdesk/consentements/charte.csv?since=2025-03-02&until=2025-03-15")
    )

    assert [row["identifiant"] for row in exported] == ["bob"]


def test_export_keeps_the_version_asked_for(records: None, agent_browser: Client) -> None:
    exported = rows(agent_browser.get("/helpdesk/consentements/charte.csv?version=2026-01"))

    assert [row["identifiant"] for row in exported] == ["bob", "carl"]


def test_export_is_streamed_as_an_attachment(records: None, agent_browser: Client) -> None:
    response = agent_browser.get("/helpdesk/consentements/charte.csv")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="portique-charte-')


def test_export_is_audited_with_its_filters(records: None, agent_browser: Client) -> None:
    agent_browser.get("/helpdesk/consentements/charte.csv?since=2025-03-02&version=2026-01")

    row = AuditEvent.objects.get(action="consents_exported")
    assert (row.actor, row.client_ip) == ("agent.smith", AGENT_IP)
    assert row.data == {"since": "2025-03-02", "until": None, "version": "2026-01"}


def test_reversed_dates_are_refused_on_the_form(records: None, agent_browser: Client) -> None:
    response = agent_browser.get(
        "/helpdesk/consentements/charte.csv?since=2025-03-15&until=2025-03-01"
    )

    assert response.status_code == 200
    assert "La date de début est après la date de fin." in response.content.decode()
    assert not AuditEvent.objects.filter(action="consents_exported").exists()


def test_form_page_offers_the_versions_on_record(records: None, agent_browser: Client) -> None:
    page = agent_browser.get("/helpdesk/consentements/").content.decode()

    assert '<option value="2026-01">2026-01</option>' in page
    assert '<option value="2024-09">2024-09</option>' in page


def test_administrators_may_export(records: None, admin_browser: Client) -> None:
    assert admin_browser.get("/helpdesk/consentements/charte.csv").status_code == 200


@pytest.mark.parametrize("path", ["/helpdesk/consentements/", "/helpdesk/consentements/charte.csv"])
def test_staff_without_the_permission_get_403(records: None, path: str) -> None:
    user = User.objects.create_user("no.role", is_staff=True)

    assert signed_in(user).get(path).status_code == 403
