""" "Compte Informatique": what it states about the account, and which forms it offers to
whom."""

import pytest
from django.test import Client

from tests.factories import DemoPerson
from tests.support.after_activation import RECOVERY, ActivatePerson, facts, logged_in_browser
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

FORWARDING_BOX = "Je mets en place une redirection de messagerie"


def test_account_page_shows_the_login(signed_in: Client) -> None:
    assert facts(signed_in.get("/compte/"))["Identifiant"] == "jane.doe"


def test_account_page_shows_the_university_address(signed_in: Client) -> None:
    shown = facts(signed_in.get("/compte/"))

    assert shown["Adresse de messagerie universitaire"] == "jane.doe@umontpellier.fr"


def test_account_page_shows_the_category(signed_in: Client) -> None:
    assert facts(signed_in.get("/compte/"))["Catégorie"] == "Personnel"


def test_account_page_shows_the_recovery_address(signed_in: Client) -> None:
    assert facts(signed_in.get("/compte/"))["Adresse mail de secours"] == RECOVERY


def test_account_page_shows_no_redirection_as_none(signed_in: Client) -> None:
    assert facts(signed_in.get("/compte/"))["Redirection"] == "Aucune"


@pytest.mark.parametrize(
    ("keep_copy", "shown"),
    [
        (True, f"{RECOVERY} — copie conservée sur la messagerie universitaire"),
        (False, f"{RECOVERY} — sans copie"),
    ],
    ids=["copy-kept", "no-copy"],
)
def test_account_page_shows_the_redirection_and_the_keep_copy_choice(
    staff: DemoPerson, activate: ActivatePerson, keep_copy: bool, shown: str
) -> None:
    activate(staff, forwarding=RECOVERY, keep_copy=keep_copy)

    page = logged_in_browser(staff.login).get("/compte/")

    assert facts(page)["Redirection"] == shown


@pytest.mark.parametrize(
    ("activated", "shown"),
    [(True, "J'apparais dans l'annuaire"), (False, "Je n'apparais pas dans l'annuaire")],
    ids=["consented", "declined"],
    indirect=["activated"],
)
def test_account_page_shows_the_directory_consent(signed_in: Client, shown: str) -> None:
    assert facts(signed_in.get("/compte/"))["Annuaire public"] == shown


def test_account_page_shows_the_charter_version_and_when_it_was_accepted(
    signed_in: Client,
) -> None:
    shown = facts(signed_in.get("/compte/"))

    assert shown["Charte informatique"] == "version 2024-09, acceptée le 12 mars 2025"


def test_account_page_shows_the_activation_date(signed_in: Client) -> None:
    assert facts(signed_in.get("/compte/"))["Compte activé le"] == "12 mars 2025 à 09:00"


def test_account_page_is_not_cached(signed_in: Client) -> None:
    assert "no-store" in signed_in.get("/compte/")["Cache-Control"]


def test_staff_page_offers_the_redirection_box(signed_in: Client) -> None:
    assert FORWARDING_BOX in text(signed_in.get("/compte/"))


def test_vacataire_page_has_no_box_to_remove_the_redirection(
    vacataire: DemoPerson, activate: ActivatePerson
) -> None:
    activate(vacataire, forwarding=RECOVERY)

    page = text(logged_in_browser(vacataire.login).get("/compte/"))

    assert "Redirection de messagerie" in page
    assert FORWARDING_BOX not in page
