"""Logging in through CAS, in Chromium: from Portique's home page to the CAS server's login
form (django-cas-server, run by the tests) and back to "Compte Informatique"; the
refusals, the single logout and the logout through the server."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from portique.sso.models import SsoSession
from tests.e2e.support import Visitor
from tests.factories import DemoPerson
from tests.sso_users import IDP_PASSWORD

# The label of django-cas-server's French login form, with its typographic apostrophe.
CAS_USERNAME = "Nom d\u2019utilisateur"

pytest_plugins = ["tests.support.after_activation", "tests.sso_people", "tests.cas_server"]


def log_in_at_cas(page: Page, login: str) -> None:
    page.get_by_role("link", name="SE CONNECTER").click()
    page.get_by_label(CAS_USERNAME).fill(login)
    page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Connexion").click()


def last_audit(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert event is not None, f"no {action} in the audit trail"
    return event


@pytest.mark.parametrize("version", [2, 3])
def test_cas_login_opens_compte_informatique(
    jane: Any, cas_settings: Any, settings: Any, visitor: Visitor, version: int
) -> None:
    settings.PORTIQUE_CAS_VERSION = version
    visitor.goto("/")
    log_in_at_cas(visitor.page, "jane.doe")

    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()
    expect(visitor.page.get_by_text("jane.doe@umontpellier.fr")).to_be_visible()
    event = last_audit("login_succeeded")
    assert (event.subject, event.data) == ("jane.doe", {"via": "cas"})
    assert AccountSession.objects.filter(login="jane.doe").count() == 1


def test_login_attribute_gives_the_login(
    jane: Any, cas_settings: Any, settings: Any, visitor: Visitor
) -> None:
    settings.PORTIQUE_CAS_LOGIN_ATTRIBUTE = "uid"
    visitor.goto("/")
    log_in_at_cas(visitor.page, "jane.doe")

    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()


def test_unknown_login_is_told_to_activate_first(cas_settings: Any, visitor: Visitor) -> None:
    visitor.goto("/")
    log_in_at_cas(visitor.page, "inconnu")

    expect(visitor.page.get_by_role("heading", name="Activez d'abord votre compte")).to_be_visible()
    assert last_audit("login_refused").data == {"reason": "unknown", "via": "cas"}


def test_account_awaiting_activation_is_told_to_activate_first(
    cas_settings: Any, vacataire: DemoPerson, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_cas(visitor.page, "paul.martin")

    expect(
        visitor.page.get_by_text("Votre compte informatique n'est pas encore activé.")
    ).to_be_visible()
    visitor.page.get_by_role("link", name="1ère connexion").click()
    expect(visitor.page).to_have_url(re.compile(f"^{visitor.base_url}/activation/"))
    assert last_audit("login_refused").data == {"reason": "not_activated", "via": "cas"}


def test_single_logout_from_the_cas_server_ends_the_portique_session(
    jane: Any, cas_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_cas(visitor.page, "jane.doe")
    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()

    # Logged out elsewhere (the ENT's logout): the CAS server tells Portique.
    visitor.page.goto(f"{cas_settings.url}logout")
    expect(visitor.page.get_by_text(re.compile("déconnecté", re.IGNORECASE)).first).to_be_visible()

    visitor.goto("/compte/")
    expect(visitor.page).to_have_url(f"{visitor.base_url}/")
    assert last_audit("logout").subject == "jane.doe"
    assert not AccountSession.objects.exists()
    assert not SsoSession.objects.exists()


def test_logout_goes_through_the_cas_server(jane: Any, cas_settings: Any, visitor: Visitor) -> None:
    visitor.goto("/")
    log_in_at_cas(visitor.page, "jane.doe")
    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()

    visitor.page.get_by_role("button", name="Se déconnecter").click()

    expect(visitor.page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    assert last_audit("logout").subject == "jane.doe"
    # Logged out of CAS too: its login form comes back.
    visitor.page.get_by_role("link", name="SE CONNECTER").click()
    expect(visitor.page.get_by_label(CAS_USERNAME)).to_be_visible()


def test_administrator_gets_the_console_with_the_roles_of_the_attribute(
    cas_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/admin/")
    visitor.page.get_by_label(CAS_USERNAME).fill("agent.admin")
    visitor.page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    visitor.page.get_by_role("button", name="Connexion").click()

    expect(visitor.page).to_have_url(f"{visitor.base_url}/admin/")
    expect(visitor.page.get_by_role("link", name="Portique").first).to_be_visible()
    agent = User.objects.get(username="agent.admin")
    assert list(agent.groups.values_list("name", flat=True)) == ["administrateurs"]
