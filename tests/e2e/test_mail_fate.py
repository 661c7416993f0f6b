"""Step 4 in a real Chromium, its mail delivered by the worker to a real SMTP server (aiosmtpd)
that answers 550 at RCPT TO for one address: the page tells the mail's fate as it changes,
without a reload, and the refused address is corrected on the page itself."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import Visitor, axe_violations, describe, snap
from tests.factories import DemoPerson, PersonFactory
from tests.support.mail import deliver_mail

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

pytestmark = pytest.mark.smtp

UNKNOWN = "inconnu@example.com"
GOOD = "perso@example.com"
HANDED_OVER = re.compile(r"Mail remis au serveur de messagerie à \d\d:\d\d\.")


@pytest.fixture
def person(transactional_db: None) -> DemoPerson:
    return PersonFactory(first_name="Camille", last_name="Rousseau", category="staff")


@pytest.fixture
def server(smtp_settings: SmtpServer) -> SmtpServer:
    smtp_settings.refuse_address(UNKNOWN, "550 5.1.1 <inconnu@example.com>: user unknown")
    return smtp_settings


def at_step_4(visitor: Visitor, person: DemoPerson, address: str) -> Page:
    visitor.goto("/activation/")
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)
    visitor.give_recovery_email(address)
    page = visitor.page
    expect(page.get_by_text("Mail en attente d'envoi.")).to_be_visible()
    # Gone at the next page load: still there, the page was changed in place.
    page.evaluate("() => { window.notReloaded = true; }")
    return page


def still_the_same_page(page: Page) -> bool:
    return bool(page.evaluate("() => window.notReloaded === true"))


def test_step_4_turns_from_queued_to_handed_over_without_a_reload(
    visitor: Visitor, person: DemoPerson, server: SmtpServer
) -> None:
    page = at_step_4(visitor, person, GOOD)
    deliver_mail()
    expect(page.locator("#mail-fate")).to_have_text(HANDED_OVER)
    assert still_the_same_page(page)
    expect(page.get_by_label("Adresse mail de secours corrigée")).to_be_hidden()


def test_step_4_turns_from_queued_to_refused_with_the_address_to_correct_without_a_reload(
    visitor: Visitor, person: DemoPerson, server: SmtpServer
) -> None:
    page = at_step_4(visitor, person, UNKNOWN)
    deliver_mail()
    expect(page.locator("#mail-fate")).to_contain_text(
        f"La boîte mail {UNKNOWN} n'existe pas : le serveur de messagerie a refusé le mail."
    )
    assert still_the_same_page(page)
    field = page.get_by_label("Adresse mail de secours corrigée")
    expect(field).to_be_visible()
    expect(field).to_have_value(UNKNOWN)
    expect(page.get_by_role("button", name="Envoyer à nouveau le mail")).to_be_hidden()
    snap(page, "step-04-refused")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_corrected_address_on_the_step_4_page_gets_the_mail(
    visitor: Visitor, person: DemoPerson, server: SmtpServer
) -> None:
    page = at_step_4(visitor, person, UNKNOWN)
    deliver_mail()
    field = page.get_by_label("Adresse mail de secours corrigée")
    expect(field).to_be_visible()
    field.fill(GOOD)
    page.get_by_role("button", name="Envoyer le mail à cette adresse").click()
    expect(page.locator(".notice")).to_contain_text(GOOD)
    expect(page.get_by_text("Mail en attente d'envoi.")).to_be_visible()
    deliver_mail()
    expect(page.locator("#mail-fate")).to_have_text(HANDED_OVER)
    assert [mail.rcpt_tos for mail in server.received] == [[GOOD]]


def test_step_4_without_script_shows_the_fate_on_reload(
    browser: Any, live_server: Any, person: DemoPerson, server: SmtpServer
) -> None:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        visitor = Visitor(page, live_server.url)
        visitor.goto("/activation/")
        visitor.identify(person.login)
        visitor.give_provisional_password(person.provisional_password)
        visitor.give_recovery_email(UNKNOWN)
        expect(page.get_by_text("Mail en attente d'envoi.")).to_be_visible()
        deliver_mail()
        page.reload()
        expect(page.locator("#mail-fate")).to_contain_text(f"La boîte mail {UNKNOWN} n'existe pas")
        expect(page.get_by_label("Adresse mail de secours corrigée")).to_be_visible()
    finally:
        context.close()
