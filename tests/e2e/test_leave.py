"""« Quitter » in a real Chromium: a person at the keyboard leaves the activation at step 5
and resumes it there later; the page that says how passes axe-core, and fits a phone."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import (
    RECOVERY,
    TOUCH_TARGET_PX,
    Visitor,
    axe_violations,
    describe,
    horizontal_overflow,
    is_focused,
    small_touch_targets,
    snap,
    tab_to,
)
from tests.factories import DemoPerson, PersonFactory

CHARTER = re.compile("J'accepte la charte informatique")
LEFT = "Vous avez quitté l'activation"


@pytest.fixture
def person(transactional_db: None) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


def reach_step_5(visitor: Visitor, person: DemoPerson) -> None:
    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)
    visitor.give_recovery_email(RECOVERY)
    visitor.open_mailed_link(RECOVERY)
    visitor.page.get_by_role("button", name="Poursuivre l'activation").click()
    expect(visitor.page.get_by_label(CHARTER)).to_be_visible()


def leave_with_the_keyboard(page: Page) -> list[str]:
    """Tab from the top of a page just loaded to « Quitter » and press Enter; return the
    text of the controls the focus went through on the way."""
    quitter = page.get_by_role("button", name="Quitter")
    passed: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if is_focused(quitter):
            break
        passed.append(page.evaluate("() => document.activeElement.textContent.trim()"))
    page.keyboard.press("Enter")
    return passed


def test_keyboard_user_leaves_from_step_5_after_its_form(
    visitor: Visitor, person: DemoPerson
) -> None:
    page = visitor.page
    reach_step_5(visitor, person)

    passed = leave_with_the_keyboard(page)

    assert "Suivant" in passed
    expect(page.get_by_role("heading", name=LEFT)).to_be_visible()
    expect(page).to_have_title(re.compile(f"^{LEFT} · "))


def test_step_page_leads_back_to_step_1_once_left(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    reach_step_5(visitor, person)
    leave_with_the_keyboard(page)
    expect(page.get_by_role("heading", name=LEFT)).to_be_visible()

    visitor.goto("/activation/charte/")

    expect(page.get_by_label("Identifiant (Nom de connexion)")).to_be_visible()
    expect(page.get_by_label("Identifiant (Nom de connexion)")).to_have_value("")


def test_person_who_left_at_step_5_resumes_there(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    reach_step_5(visitor, person)
    leave_with_the_keyboard(page)

    tab_to(page, page.get_by_role("link", name="Reprendre l'activation"))
    page.keyboard.press("Enter")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)

    expect(page.get_by_label(CHARTER)).to_be_visible()
    expect(page.get_by_role("button", name="Quitter")).to_be_visible()


def test_left_page_passes_axe_core(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    reach_step_5(visitor, person)
    leave_with_the_keyboard(page)
    expect(page.get_by_role("heading", name=LEFT)).to_be_visible()
    snap(page, "desktop/activation-left")

    violations = axe_violations(page)

    assert violations == [], describe(violations)


def test_left_page_fits_a_phone_with_44_px_targets(
    window: Callable[..., Page], live_server: Any, transactional_db: None
) -> None:
    page = window(phone=True)
    page.goto(live_server.url + "/activation/interrompue/")
    expect(page.get_by_role("heading", name=LEFT)).to_be_visible()
    snap(page, "phone/activation-left")

    assert (horizontal_overflow(page), small_touch_targets(page)) == (0, [])


def test_quitter_on_a_phone_is_a_44_px_target(
    window: Callable[..., Page], live_server: Any, person: DemoPerson
) -> None:
    visitor = Visitor(window(phone=True), live_server.url)
    reach_step_5(visitor, person)

    box = visitor.page.get_by_role("button", name="Quitter").bounding_box()

    assert box is not None
    assert box["height"] >= TOUCH_TARGET_PX
