"""Every page, in a real Chromium: no WCAG 2.1 A or AA violation that axe-core finds, and on
a 360 px wide phone no horizontal scroll and no touch target lower than 44 px.

Each test walks a path through the portal as a person does and checks each page on the
way, error states included; a screenshot of each page goes to test-results/screenshots/."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tests.e2e.support import (
    ELSEWHERE,
    RECOVERY,
    Visitor,
    axe_violations,
    describe,
    horizontal_overflow,
    mailed_path,
    small_touch_targets,
    snap,
)
from tests.factories import DemoPerson, PersonFactory
from tests.support.after_activation import FIREFOX_ON_LINUX, log_in, walk_activation
from tests.support.after_activation import PASSWORD as ACTIVATED_PASSWORD
from tests.support.walkers import Walker


class Inspector:
    """Checks each page it is shown and keeps every problem, so that one run reports them
    all, page by page."""

    def __init__(self, page: Page, device: str) -> None:
        self.page = page
        self.device = device
        self.problems: dict[str, Any] = {}

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        snap(self.page, f"{self.device}/{name}")
        if self.device == "desktop":
            violations = axe_violations(self.page)
            if violations:
                self.problems[name] = violations
            return
        found: dict[str, Any] = {}
        overflow = horizontal_overflow(self.page)
        if overflow > 0:
            found["horizontal scroll (px)"] = overflow
        small = small_touch_targets(self.page)
        if small:
            found["touch targets under 44 px"] = small
        if found:
            self.problems[name] = found

    def assert_clean(self) -> None:
        assert not self.problems, f"{self.device}: {describe([self.problems])}"


@pytest.fixture(params=["desktop", "phone"])
def inspector(request: pytest.FixtureRequest, window: Callable[..., Page]) -> Inspector:
    return Inspector(window(phone=request.param == "phone"), request.param)


@pytest.fixture
def people(transactional_db: None) -> dict[str, DemoPerson]:
    return {
        "staff": PersonFactory(
            login="jane.doe", first_name="Jane", last_name="Doe", category="staff"
        ),
        "vacataire": PersonFactory(
            login="paul.martin", first_name="Paul", last_name="Martin", category="vacataire"
        ),
    }


def test_every_activation_page_of_a_staff_member(
    inspector: Inspector, live_server: Any, people: dict[str, DemoPerson]
) -> None:
    """Home, steps 1 to 10 with a redirection to another address (step 8), an error
    summary, the link pages."""
    page, check = inspector.page, inspector
    person = people["staff"]
    visitor = Visitor(page, live_server.url)

    visitor.goto("/")
    check("home")
    page.get_by_role("link", name="1ère connexion").click()
    expect(page.get_by_label("Identifiant (Nom de connexion)")).to_be_visible()
    check("step-01-identifier")
    visitor.identify(person.login)
    expect(page.get_by_label("Mot de passe provisoire")).to_be_visible()
    check("step-02-provisional-password")
    visitor.give_provisional_password(person.provisional_password)
    expect(page.get_by_label("Adresse mail de secours", exact=True)).to_be_visible()
    check("step-03-recovery-email")
    visitor.give_recovery_email(RECOVERY, "autre@example.com")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("step-03-errors")
    visitor.give_recovery_email(RECOVERY)
    expect(page.get_by_text("Un mail a été envoyé")).to_be_visible()
    check("step-04-recovery-email-sent")
    visitor.open_mailed_link(RECOVERY)
    check("link-confirm")
    page.get_by_role("button", name="Poursuivre l'activation").click()
    expect(page.get_by_label(re.compile("J'accepte la charte informatique"))).to_be_visible()
    check("step-05-charter")
    visitor.accept_charter()
    expect(
        page.get_by_label("J'accepte d'apparaître dans le futur annuaire public")
    ).to_be_visible()
    check("step-06-directory")
    visitor.choose_directory(True)
    expect(page.get_by_label("Je mets en place une redirection de messagerie")).to_be_visible()
    check("step-07-forwarding")
    page.get_by_label("Je mets en place une redirection de messagerie").check()
    visitor.forwarding_fields(ELSEWHERE)
    visitor.next()
    expect(page.get_by_text("Un mail a été envoyé")).to_be_visible()
    check("step-08-forwarding-sent")
    visitor.open_mailed_link(ELSEWHERE)
    page.get_by_role("button", name="Poursuivre l'activation").click()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()
    check("step-09-new-password")
    page.get_by_label("Nouveau mot de passe", exact=True).press_sequentially("soleil2024")
    expect(page.locator("#password-rules .rule--ko")).not_to_have_count(0)
    expect(page.locator("#password-rules .rule--ok")).not_to_have_count(0)
    check("step-09-checklist")
    visitor.set_password("court", "autre")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("step-09-errors")
    visitor.set_password()
    expect(page.get_by_text("Félicitations")).to_be_visible()
    check("step-10-done")

    visitor.goto("/activation/lien/ce-lien-n-existe-pas/")
    expect(page.get_by_role("heading", name="Ce lien n'est pas valable")).to_be_visible()
    check("link-error")

    inspector.assert_clean()


def test_the_step_7_of_a_vacataire(
    inspector: Inspector, live_server: Any, people: dict[str, DemoPerson]
) -> None:
    """Step 7 bis: the mandatory redirection, and its errors when left empty."""
    page, check = inspector.page, inspector
    person = people["vacataire"]
    visitor = Visitor(page, live_server.url)

    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)
    visitor.give_recovery_email(RECOVERY)
    visitor.open_mailed_link(RECOVERY)
    page.get_by_role("button", name="Poursuivre l'activation").click()
    visitor.accept_charter()
    visitor.choose_directory(False)
    expect(page.get_by_label("Adresse de la messagerie de redirection")).to_be_visible()
    check("step-07bis-forwarding-vacataire")
    visitor.forwarding_fields("")
    visitor.next()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("step-07bis-errors")

    inspector.assert_clean()


def test_every_page_around_the_activation(
    inspector: Inspector, live_server: Any, people: dict[str, DemoPerson]
) -> None:
    """Problème de connexion, Compte Informatique, the directory, the charter, a 404."""
    page, check = inspector.page, inspector
    person = people["staff"]
    walk_activation(Walker(Client(), person), directory_consent=True, forwarding=RECOVERY)
    # Another browser is logged in too: the account page lists its session, with « Fermer ».
    log_in(Client(HTTP_USER_AGENT=FIREFOX_ON_LINUX), person.login, ACTIVATED_PASSWORD)
    visitor = Visitor(page, live_server.url)

    visitor.goto("/")
    page.get_by_label("IDENTIFIANT").fill(person.login)
    page.get_by_label("MOT DE PASSE").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="SE CONNECTER").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("home-errors")
    page.get_by_label("MOT DE PASSE").fill(ACTIVATED_PASSWORD)
    page.get_by_role("button", name="SE CONNECTER").click()
    expect(page.get_by_role("heading", name="Compte Informatique")).to_be_visible()
    expect(page.get_by_role("button", name="Fermer la session Firefox sur Linux")).to_be_visible()
    check("account")
    page.get_by_role("button", name="Fermer les autres sessions").click()
    expect(page.get_by_text("1 autre session a été fermée.")).to_be_visible()
    check("account-other-sessions-closed")
    page.get_by_role("button", name="Se déconnecter").click()

    visitor.goto("/annuaire/")
    expect(page.get_by_text("Saisissez au moins deux lettres")).to_be_visible()
    check("directory-empty")
    page.get_by_label("Nom ou prénom").fill("Doe")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("cell", name="DOE Jane")).to_be_visible()
    check("directory-results")
    page.get_by_label("Nom ou prénom").fill("Personne")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_contain_text("0 personne")
    check("directory-no-result")

    visitor.goto("/charte/")
    expect(page.get_by_role("heading", name="Charte informatique")).to_be_visible()
    check("charter")
    visitor.goto("/cette-page-n-existe-pas/")
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    check("error-404")

    visitor.goto("/")
    page.get_by_role("link", name="Problème de connexion").first.click()
    expect(page.get_by_role("heading", name="Problème de connexion")).to_be_visible()
    check("recovery-request")
    visitor.identify(person.login)
    expect(page.get_by_text("un mail vient d'être envoyé")).to_be_visible()
    check("recovery-sent")
    visitor.goto(mailed_path(RECOVERY))
    expect(page.get_by_role("heading", name="Choisir un nouveau mot de passe")).to_be_visible()
    check("recovery-new-password")
    visitor.set_password("Tournesol-2031-vert")
    expect(page.get_by_text("Votre nouveau mot de passe est enregistré")).to_be_visible()
    check("recovery-done")
    visitor.goto("/probleme-de-connexion/lien/ce-lien-n-existe-pas/")
    expect(page.get_by_role("heading", name="Ce lien n'est pas valable")).to_be_visible()
    check("recovery-link-error")

    inspector.assert_clean()


# --- The checks themselves catch what they are meant to -------------------------------------

FAULTY_PAGE = """<!DOCTYPE html><html><head></head><body>
<img src="logo.png"><input type="text" name="q">
<p class="pale">Texte pâle</p>
<div><a href="/seul">Lien seul</a></div>
<p>Une phrase avec <a href="/dans-la-phrase">un lien</a> dedans.</p>
<div class="wide">large</div>
<style>.pale { color: #aaa; } .wide { width: 500px; }</style>
</body></html>"""


@pytest.fixture
def faulty_page(window: Callable[..., Page]) -> Page:
    page = window(phone=True)
    page.set_content(FAULTY_PAGE)
    return page


def test_axe_reports_the_faults_of_a_faulty_page(faulty_page: Page) -> None:
    found = {violation["id"] for violation in axe_violations(faulty_page)}

    assert {"html-has-lang", "document-title", "image-alt", "label", "color-contrast"} <= found


def test_phone_checks_report_a_lone_small_link_and_a_wide_block(faulty_page: Page) -> None:
    small = small_touch_targets(faulty_page)

    assert any("Lien seul" in target for target in small)
    assert not any("un lien" in target for target in small)
    assert horizontal_overflow(faulty_page) > 0
