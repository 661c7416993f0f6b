"""Logging in behind a reverse proxy that puts the login in a header (remote_user), in
Chromium: the header is believed from PORTIQUE_TRUSTED_PROXIES only. Here the browser
itself sends the header, as the proxy would: from a trusted address it opens "Compte
Informatique"; from any other, it is ignored and audited."""

from typing import Any

import pytest
from playwright.sync_api import expect

from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from tests.e2e.support import Visitor, axe_violations

pytest_plugins = ["tests.support.after_activation", "tests.sso_people"]

HEADER = "X-Remote-User"


@pytest.fixture
def remote_user_settings(settings: Any, live_server: Any) -> Any:
    settings.PORTIQUE_AUTH = "remote_user"
    settings.PORTIQUE_BASE_URL = live_server.url
    settings.PORTIQUE_REMOTE_USER_HEADER = HEADER
    settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    return settings


def test_header_from_a_trusted_proxy_opens_compte_informatique(
    jane: Any, remote_user_settings: Any, visitor: Visitor
) -> None:
    visitor.page.context.set_extra_http_headers({HEADER: "jane.doe"})
    visitor.goto("/")
    visitor.page.get_by_role("link", name="SE CONNECTER").click()

    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()
    event = AuditEvent.objects.get(action="login_succeeded", subject="jane.doe")
    assert event.data == {"via": "remote_user"}


def test_header_from_an_untrusted_address_is_ignored_and_audited(
    jane: Any, remote_user_settings: Any, visitor: Visitor
) -> None:
    remote_user_settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.2"]
    visitor.page.context.set_extra_http_headers({HEADER: "jane.doe"})
    visitor.goto("/")
    visitor.page.get_by_role("link", name="SE CONNECTER").click()

    expect(visitor.page.get_by_role("heading", name="La connexion n'a pas abouti")).to_be_visible()
    visitor.goto("/compte/")
    expect(visitor.page).to_have_url(f"{visitor.base_url}/")
    event = AuditEvent.objects.get(action="login_refused")
    assert event.data["reason"] == "untrusted_proxy"
    assert event.data["claimed"] == "jane.doe"
    assert not AccountSession.objects.exists()


def test_single_sign_on_pages_pass_axe(remote_user_settings: Any, visitor: Visitor) -> None:
    visitor.goto("/")
    assert axe_violations(visitor.page) == [], "home page"
    visitor.page.context.set_extra_http_headers({HEADER: "inconnu"})
    visitor.page.get_by_role("link", name="SE CONNECTER").click()
    expect(visitor.page.get_by_role("heading", name="Activez d'abord votre compte")).to_be_visible()
    assert axe_violations(visitor.page) == [], "activate first"
    remote_user_settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.2"]
    visitor.goto("/sso/retour/")
    expect(visitor.page.get_by_role("heading", name="La connexion n'a pas abouti")).to_be_visible()
    assert axe_violations(visitor.page) == [], "refused"
