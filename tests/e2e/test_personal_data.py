"""The person's own record in a real Chromium: the new charter asked for at login, and
« Télécharger mes données » downloading a file."""

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from portique.consents.models import ConsentRecord
from tests.e2e.support import Visitor, snap
from tests.factories import DemoPerson, PersonFactory
from tests.support.after_activation import PASSWORD, walk_activation
from tests.support.walkers import Walker

NEW_VERSION = "2026-01"


@pytest.fixture
def activated(transactional_db: None) -> DemoPerson:
    """Jane Doe, activated through the test client (sharing the live server's database)."""
    staff = PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")
    walk_activation(Walker(Client(), staff))
    mail.outbox.clear()
    return staff


def log_in(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_label("IDENTIFIANT").fill(person.login)
    page.get_by_label("MOT DE PASSE").fill(PASSWORD)
    page.get_by_role("button", name="SE CONNECTER").click()


def test_new_charter_is_accepted_at_login_before_the_account_page(
    visitor: Visitor, activated: DemoPerson, settings: Any
) -> None:
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    settings.PORTIQUE_CHARTER_REACCEPT = True
    page = visitor.page

    log_in(visitor, activated)
    expect(page.get_by_role("heading", name="Nouvelle charte informatique")).to_be_visible()
    snap(page, "records/01-new-charter")
    page.get_by_label("J'accepte la charte informatique de l'Université de Montpellier").check()
    visitor.next()

    expect(page.get_by_role("heading", name="Compte Informatique", exact=True)).to_be_visible()
    expect(page.get_by_text(f"version {NEW_VERSION}, acceptée le")).to_be_visible()
    assert ConsentRecord.objects.filter(
        login=activated.login, kind="charter", version=NEW_VERSION, choice="accepted"
    ).exists()


def test_refusing_the_new_charter_logs_out(
    visitor: Visitor, activated: DemoPerson, settings: Any
) -> None:
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    settings.PORTIQUE_CHARTER_REACCEPT = True
    page = visitor.page

    log_in(visitor, activated)
    page.get_by_role("button", name="Refuser et me déconnecter").click()

    expect(page.get_by_text("Vous avez refusé la nouvelle charte informatique")).to_be_visible()
    expect(page.get_by_role("button", name="SE CONNECTER")).to_be_visible()


def test_download_link_gives_the_json_file_of_the_person(
    visitor: Visitor, activated: DemoPerson
) -> None:
    page = visitor.page
    log_in(visitor, activated)
    expect(page.get_by_role("heading", name="Télécharger mes données")).to_be_visible()

    with page.expect_download() as started:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    download = started.value

    assert download.suggested_filename.startswith("portique-jane.doe-")
    document = json.loads(download.path().read_text(encoding="utf-8"))
    assert document["identity"]["login"] == "jane.doe"


def test_download_link_gives_a_pdf(visitor: Visitor, activated: DemoPerson) -> None:
    page = visitor.page
    log_in(visitor, activated)

    with page.expect_download() as started:
        page.get_by_role("link", name="Télécharger mes données (PDF)").click()
    download = started.value

    assert download.suggested_filename.endswith(".pdf")
    assert download.path().read_bytes().startswith(b"%PDF-")
