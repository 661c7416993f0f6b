"""« Fermer ses sessions » on a person's page (ASVS V7.4.5): the helpdesk ends every
session of the account, in whatever browser; the page says how many are open; the action
is a POST behind its own permission, audited with the agent as actor."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from portique.accounts.models import Person
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.helpdesk.conftest import AGENT_IP
from tests.support.after_activation import (
    QUICK_PASSWORD_HASHERS,
    RECOVERY,
    Activated,
    ActivatePerson,
    logged_in_browser,
    logged_out,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS


def page_of(login: str) -> str:
    return f"/helpdesk/personnes/{Person.objects.get(login=login).pk}/"


def end_sessions(browser: Client, login: str, **options: Any) -> Any:
    return browser.post(page_of(login) + "fermer-les-sessions/", **options)


@pytest.fixture
def two_browsers(activated: Activated) -> list[Client]:
    """The person, logged in in two browsers."""
    return [logged_in_browser(activated.login), logged_in_browser(activated.login)]


def test_end_sessions_logs_the_person_out_of_every_browser(
    activated: Activated, two_browsers: list[Client], agent_browser: Client
) -> None:
    response = end_sessions(agent_browser, activated.login)

    assert response["Location"] == page_of(activated.login)
    assert all(logged_out(browser) for browser in two_browsers)


def test_end_sessions_is_audited_with_the_agent_as_actor(
    activated: Activated, two_browsers: list[Client], agent_browser: Client
) -> None:
    end_sessions(agent_browser, activated.login)

    row = AuditEvent.objects.get(action="sessions_ended")
    assert (row.actor, row.subject, row.client_ip) == ("agent.smith", activated.login, AGENT_IP)
    assert row.data == {"count": 2}


def test_end_sessions_tells_the_agent_it_is_done(
    activated: Activated, two_browsers: list[Client], agent_browser: Client
) -> None:
    page = end_sessions(agent_browser, activated.login, follow=True)

    assert "Les sessions de la personne sont fermées" in text(page)
    assert "Sessions ouvertes aucune" in text(page)


def test_end_sessions_leaves_other_peoples_sessions_alone(
    activated: Activated,
    two_browsers: list[Client],
    vacataire: DemoPerson,
    activate: ActivatePerson,
    agent_browser: Client,
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    their_browser = logged_in_browser(other.login)

    end_sessions(agent_browser, activated.login)

    assert their_browser.get("/compte/").status_code == 200


def test_end_sessions_without_an_open_session_says_so(
    activated: Activated, agent_browser: Client
) -> None:
    page = end_sessions(agent_browser, activated.login, follow=True)

    assert "Cette personne n'a aucune session ouverte." in text(page)
    assert not AuditEvent.objects.filter(action="sessions_ended").exists()


def test_end_sessions_needs_its_own_permission(
    activated: Activated, two_browsers: list[Client]
) -> None:
    clerk = User.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="helpdesk", codename__in=["view_personfile", "unlock_account"]
        )
    )
    browser = Client()
    browser.force_login(clerk)

    assert browser.get(page_of(activated.login)).status_code == 200
    assert end_sessions(browser, activated.login).status_code == 403
    assert all(b.get("/compte/").status_code == 200 for b in two_browsers)


def test_person_page_shows_how_many_sessions_are_open(
    activated: Activated, two_browsers: list[Client], agent_browser: Client
) -> None:
    assert "Sessions ouvertes 2 sessions ouvertes" in text(
        agent_browser.get(page_of(activated.login))
    )


def test_person_page_offers_the_button_while_a_session_is_open(
    activated: Activated, two_browsers: list[Client], agent_browser: Client
) -> None:
    body = agent_browser.get(page_of(activated.login)).content.decode()

    assert f'action="{page_of(activated.login)}fermer-les-sessions/"' in body
    assert "Fermer ses sessions" in body


def test_person_page_offers_no_button_without_an_open_session(
    activated: Activated, agent_browser: Client
) -> None:
    assert (
        "fermer-les-sessions/" not in agent_browser.get(page_of(activated.login)).content.decode()
    )


def test_person_page_hides_the_button_without_the_permission(
    activated: Activated, two_browsers: list[Client]
) -> None:
    reader = User.objects.create_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_personfile"))
    browser = Client()
    browser.force_login(reader)

    assert "fermer-les-sessions/" not in browser.get(page_of(activated.login)).content.decode()
