"""Logging in through an OpenID Connect provider, in Chromium: from Portique's home page
to the provider's login form (oidc-provider, run by the tests) and back to "Compte
Informatique"; the refusals, the logout through the provider, and the agents' roles."""

import re
from datetime import timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from portique.accounts.models import Account, Person
from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from tests.e2e.support import Visitor
from tests.factories import DemoPerson
from tests.sso_users import IDP_PASSWORD

pytest_plugins = ["tests.support.after_activation", "tests.sso_people", "tests.oidc_server"]


def log_in_at_provider(page: Page, login: str) -> None:
    page.get_by_role("link", name="SE CONNECTER").click()
    expect(page.get_by_role("heading", name="Fournisseur d'identité de test")).to_be_visible()
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Se connecter au fournisseur").click()


def last_audit(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert event is not None, f"no {action} in the audit trail"
    return event


def test_provider_login_opens_compte_informatique(
    jane: Any, oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_provider(visitor.page, "jane.doe")

    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()
    expect(visitor.page.get_by_text("jane.doe@umontpellier.fr")).to_be_visible()
    event = last_audit("login_succeeded")
    assert (event.subject, event.data["via"]) == ("jane.doe", "oidc")
    assert AccountSession.objects.filter(login="jane.doe").count() == 1


def test_home_page_keeps_first_login_and_connection_problem_links(
    oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/")
    visitor.page.get_by_role("link", name="1ère connexion").click()
    expect(visitor.page).to_have_url(re.compile(f"^{visitor.base_url}/activation/"))

    visitor.goto("/")
    visitor.page.get_by_role("main").get_by_role("link", name="Problème de connexion").click()
    expect(visitor.page).to_have_url(re.compile(f"^{visitor.base_url}/probleme-de-connexion/"))


def test_unknown_login_is_told_to_activate_first_and_nothing_is_created(
    oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_provider(visitor.page, "inconnu")

    expect(visitor.page.get_by_role("heading", name="Activez d'abord votre compte")).to_be_visible()
    visitor.page.get_by_role("link", name="1ère connexion").click()
    expect(visitor.page).to_have_url(re.compile(f"^{visitor.base_url}/activation/"))
    assert not Person.objects.filter(login="inconnu").exists()
    assert not Account.objects.filter(login="inconnu").exists()
    assert not User.objects.filter(username="inconnu").exists()
    event = last_audit("login_refused")
    assert (event.subject, event.data) == ("inconnu", {"reason": "unknown", "via": "oidc"})


def test_account_awaiting_activation_is_told_to_activate_first(
    oidc_settings: Any, vacataire: DemoPerson, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_provider(visitor.page, "paul.martin")

    expect(
        visitor.page.get_by_text("Votre compte informatique n'est pas encore activé.")
    ).to_be_visible()
    visitor.goto("/compte/")
    expect(visitor.page).to_have_url(f"{visitor.base_url}/")
    event = last_audit("login_refused")
    assert event.data == {"reason": "not_activated", "via": "oidc"}


def test_expired_id_token_is_refused(jane: Any, oidc_settings: Any, visitor: Visitor) -> None:
    # Portique's clock two hours ahead of the provider's: the provider's ID token, valid an
    # hour, has expired when Portique reads it.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=True):
        visitor.goto("/")
        log_in_at_provider(visitor.page, "jane.doe")

        expect(
            visitor.page.get_by_role("heading", name="La connexion n'a pas abouti")
        ).to_be_visible()
    event = last_audit("login_refused")
    assert event.data == {"reason": "id_token", "via": "oidc", "error": "ExpiredTokenError"}
    assert not AccountSession.objects.exists()


def test_logout_ends_the_provider_session_too(
    jane: Any, oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/")
    log_in_at_provider(visitor.page, "jane.doe")
    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()

    visitor.page.get_by_role("button", name="Se déconnecter").click()
    # The provider's confirmation of RP-initiated logout, then back to Portique's home page.
    visitor.page.get_by_role("button", name="Yes, sign me out").click()
    expect(visitor.page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    expect(visitor.page).to_have_url(re.compile(f"^{visitor.base_url}/(\\?|$)"))
    assert last_audit("logout").subject == "jane.doe"
    assert not AccountSession.objects.exists()
    # Logged out at the provider too: its login form comes back.
    visitor.page.get_by_role("link", name="SE CONNECTER").click()
    expect(visitor.page.get_by_label("Mot de passe")).to_be_visible()


def test_agent_gets_the_console_with_the_roles_of_the_claim(
    oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/helpdesk/")
    expect(
        visitor.page.get_by_role("heading", name="Fournisseur d'identité de test")
    ).to_be_visible()
    visitor.page.get_by_label("Identifiant").fill("agent.helpdesk")
    visitor.page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    visitor.page.get_by_role("button", name="Se connecter au fournisseur").click()

    expect(
        visitor.page.get_by_role("heading", name="Tableau de bord des activations")
    ).to_be_visible()
    agent = User.objects.get(username="agent.helpdesk")
    assert agent.is_staff and not agent.has_usable_password()
    assert list(agent.groups.values_list("name", flat=True)) == ["helpdesk"]
    assert last_audit("admin_login_succeeded").data == {"via": "oidc"}


def test_person_without_the_roles_claim_is_no_agent(
    jane: Any, oidc_settings: Any, visitor: Visitor
) -> None:
    visitor.goto("/helpdesk/")
    visitor.page.get_by_label("Identifiant").fill("jane.doe")
    visitor.page.get_by_label("Mot de passe").fill(IDP_PASSWORD)
    visitor.page.get_by_role("button", name="Se connecter au fournisseur").click()

    expect(visitor.page.get_by_role("heading", name="Compte Informatique")).to_be_visible()
    assert not User.objects.filter(username="jane.doe").exists()
