"""The helpdesk's actions on a person's page: resend the pending mail, unlock, send the
activation back to step 1, reissue the letter. Each is a POST with the CSRF token, needs its
permission, goes through the same rules as the person's own requests, and is audited with
the agent as actor."""

import sys
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from portique.accounts.models import Person
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent, OneTimeLink
from tests.factories import DemoPerson
from tests.helpdesk.conftest import AGENT_IP
from tests.security.conftest import (
    ELSEWHERE,
    RECOVERY,
    STEP_1,
    STEP_3,
    WRONG,
    attempt,
    reach_forwarding_sent,
)
from tests.support.mail import last_link
from tests.support.pages import text
from tests.support.walkers import Walker


def page_of(person: DemoPerson) -> str:
    return f"/helpdesk/personnes/{Person.objects.get(login=person.login).pk}/"


def act(browser: Client, person: DemoPerson, action: str) -> Any:
    return browser.post(page_of(person) + action + "/")


def audited(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def waiting_for_recovery_link(walker: Walker) -> str:
    """Steps 1 to 4: the person waits for the link mailed to RECOVERY; returns its path."""
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    return last_link(RECOVERY)


def follow(walker: Walker, link: str) -> Any:
    """Open a mailed link and press "Poursuivre l'activation"."""
    walker.client.get(link)
    return walker.post("/activation/lien/")


# --- Resend the pending mail ------------------------------------------------------------


def test_resent_recovery_mail_is_audited_with_the_agent_as_actor(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    waiting_for_recovery_link(walker_for(staff))

    response = act(agent_browser, staff, "renvoyer-le-mail")

    assert response.status_code == 302
    assert response["Location"] == page_of(staff)
    row = audited("recovery_email_resent")
    assert (row.actor, row.subject, row.client_ip) == ("agent.smith", staff.login, AGENT_IP)


def test_resent_recovery_mail_cancels_the_previous_link_and_the_new_one_works(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker = walker_for(staff)
    first = waiting_for_recovery_link(walker)

    act(agent_browser, staff, "renvoyer-le-mail")
    second = last_link(RECOVERY)

    assert second != first
    assert follow(walker, first).status_code == 400
    assert follow(walker, second)["Location"] == "/activation/charte/"


def test_resent_forwarding_mail_goes_to_the_redirection_address_and_works(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker = walker_for(staff)
    first = reach_forwarding_sent(walker)

    act(agent_browser, staff, "renvoyer-le-mail")
    second = last_link(ELSEWHERE)

    row = audited("forwarding_link_resent")
    assert (row.actor, row.subject) == ("agent.smith", staff.login)
    assert follow(walker, first).status_code == 400
    assert follow(walker, second)["Location"] == "/activation/mot-de-passe/"


def test_resend_when_no_mail_is_awaited_says_so_and_sends_nothing(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker_for(staff).reach_charter(RECOVERY)
    links_before = OneTimeLink.objects.count()

    page = agent_browser.post(page_of(staff) + "renvoyer-le-mail/", follow=True)

    assert "n'attend la confirmation d'aucun mail" in text(page)
    assert OneTimeLink.objects.count() == links_before
    assert not AuditEvent.objects.filter(action="recovery_email_resent").exists()


def test_resend_keeps_to_the_resend_limit(
    staff: DemoPerson, walker_for: Any, agent_browser: Client, settings: Any
) -> None:
    settings.PORTIQUE_MAIL_RESEND_LIMIT = 1
    waiting_for_recovery_link(walker_for(staff))
    act(agent_browser, staff, "renvoyer-le-mail")

    page = agent_browser.post(page_of(staff) + "renvoyer-le-mail/", follow=True)

    assert "Vous avez demandé trop de mails" in text(page)
    assert AuditEvent.objects.filter(action="recovery_email_resent").count() == 1


# --- Unlock -----------------------------------------------------------------------------


def test_unlock_lets_the_right_provisional_password_in_again(
    staff: DemoPerson, agent_browser: Client
) -> None:
    person_browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):
        attempt(person_browser, staff.login, WRONG)
    locked = attempt(person_browser, staff.login, staff.provisional_password)
    assert locked.status_code == 200, "the lock should refuse even the right password"

    act(agent_browser, staff, "deverrouiller")

    assert attempt(person_browser, staff.login, staff.provisional_password)["Location"] == STEP_3
    row = audited("account_unlocked")
    assert (row.actor, row.subject, row.client_ip) == ("agent.smith", staff.login, AGENT_IP)


def test_person_page_shows_the_lock_until_it_is_lifted(
    staff: DemoPerson, agent_browser: Client
) -> None:
    person_browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(10):
        attempt(person_browser, staff.login, WRONG)

    assert "verrouillé après trop d'essais" in text(agent_browser.get(page_of(staff)))
    act(agent_browser, staff, "deverrouiller")
    assert "non verrouillé" in text(agent_browser.get(page_of(staff)))


# --- Back to step 1 ---------------------------------------------------------------------


def test_restart_sends_the_person_back_to_step_1(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker = walker_for(staff)
    waiting_for_recovery_link(walker)

    act(agent_browser, staff, "recommencer")

    assert walker.client.get("/activation/mail-de-secours/envoye/")["Location"] == STEP_1
    assert walker.identify()["Location"] == "/activation/mot-de-passe-provisoire/"
    assert walker.give_provisional_password()["Location"] == STEP_3
    newest = ActivationFlow.objects.filter(login=staff.login).order_by("-created_at").first()
    assert newest is not None and newest.state == State.AWAITING_RECOVERY_EMAIL


def test_restart_stops_the_old_link(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker = walker_for(staff)
    link = waiting_for_recovery_link(walker)

    act(agent_browser, staff, "recommencer")

    assert follow(walker, link).status_code == 400
    assert follow(Walker(Client(), staff), link).status_code == 400


def test_restart_is_audited_with_the_agent_and_the_state_left(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    waiting_for_recovery_link(walker_for(staff))

    act(agent_browser, staff, "recommencer")

    row = audited("activation_restarted")
    assert (row.actor, row.subject, row.client_ip) == ("agent.smith", staff.login, AGENT_IP)
    assert row.data == {"state": State.AWAITING_RECOVERY_EMAIL_CONFIRMATION, "links_revoked": 1}


def test_restart_without_an_activation_in_progress_says_so(
    staff: DemoPerson, agent_browser: Client
) -> None:
    page = agent_browser.post(page_of(staff) + "recommencer/", follow=True)

    assert "pas d'activation en cours" in text(page)
    assert not AuditEvent.objects.filter(action="activation_restarted").exists()


# --- Reissue the letter -----------------------------------------------------------------


def test_reissued_letter_is_a_pdf_and_the_old_provisional_password_stops_working(
    staff: DemoPerson, agent_browser: Client
) -> None:
    response = act(agent_browser, staff, "courrier")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    row = audited("letter_reissued")
    assert (row.actor, row.subject, row.client_ip) == ("agent.smith", staff.login, AGENT_IP)
    refused = attempt(Client(), staff.login, staff.provisional_password)
    assert refused.status_code == 200


def test_reissue_for_an_activated_account_is_refused_and_changes_nothing(
    staff: DemoPerson, agent_browser: Client
) -> None:
    from tests.security.conftest import activate

    activate(Walker(Client(), staff))

    page = agent_browser.post(page_of(staff) + "courrier/", follow=True)

    assert "déjà activé" in text(page)
    assert not AuditEvent.objects.filter(action="letter_reissued").exists()


def test_reissue_without_the_onboarding_app_tells_the_agent(
    staff: DemoPerson, agent_browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry makes `import portique.onboarding.services` fail as if it were absent.
    monkeypatch.setitem(sys.modules, "portique.onboarding.services", None)

    page = agent_browser.post(page_of(staff) + "courrier/", follow=True)

    assert "La réimpression des courriers n'est pas installée." in text(page)
    assert not AuditEvent.objects.filter(action="letter_reissued").exists()


def test_reissue_needs_its_own_permission(staff: DemoPerson, db: None) -> None:
    clerk = User.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="helpdesk", codename__in=["view_personfile", "resend_mail"]
        )
    )
    browser = Client()
    browser.force_login(clerk)

    assert browser.get(page_of(staff)).status_code == 200
    assert browser.post(page_of(staff) + "courrier/").status_code == 403


# --- Every action -----------------------------------------------------------------------

ACTIONS = ["renvoyer-le-mail", "deverrouiller", "recommencer", "courrier", "fermer-les-sessions"]


@pytest.mark.parametrize("action", ACTIONS)
def test_action_refuses_a_get(staff: DemoPerson, agent_browser: Client, action: str) -> None:
    assert agent_browser.get(page_of(staff) + action + "/").status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_action_without_the_csrf_token_is_refused(
    staff: DemoPerson, agent: User, action: str
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)

    assert browser.post(page_of(staff) + action + "/").status_code == 403
    assert not AuditEvent.objects.filter(actor=agent.username).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_action_sends_a_stranger_to_the_admin_login(
    staff: DemoPerson, client: Client, action: str
) -> None:
    response = client.post(page_of(staff) + action + "/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("action", ACTIONS)
def test_action_is_refused_to_staff_without_the_helpdesk_role(
    staff: DemoPerson, db: None, action: str
) -> None:
    browser = Client()
    browser.force_login(User.objects.create_user("intern", is_staff=True))

    assert browser.post(page_of(staff) + action + "/").status_code == 403
