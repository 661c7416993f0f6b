"""What the end-to-end tests share: a person going through the pages by their visible labels,
the mailed links, axe-core, the phone checks and the screenshots."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from tests.support.mail import deliver_mail

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
MAILED_LINK = re.compile(r"https://portail\.example\.org(/[^\s]+/lien/[^/\s]+/)")
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every step of every test: past this, a page is broken, not slow.
TIMEOUT_MS = 10_000
PHONE = {"width": 360, "height": 740}
TOUCH_TARGET_PX = 44

RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"
PASSWORD = "8cheval-agrafe-pile-Z"


def mailed_path(to: str) -> str:
    """Deliver the queued mails (the live server shares the database) and return the path of
    the newest link mailed to `to`."""
    deliver_mail()
    for message in reversed(mail.outbox):
        if to in message.to:
            found = MAILED_LINK.search(str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no link mailed to {to}")


def snap(page: Page, name: str) -> None:
    """Keep a picture of the page as a person sees it, whole, for review and the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# --- axe-core -------------------------------------------------------------------------------


def axe_source() -> str:
    if not AXE.exists():
        pytest.skip("install axe-core: npm ci (make test does it when node is installed)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it settles, WCAG 2.1 A and AA rules only. Evaluated
    through the DevTools protocol, which the pages' Content-Security-Policy (no inline script)
    allows. A CSS animation still running (the session notices fade in for 0.25 s) is first
    brought to its end: halfway, its colours are blended with the background, and axe would
    judge the contrast of a frame nobody reads."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;void 0")
    result: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            for (const animation of document.getAnimations()) {
                // An endless animation cannot finish: it is judged as it is.
                try { animation.finish(); } catch (error) {}
            }
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
            }));
        }""",
        WCAG_A_AA,
    )
    return result


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


# --- Phones ---------------------------------------------------------------------------------


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window: 0 when there is no horizontal
    scroll. Measured against the window, not the layout, so that a page without its viewport
    meta tag (laid out 980 px wide on a phone) is caught too."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    window = page.viewport_size
    assert window is not None
    return max(0, width - window["width"])


# WCAG 2.2's target size (axe's target-size) is not in the 2.1 rules above, and it asks for
# 24 px; the bar here is 44 px (WCAG 2.5.5, Apple and Android guidelines). A link inside a
# sentence is exempt, as in WCAG: its height is the line's.
SMALL_TARGETS_JS = """(minimum) => {
    const inRunningText = (el) => {
        if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
        let block = el.parentElement;
        while (block && getComputedStyle(block).display === "inline") block = block.parentElement;
        if (!block || !["P", "LI", "DD", "TD"].includes(block.tagName)) return false;
        const text = (node) => (node.textContent || "").replace(/\\s+/g, "");
        const around = text(block).length - text(el).length;
        return around > 0;
    };
    const targets = document.querySelectorAll(
        "a[href], button, input:not([type=hidden]), select, textarea, label"
    );
    const small = [];
    for (const el of targets) {
        if (el.tagName === "LABEL") {
            const control = el.control;
            if (!control || control.type !== "checkbox") continue;
        }
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
        if (el.closest(".visually-hidden")) continue;
        if (box.height >= minimum - 0.5 || inRunningText(el)) continue;
        const name = (el.textContent || el.getAttribute("name") || el.id || "").trim();
        const height = Math.round(box.height);
        small.push(`${el.tagName.toLowerCase()} "${name.slice(0, 40)}": ${height} px`);
    }
    return small;
}"""


def small_touch_targets(page: Page) -> list[str]:
    """The links, buttons, fields and checkbox labels lower than 44 px, outside running text."""
    found: list[str] = page.evaluate(SMALL_TARGETS_JS, TOUCH_TARGET_PX)
    return found


# --- A person at the keyboard ----------------------------------------------------------------


def is_focused(target: Locator) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator, *, limit: int = 40) -> None:
    """Press Tab until `target` has the focus, as a keyboard user does."""
    expect(target).to_be_visible()
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never got the focus after {limit} presses of Tab")


# --- A person going through the activation -----------------------------------------------


class Visitor:
    """One person in one browser window, finding everything by its visible label."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def next(self) -> None:
        self.page.get_by_role("button", name="Suivant").click()

    def open_mailed_link(self, to: str, button: str = "Poursuivre l'activation") -> None:
        self.goto(mailed_path(to))
        expect(self.page.get_by_role("button", name=button)).to_be_visible()

    def identify(self, login: str) -> None:
        self.page.get_by_label("Identifiant (Nom de connexion)").fill(login)
        self.next()

    def give_provisional_password(self, password: str) -> None:
        self.page.get_by_label("Mot de passe provisoire").fill(password)
        self.next()

    def give_recovery_email(self, address: str, confirmation: str | None = None) -> None:
        self.page.get_by_label("Adresse mail de secours", exact=True).fill(address)
        self.page.get_by_label("Confirmation de l'adresse mail de secours").fill(
            address if confirmation is None else confirmation
        )
        self.next()

    def accept_charter(self) -> None:
        self.page.get_by_label(re.compile("J'accepte la charte informatique")).check()
        self.next()

    def choose_directory(self, consent: bool) -> None:
        box = self.page.get_by_label("J'accepte d'apparaître dans le futur annuaire public")
        box.set_checked(consent)
        self.next()

    def forwarding_fields(self, address: str) -> None:
        self.page.get_by_label("Adresse de la messagerie de redirection").fill(address)
        self.page.get_by_label("Confirmation de l'adresse de messagerie de redirection").fill(
            address
        )

    def set_password(self, password: str = PASSWORD, confirmation: str | None = None) -> None:
        self.page.get_by_label("Nouveau mot de passe", exact=True).fill(password)
        self.page.get_by_label("Confirmation du nouveau mot de passe").fill(
            password if confirmation is None else confirmation
        )
        self.next()

    def progress(self, position: int, total: int) -> Locator:
        return self.page.get_by_role("progressbar", name=f"Étape {position} sur {total}")
