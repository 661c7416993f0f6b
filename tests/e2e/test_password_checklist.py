"""Step 9 in a real Chromium: the live checklist ticks the rules as the person types, and
the show-password button works from the keyboard. Pages are driven by their visible labels."""

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.factories import DemoPerson, PersonFactory
from tests.support.mail import last_link

RECOVERY_EMAIL = "perso@example.com"
GOOD_PASSPHRASE = "8cheval-agrafe-pile-Z"
DICTIONARY_RULE = "ne doit pas contenir un mot du dictionnaire"
LENGTH_RULE = "doit contenir au minimum 8 caractères"
OK = re.compile(r"\brule--ok\b")
KO = re.compile(r"\brule--ko\b")


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Suivant").click()


@pytest.fixture
def person(transactional_db: None) -> DemoPerson:
    return PersonFactory(first_name="Camille", last_name="Rousseau", category="staff")


@pytest.fixture
def at_step_9(page: Page, live_server: Any, person: DemoPerson) -> Page:
    """Steps 1 to 8 as a person does them, the mailed link included."""
    page.goto(live_server.url + "/activation/")
    page.get_by_label("Identifiant (Nom de connexion)").fill(person.login)
    next_step(page)
    page.get_by_label("Mot de passe provisoire").fill(person.provisional_password)
    next_step(page)
    page.get_by_label("Adresse mail de secours", exact=True).fill(RECOVERY_EMAIL)
    page.get_by_label("Confirmation de l'adresse mail de secours").fill(RECOVERY_EMAIL)
    next_step(page)
    expect(page.get_by_text("Un mail a été envoyé")).to_be_visible()
    page.goto(live_server.url + last_link(RECOVERY_EMAIL))
    page.get_by_role("button", name="Poursuivre l'activation").click()
    page.get_by_label(re.compile("J'accepte la charte informatique")).check()
    next_step(page)
    expect(
        page.get_by_label("J'accepte d'apparaître dans le futur annuaire public")
    ).to_be_visible()
    next_step(page)
    expect(page.get_by_label("Je mets en place une redirection de messagerie")).to_be_visible()
    next_step(page)
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()
    return page


def new_password(page: Page) -> Locator:
    return page.get_by_label("Nouveau mot de passe", exact=True)


def rule(page: Page, text: str) -> Locator:
    return page.locator("#password-rules .rule").filter(has_text=text)


def reveal_button(page: Page) -> Locator:
    """The show-password button of the new password (the confirmation has its own)."""
    controls = new_password(page).get_attribute("id")
    return page.get_by_role("button", name="Afficher le mot de passe").and_(
        page.locator(f'[aria-controls="{controls}"]')
    )


def type_password(page: Page, password: str) -> None:
    field = new_password(page)
    field.fill("")
    field.press_sequentially(password)


# --- The live checklist ---------------------------------------------------------------------


def test_dictionary_word_is_ticked_as_broken_while_typing(at_step_9: Page) -> None:
    type_password(at_step_9, "soleil2024")

    expect(rule(at_step_9, DICTIONARY_RULE)).to_have_class(KO)


def test_long_enough_dictionary_word_ticks_the_length_rule_as_met(at_step_9: Page) -> None:
    type_password(at_step_9, "soleil2024")

    expect(rule(at_step_9, DICTIONARY_RULE)).to_have_class(KO)
    expect(rule(at_step_9, LENGTH_RULE)).to_have_class(OK)


def test_good_passphrase_ticks_every_rule_as_met(at_step_9: Page) -> None:
    type_password(at_step_9, "soleil2024")
    expect(rule(at_step_9, DICTIONARY_RULE)).to_have_class(KO)

    type_password(at_step_9, GOOD_PASSPHRASE)

    rules = at_step_9.locator("#password-rules .rule")
    expect(rules.and_(at_step_9.locator(".rule--ok"))).to_have_count(rules.count())
    expect(at_step_9.locator("#password-rules .rule--ko")).to_have_count(0)


def test_status_region_announces_the_rules_met(at_step_9: Page) -> None:
    type_password(at_step_9, GOOD_PASSPHRASE)

    # The checklist's own status region (a page with a session has another, for the
    # warning before the session ends).
    region = at_step_9.get_by_role("status").and_(at_step_9.locator("#password-rules-status"))
    expect(region).to_contain_text("règles respectées")


def test_erasing_the_password_clears_the_checklist(at_step_9: Page) -> None:
    type_password(at_step_9, "soleil2024")
    expect(rule(at_step_9, DICTIONARY_RULE)).to_have_class(KO)

    new_password(at_step_9).fill("")

    expect(at_step_9.locator("#password-rules .rule--ok, #password-rules .rule--ko")).to_have_count(
        0
    )


# --- The show-password button ---------------------------------------------------------------


def test_show_password_button_follows_the_field_in_tab_order(at_step_9: Page) -> None:
    new_password(at_step_9).focus()

    at_step_9.keyboard.press("Tab")

    expect(reveal_button(at_step_9)).to_be_focused()


def test_show_password_button_starts_unpressed_with_the_password_hidden(at_step_9: Page) -> None:
    expect(reveal_button(at_step_9)).to_have_attribute("aria-pressed", "false")
    expect(new_password(at_step_9)).to_have_attribute("type", "password")


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_show_password_button_shows_the_password_from_the_keyboard(
    at_step_9: Page, key: str
) -> None:
    new_password(at_step_9).focus()
    at_step_9.keyboard.press("Tab")

    at_step_9.keyboard.press(key)

    expect(reveal_button(at_step_9)).to_have_attribute("aria-pressed", "true")
    expect(new_password(at_step_9)).to_have_attribute("type", "text")


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_show_password_button_hides_the_password_again_from_the_keyboard(
    at_step_9: Page, key: str
) -> None:
    reveal_button(at_step_9).click()
    expect(new_password(at_step_9)).to_have_attribute("type", "text")
    new_password(at_step_9).focus()
    at_step_9.keyboard.press("Tab")

    at_step_9.keyboard.press(key)

    expect(reveal_button(at_step_9)).to_have_attribute("aria-pressed", "false")
    expect(new_password(at_step_9)).to_have_attribute("type", "password")


# --- Submitting -----------------------------------------------------------------------------


def test_good_password_activates_the_account(at_step_9: Page) -> None:
    type_password(at_step_9, GOOD_PASSPHRASE)
    at_step_9.get_by_label("Confirmation du nouveau mot de passe").fill(GOOD_PASSPHRASE)

    next_step(at_step_9)

    expect(
        at_step_9.get_by_text("Félicitations, votre compte informatique est activé")
    ).to_be_visible()
