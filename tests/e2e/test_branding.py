"""An institution's colours: a stylesheet of its own (PORTIQUE_BRAND_STYLESHEET_URL) sets
--brand, --brand-dark and --accent, and every page follows."""

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.e2e.support import axe_violations, describe, snap

BRAND_CSS = ":root { --brand: #5c2d91; --brand-dark: #3f1f66; --accent: #f2a900; }"
PURPLE = "rgb(92, 45, 145)"
GOLD = "rgb(242, 169, 0)"


def test_brand_stylesheet_recolours_the_pages(
    window: Callable[..., Page], live_server: Any, settings: Any, transactional_db: None
) -> None:
    settings.PORTIQUE_BRAND_STYLESHEET_URL = "/static/marque/couleurs.css"
    page = window()

    def serve_brand(route: Route) -> None:
        route.fulfill(status=200, content_type="text/css", body=BRAND_CSS)

    page.route("**/static/marque/couleurs.css", serve_brand)
    page.goto(live_server.url + "/activation/identifiant/")

    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", PURPLE)
    expect(header).to_have_css("border-top-color", GOLD)
    expect(page.get_by_role("button", name="Suivant")).to_have_css("background-color", PURPLE)
    snap(page, "branding/step-01-identifier")
    violations = axe_violations(page)
    assert not violations, describe(violations)
