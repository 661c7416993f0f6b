"""« Télécharger mes données » (GDPR articles 15 and 20): the JSON file and the PDF hold what
Portique keeps about the logged-in person, and nothing about anybody else."""

import io
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from portique.accounts.models import Person
from portique.core.audit import audit_record
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.support.after_activation import (
    ACTIVATED_AT,
    RECOVERY,
    Activated,
    ActivatePerson,
    actions_of,
    logged_in_browser,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

PARIS = ZoneInfo("Europe/Paris")
DOWNLOADED_AT = datetime(2025, 5, 6, 11, 15, tzinfo=PARIS)


@pytest.fixture
def jane(activated: Activated) -> Activated:
    """Jane, activated, with what HR declared about her."""
    Person.objects.filter(login=activated.login).update(
        hr_id="RH-0042", department="Faculté des sciences", contract_end=date(2027, 8, 31)
    )
    return activated


def download(client: Client, extension: str) -> Any:
    with time_machine.travel(DOWNLOADED_AT, tick=False):
        return client.get(f"/compte/mes-donnees.{extension}")


@pytest.fixture
def document(jane: Activated, signed_in: Client) -> dict[str, Any]:
    return json.loads(download(signed_in, "json").content)


def test_json_is_an_attachment_named_after_the_login_and_the_day(
    jane: Activated, signed_in: Client
) -> None:
    response = download(signed_in, "json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="portique-jane.doe-2025-05-06.json"'
    )


def test_json_holds_the_identity_hr_declared(document: dict[str, Any]) -> None:
    assert document["identity"] == {
        "login": "jane.doe",
        "email": "jane.doe@umontpellier.fr",
        "first_name": "Jane",
        "last_name": "Doe",
        "category": "staff",
        "hr_id": "RH-0042",
        "department": "Faculté des sciences",
        "birth_date": None,
        "contract_end": "2027-08-31",
        "activated_at": ACTIVATED_AT.isoformat(),
    }


def test_json_holds_the_recovery_address_and_when_it_was_verified(
    document: dict[str, Any],
) -> None:
    assert document["addresses"]["recovery_email"] == {
        "address": RECOVERY,
        "verified_at": ACTIVATED_AT.isoformat(),
    }


def test_json_holds_the_charter_acceptance_and_its_record(document: dict[str, Any]) -> None:
    charter = document["consents"]["charter"]

    assert (charter["version"], charter["accepted_at"]) == ("2024-09", ACTIVATED_AT.isoformat())
    assert charter["history"] == [
        {
            "version": "2024-09",
            "choice": "accepted",
            "at": ACTIVATED_AT.isoformat(),
            "where": "activation",
            "ip": "127.0.0.1",
        }
    ]


def test_json_holds_the_directory_choice(document: dict[str, Any]) -> None:
    directory = document["consents"]["directory"]

    assert directory["consent"] is False
    assert [record["choice"] for record in directory["history"]] == ["refused"]


def test_json_holds_the_persons_whole_audit_trail(jane: Activated, signed_in: Client) -> None:
    before = actions_of(jane.login)

    document = json.loads(download(signed_in, "json").content)

    assert [event["action"] for event in document["audit_trail"]] == before
    assert document["audit_trail"][-1]["by"] == "self"
    assert document["audit_trail"][-1]["ip"] == "127.0.0.1"


def test_json_holds_nothing_of_another_person(
    jane: Activated, student: DemoPerson, activate: ActivatePerson, signed_in: Client
) -> None:
    activate(student)

    body = download(signed_in, "json").content.decode()

    assert student.login not in body
    assert AuditEvent.objects.filter(subject=student.login).exists()


def test_json_does_not_name_the_agent_who_acted(jane: Activated, signed_in: Client) -> None:
    audit_record(actor="agent.smith", subject=jane.login, action="account_unlocked")

    document = json.loads(download(signed_in, "json").content)

    assert document["audit_trail"][-1]["by"] == "other"
    assert "agent.smith" not in json.dumps(document)


def test_json_holds_no_password_hash(jane: Activated, signed_in: Client) -> None:
    body = download(signed_in, "json").content.decode()

    assert jane.account.password not in body
    assert "argon2" not in body


def test_json_lists_the_open_sessions_this_one_marked(jane: Activated, signed_in: Client) -> None:
    logged_in_browser(jane.login)

    sessions = json.loads(download(signed_in, "json").content)["sessions"]

    assert sorted(session["current"] for session in sessions) == [False, True]


def test_each_download_is_audited(jane: Activated, signed_in: Client) -> None:
    download(signed_in, "json")
    download(signed_in, "pdf")

    rows = AuditEvent.objects.filter(subject=jane.login, action="personal_data_exported")
    assert sorted(row.data["format"] for row in rows) == ["json", "pdf"]


def test_pdf_is_a_pdf_attachment_with_the_login_in_its_text(
    jane: Activated, signed_in: Client
) -> None:
    response = download(signed_in, "pdf")

    pages = PdfReader(io.BytesIO(response.content)).pages
    printed = "\n".join(page.extract_text() for page in pages)
    assert response["Content-Disposition"] == (
        'attachment; filename="portique-jane.doe-2025-05-06.pdf"'
    )
    assert "jane.doe" in printed
    assert "Faculté des sciences" in printed
    assert RECOVERY in printed


def test_pdf_tells_each_consent_in_words(jane: Activated, signed_in: Client) -> None:
    response = download(signed_in, "pdf")

    printed = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "accepté (activation du compte" in printed
    assert "accepted (" not in printed


def test_downloads_need_a_login(client: Client) -> None:
    response = client.get("/compte/mes-donnees.json")

    assert response["Location"] == "/"


def test_account_page_offers_both_downloads(signed_in: Client) -> None:
    page = text(signed_in.get("/compte/"))

    assert "Télécharger mes données (PDF)" in page
    assert "Télécharger mes données (JSON)" in page
