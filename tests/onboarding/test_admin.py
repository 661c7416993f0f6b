"""The admin: upload HR's file, reissue letters and revoke provisional passwords from the
list of people."""

import html
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portique.accounts.models import Account, Person
from portique.core.models import AuditEvent
from tests.onboarding.conftest import (
    accepted,
    csv_file,
    pdf_pages,
    printed_password,
    refused,
    run_import,
    step_2,
)

pytestmark = pytest.mark.django_db
IMPORT = "/admin/accounts/person/import/"
CHANGELIST = "/admin/accounts/person/"


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser("rh.admin", "rh@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, **options: bool) -> Any:
    form: dict[str, Any] = {"file": SimpleUploadedFile("rentree.csv", data, "text/csv")}
    form.update({name: "on" for name, wanted in options.items() if wanted})
    return client.post(IMPORT, form)


def test_import_page_shows_the_form(admin_client: Client) -> None:
    page = admin_client.get(IMPORT).content.decode()

    assert 'type="file"' in page
    assert "Produire les lettres (PDF)" in page


def test_changelist_links_to_the_import_page(admin_client: Client) -> None:
    assert IMPORT in admin_client.get(CHANGELIST).content.decode()


def test_upload_imports_and_shows_the_summary(admin_client: Client) -> None:
    response = upload(admin_client, csv_file("1,Jane,Doe,staff", "2,Paul,Martin,vacataire"))

    assert "Créés : 2, mis à jour : 0, inchangés : 0, rejetés : 0" in response.content.decode()
    assert Person.objects.count() == 2


def test_upload_with_an_invalid_line_shows_it_and_imports_nothing(admin_client: Client) -> None:
    response = upload(admin_client, csv_file("1,Jane,Doe,staff", "2,,Martin,staff"))

    page = html.unescape(response.content.decode())
    assert "Rien n'a été importé" in page
    assert "ligne 3 : prénom manquant" in page
    assert not Person.objects.exists()


def test_upload_skipping_invalid_lines_imports_the_others(admin_client: Client) -> None:
    upload(admin_client, csv_file("1,Jane,Doe,staff", "2,,Martin,staff"), skip_invalid=True)

    assert list(Person.objects.values_list("login", flat=True)) == ["jane.doe"]


def test_upload_of_an_unreadable_file_says_why(admin_client: Client) -> None:
    response = upload(admin_client, b"name,surname\nJane,Doe\n")

    assert "colonnes manquantes" in response.content.decode()


def test_upload_with_letters_returns_the_pdf(admin_client: Client) -> None:
    response = upload(admin_client, csv_file("1,Jane,Doe,staff"), letters=True)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    (page,) = pdf_pages(response.content)
    assert accepted(step_2(Client(), "jane.doe", printed_password(page)))


def test_upload_is_audited_under_the_admin_user(admin_client: Client) -> None:
    upload(admin_client, csv_file("1,Jane,Doe,staff"))

    assert AuditEvent.objects.get(action="person_created").actor == "rh.admin"


def test_reissue_action_returns_the_letters(admin_client: Client) -> None:
    old = run_import("1,Jane,Doe,staff").credentials[0]
    person = Person.objects.get()

    response = admin_client.post(
        CHANGELIST, {"action": "reissue_letters", "_selected_action": [person.pk]}
    )

    (page,) = pdf_pages(response.content)
    assert accepted(step_2(Client(), "jane.doe", printed_password(page)))
    assert refused(step_2(Client(), "jane.doe", old.provisional_password))


def test_reissue_action_refuses_activated_accounts(admin_client: Client) -> None:
    run_import("1,Jane,Doe,staff")
    Account.objects.update(activated_at="2026-01-01T00:00:00Z")

    response = admin_client.post(
        CHANGELIST,
        {"action": "reissue_letters", "_selected_action": [Person.objects.get().pk]},
        follow=True,
    )

    assert "Aucune lettre réémise : compte déjà activé : jane.doe" in response.content.decode()


def test_revoke_action_makes_the_letter_refused(admin_client: Client) -> None:
    letter = run_import("1,Jane,Doe,staff").credentials[0]

    response = admin_client.post(
        CHANGELIST,
        {"action": "revoke_provisional_passwords", "_selected_action": [Person.objects.get().pk]},
        follow=True,
    )

    assert "1 mot de passe provisoire révoqué" in response.content.decode()
    assert refused(step_2(Client(), letter.login, letter.provisional_password))


def test_import_page_is_for_staff_only(client: Client) -> None:
    assert client.get(IMPORT).status_code == 302
