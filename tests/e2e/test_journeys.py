"""Whole journeys in a real Chromium, as a person makes them: every field found by its visible
label, every button by its name, links taken from the mails. A screenshot of each step goes
to test-results/screenshots/<journey>/."""

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import Page, expect

from tests.e2e.support import (
    ELSEWHERE,
    PASSWORD,
    RECOVERY,
    Visitor,
    mailed_path,
    snap,
)
from tests.factories import DemoPerson, PersonFactory
from tests.support.after_activation import PASSWORD as ACTIVATED_PASSWORD
from tests.support.after_activation import walk_activation
from tests.support.walkers import Walker

SENT = "Un mail a été envoyé"
DONE = "Félicitations, votre compte informatique est activé."


@pytest.fixture
def staff(transactional_db: None) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


@pytest.fixture
def vacataire(transactional_db: None) -> DemoPerson:
    return PersonFactory(
        login="paul.martin", first_name="Paul", last_name="Martin", category="vacataire"
    )


@pytest.fixture
def student(transactional_db: None) -> DemoPerson:
    return PersonFactory(
        login="lea.bernard", first_name="Léa", last_name="Bernard", category="student"
    )


def steps_1_to_6(visitor: Visitor, person: DemoPerson, shots: str) -> None:
    """From the home page to the redirection step, screenshots on the way."""
    page = visitor.page
    visitor.goto("/")
    snap(page, f"{shots}/00-home")
    page.get_by_role("link", name="1ère connexion").click()
    expect(visitor.progress(1, 9)).to_be_visible()
    snap(page, f"{shots}/01-identifier")
    visitor.identify(person.login)
    expect(page.get_by_text(person.login)).to_be_visible()
    snap(page, f"{shots}/02-provisional-password")
    visitor.give_provisional_password(person.provisional_password)
    expect(page.get_by_label("Adresse mail de secours", exact=True)).to_be_visible()
    snap(page, f"{shots}/03-recovery-email")
    visitor.give_recovery_email(RECOVERY)
    expect(page.get_by_text(SENT)).to_contain_text(RECOVERY)
    snap(page, f"{shots}/04-recovery-email-sent")
    visitor.open_mailed_link(RECOVERY)
    snap(page, f"{shots}/04-link-confirm")
    page.get_by_role("button", name="Poursuivre l'activation").click()
    snap(page, f"{shots}/05-charter")
    visitor.accept_charter()
    snap(page, f"{shots}/06-directory")
    visitor.choose_directory(True)


def step_9_to_10(visitor: Visitor, shots: str) -> None:
    """The new password, the checklist ticking every rule as it is typed, then step 10."""
    page = visitor.page
    password = page.get_by_label("Nouveau mot de passe", exact=True)
    password.press_sequentially(PASSWORD)
    rules = page.locator("#password-rules .rule")
    expect(page.locator("#password-rules .rule--ok")).to_have_count(rules.count())
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    snap(page, f"{shots}/09-new-password")
    visitor.next()
    expect(page.get_by_text(DONE)).to_be_visible()
    snap(page, f"{shots}/10-done")


def can_log_in(visitor: Visitor, person: DemoPerson, password: str = PASSWORD) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_label("IDENTIFIANT").fill(person.login)
    page.get_by_label("MOT DE PASSE").fill(password)
    page.get_by_role("button", name="SE CONNECTER").click()
    expect(page.get_by_role("heading", name="Compte Informatique")).to_be_visible()


def test_staff_member_activates_with_a_redirection_to_another_address(
    visitor: Visitor, staff: DemoPerson
) -> None:
    page = visitor.page
    steps_1_to_6(visitor, staff, "staff")

    expect(page.get_by_label("Je mets en place une redirection de messagerie")).not_to_be_checked()
    expect(page.get_by_label("Adresse de la messagerie de redirection")).to_have_value(RECOVERY)
    snap(page, "staff/07-forwarding")
    page.get_by_label("Je mets en place une redirection de messagerie").check()
    visitor.forwarding_fields(ELSEWHERE)
    expect(page.get_by_label(re.compile("conserver une copie des mails"))).to_be_checked()
    visitor.next()
    expect(page.get_by_text(SENT)).to_contain_text(ELSEWHERE)
    expect(visitor.progress(8, 10)).to_be_visible()
    snap(page, "staff/08-forwarding-sent")
    visitor.open_mailed_link(ELSEWHERE)
    page.get_by_role("button", name="Poursuivre l'activation").click()
    expect(visitor.progress(9, 10)).to_be_visible()
    step_9_to_10(visitor, "staff")

    expect(page.get_by_text(f"rediriger vos mails vers : {ELSEWHERE}")).to_be_visible()
    expect(page.get_by_text("Une copie de vos mails sera conservée")).to_be_visible()
    can_log_in(visitor, staff)


def test_vacataire_activates_with_the_mandatory_redirection(
    visitor: Visitor, vacataire: DemoPerson
) -> None:
    page = visitor.page
    steps_1_to_6(visitor, vacataire, "vacataire")

    expect(page.get_by_label("Je mets en place une redirection de messagerie")).to_have_count(0)
    expect(
        page.get_by_text("seront redirigés vers une adresse de messagerie externe")
    ).to_be_visible()
    snap(page, "vacataire/07bis-forwarding")
    visitor.forwarding_fields(RECOVERY)
    visitor.next()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()
    step_9_to_10(visitor, "vacataire")

    expect(page.get_by_text(f"rediriger vos mails vers : {RECOVERY}")).to_be_visible()
    can_log_in(visitor, vacataire)


def test_student_activates_without_a_redirection(visitor: Visitor, student: DemoPerson) -> None:
    page = visitor.page
    steps_1_to_6(visitor, student, "student")

    snap(page, "student/07-forwarding")
    visitor.next()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()
    step_9_to_10(visitor, "student")

    expect(page.get_by_text("Une redirection a été mise en place")).to_have_count(0)
    can_log_in(visitor, student)


@pytest.fixture
def activated(staff: DemoPerson) -> DemoPerson:
    """Jane Doe, activated (through the test client, sharing the live server's database)."""
    walk_activation(Walker(Client(), staff))
    mail.outbox.clear()
    return staff


def test_forgotten_password_is_replaced_through_the_mailed_link(
    visitor: Visitor, activated: DemoPerson
) -> None:
    page = visitor.page
    new_password = "Tournesol-2031-vert"
    visitor.goto("/")

    page.get_by_role("link", name="Problème de connexion").first.click()
    snap(page, "recovery/01-request")
    page.get_by_label("Identifiant (Nom de connexion)").fill(activated.login)
    visitor.next()
    expect(page.get_by_text("un mail vient d'être envoyé")).to_be_visible()
    snap(page, "recovery/02-sent")
    visitor.goto(mailed_path(RECOVERY))
    expect(page.get_by_role("heading", name="Choisir un nouveau mot de passe")).to_be_visible()
    snap(page, "recovery/03-new-password")
    visitor.set_password(new_password)
    expect(page.get_by_text("Votre nouveau mot de passe est enregistré")).to_be_visible()
    snap(page, "recovery/04-done")

    can_log_in(visitor, activated, new_password)


def account_section(page: Page, title: str) -> Any:
    return page.get_by_role("region", name=title)


def test_account_page_changes_the_redirection_once_the_mailed_link_is_followed(
    visitor: Visitor, activated: DemoPerson
) -> None:
    page = visitor.page
    can_log_in(visitor, activated, ACTIVATED_PASSWORD)
    snap(page, "account/01-account")
    forwarding = account_section(page, "Redirection de messagerie")

    forwarding.get_by_label("Je mets en place une redirection de messagerie").check()
    forwarding.get_by_label("Adresse de la messagerie de redirection").fill(ELSEWHERE)
    forwarding.get_by_label("Confirmation de l'adresse de messagerie de redirection").fill(
        ELSEWHERE
    )
    forwarding.get_by_label("Mot de passe actuel", exact=True).fill(ACTIVATED_PASSWORD)
    forwarding.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Un mail a été envoyé à {ELSEWHERE}")
    expect(page.get_by_role("definition").filter(has_text=ELSEWHERE)).to_have_count(0)
    snap(page, "account/02-pending")
    visitor.goto(mailed_path(ELSEWHERE))
    page.get_by_role("button", name="Confirmer l'adresse").click()

    expect(page.get_by_role("status").first).to_contain_text("Adresse confirmée")
    expect(page.get_by_role("definition").filter(has_text=ELSEWHERE)).to_be_visible()
    snap(page, "account/03-confirmed")
