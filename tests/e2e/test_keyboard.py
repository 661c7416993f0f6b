"""A person with a keyboard alone: the whole activation with Tab, typing, Enter and Space, a
visible focus, and errors that take the focus to their summary."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import ELSEWHERE, PASSWORD, RECOVERY, Visitor, mailed_path, tab_to
from tests.factories import DemoPerson, PersonFactory


@pytest.fixture
def person(transactional_db: None) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


def field(page: Page, label: str | re.Pattern[str]) -> Any:
    return (
        page.get_by_label(label, exact=True) if isinstance(label, str) else page.get_by_label(label)
    )


def button(page: Page, name: str) -> Any:
    return page.get_by_role("button", name=name)


def type_into(page: Page, label: str | re.Pattern[str], text: str) -> None:
    """Tab to the field (which selects what it holds) and type over it."""
    tab_to(page, field(page, label))
    page.keyboard.type(text)


def press_button(page: Page, name: str) -> None:
    tab_to(page, button(page, name))
    page.keyboard.press("Enter")


def tick(page: Page, label: str | re.Pattern[str]) -> None:
    box = field(page, label)
    tab_to(page, box)
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def test_whole_activation_with_the_keyboard_alone(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/")

    tab_to(page, page.get_by_role("link", name="1ère connexion"))
    page.keyboard.press("Enter")
    type_into(page, "Identifiant (Nom de connexion)", person.login)
    page.keyboard.press("Enter")
    type_into(page, "Mot de passe provisoire", person.provisional_password)
    page.keyboard.press("Enter")
    type_into(page, "Adresse mail de secours", RECOVERY)
    type_into(page, "Confirmation de l'adresse mail de secours", RECOVERY)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Un mail a été envoyé")).to_be_visible()

    visitor.goto(mailed_path(RECOVERY))
    press_button(page, "Poursuivre l'activation")
    tick(page, re.compile("J'accepte la charte informatique"))
    press_button(page, "Suivant")
    tick(page, "J'accepte d'apparaître dans le futur annuaire public")
    press_button(page, "Suivant")
    tick(page, "Je mets en place une redirection de messagerie")
    type_into(page, "Adresse de la messagerie de redirection", ELSEWHERE)
    type_into(page, "Confirmation de l'adresse de messagerie de redirection", ELSEWHERE)
    press_button(page, "Suivant")
    expect(page.get_by_text("Un mail a été envoyé")).to_be_visible()

    visitor.goto(mailed_path(ELSEWHERE))
    press_button(page, "Poursuivre l'activation")
    type_into(page, "Nouveau mot de passe", PASSWORD)
    type_into(page, "Confirmation du nouveau mot de passe", PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_text("Félicitations, votre compte informatique est activé.")).to_be_visible()
    expect(page.get_by_text(ELSEWHERE)).to_be_visible()


def test_focused_button_shows_a_two_colour_outline(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/activation/identifiant/")
    next_button = button(page, "Suivant")

    tab_to(page, next_button)

    style = next_button.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
    )
    assert style["style"] == "solid"
    assert style["width"] >= 2
    assert style["shadow"] != "none"


def test_focused_link_shows_an_outline(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/")
    link = page.get_by_role("link", name="1ère connexion")

    tab_to(page, link)

    assert link.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"


def test_skip_link_is_the_first_stop_and_shows_when_focused(
    visitor: Visitor, person: DemoPerson
) -> None:
    page = visitor.page
    visitor.goto("/activation/identifiant/")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(field(page, "Identifiant (Nom de connexion)")).to_be_focused()


def test_failed_submit_moves_the_focus_to_the_error_summary(
    visitor: Visitor, person: DemoPerson
) -> None:
    page = visitor.page
    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)

    visitor.give_recovery_email(RECOVERY, "autre@example.com")

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_accessible_name("Veuillez corriger les erreurs suivantes :")
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")


def test_error_summary_link_takes_the_focus_to_its_field(
    visitor: Visitor, person: DemoPerson
) -> None:
    page = visitor.page
    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)
    visitor.give_recovery_email(RECOVERY, "autre@example.com")
    confirmation = field(page, "Confirmation de l'adresse mail de secours")
    expect(page.locator("[data-error-summary]")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=re.compile("ne sont pas identiques"))).to_be_focused()
    page.keyboard.press("Enter")

    expect(confirmation).to_be_focused()
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    expect(confirmation).to_have_accessible_description(re.compile("ne sont pas identiques"))


def test_progress_bar_is_named_after_the_step(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)

    progress = page.get_by_role("progressbar", name=re.compile(r"^Étape 3 sur \d+$"))

    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", "3")


def test_page_title_names_the_step(visitor: Visitor, person: DemoPerson) -> None:
    visitor.goto("/activation/")
    visitor.identify(person.login)

    expect(visitor.page).to_have_title(
        re.compile(r"^Activation de compte informatique · Étape 2 sur \d+ · ")
    )
