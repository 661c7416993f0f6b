"""French by default, English complete: chosen from the browser's Accept-Language, or with the
switch in the header, which holds on the next pages. An English browser activates an account
in English, mails and password rules included."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.support import PASSWORD, RECOVERY, Visitor, mailed_path, snap
from tests.factories import DemoPerson, PersonFactory


@pytest.fixture
def student(transactional_db: None) -> DemoPerson:
    return PersonFactory(
        login="lea.bernard", first_name="Léa", last_name="Bernard", category="student"
    )


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Next").click()


def test_french_is_the_default(visitor: Visitor, transactional_db: None) -> None:
    visitor.goto("/")

    expect(visitor.page.locator("html")).to_have_attribute("lang", "fr")
    expect(visitor.page.get_by_role("button", name="SE CONNECTER")).to_be_visible()


def test_english_browser_activates_an_account_in_english(
    window: Callable[..., Page], live_server: Any, student: DemoPerson
) -> None:
    page = window("en-GB")
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="LOG IN")).to_be_visible()
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    snap(page, "english/00-home")

    page.get_by_role("link", name="First login").click()
    expect(page.get_by_role("heading", name="IT ACCOUNT ACTIVATION")).to_be_visible()
    page.get_by_label("Username (login name)").fill(student.login)
    next_step(page)
    page.get_by_label("Temporary password").fill(student.provisional_password)
    next_step(page)
    expect(page.get_by_role("progressbar", name=re.compile(r"^Step 3 of \d+$"))).to_be_visible()
    page.get_by_label("Recovery email address", exact=True).fill(RECOVERY)
    page.get_by_label("Confirm recovery email address").fill("other@example.com")
    next_step(page)
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following errors:")
    snap(page, "english/03-errors")
    page.get_by_label("Confirm recovery email address").fill(RECOVERY)
    next_step(page)

    page.goto(live_server.url + mailed_path(RECOVERY))
    message = mail.outbox[-1]
    assert message.subject.endswith("confirm your recovery email address")
    assert "Hello," in str(message.body)
    page.get_by_role("button", name="Continue the activation").click()
    page.get_by_label(re.compile("I accept the IT charter")).check()
    next_step(page)
    page.get_by_label("I agree to appear in the forthcoming public directory").check()
    next_step(page)
    expect(page.get_by_label("I want to set up mail forwarding")).not_to_be_checked()
    next_step(page)

    expect(page.get_by_text("For security reasons, your password:")).to_be_visible()
    expect(page.locator("#password-rules")).to_contain_text("must contain at least 8 characters")
    page.get_by_label("New password", exact=True).press_sequentially("soleil2024")
    expect(page.get_by_role("status").filter(has_text="rules met")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("")
    page.get_by_label("New password", exact=True).press_sequentially(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    snap(page, "english/09-new-password")
    next_step(page)

    expect(page.get_by_text("Congratulations, your IT account is now activated.")).to_be_visible()
    snap(page, "english/10-done")


def test_switch_turns_the_page_to_english_and_it_stays_english(
    visitor: Visitor, student: DemoPerson
) -> None:
    page = visitor.page
    visitor.goto("/activation/")
    expect(page.get_by_role("heading", name="ACTIVATION DE COMPTE INFORMATIQUE")).to_be_visible()

    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("heading", name="IT ACCOUNT ACTIVATION")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Username (login name)").fill(student.login)
    next_step(page)
    expect(page.get_by_label("Temporary password")).to_be_visible()
    expect(page.get_by_role("button", name="Français")).to_be_visible()


def test_switch_back_to_french_holds_on_the_next_page(
    window: Callable[..., Page], live_server: Any, student: DemoPerson
) -> None:
    page = window("en-GB")
    page.goto(live_server.url + "/activation/")
    expect(page.get_by_role("heading", name="IT ACCOUNT ACTIVATION")).to_be_visible()

    page.get_by_role("button", name="Français").click()

    expect(page.get_by_role("heading", name="ACTIVATION DE COMPTE INFORMATIQUE")).to_be_visible()
    page.get_by_label("Identifiant (Nom de connexion)").fill(student.login)
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_label("Mot de passe provisoire")).to_be_visible()
