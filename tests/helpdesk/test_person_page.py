"""A person's page: where their activation stands, when each step was passed, the links
waiting and until when, the mails and how they went, the audit trail, and the buttons the
agent's role allows. Then the whole story: an agent finds someone stuck, sees why, resends
their mail, and an operator sees the funnel in /metrics."""

from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from portique.accounts.models import Person
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.helpdesk.conftest import NOW
from tests.security.conftest import RECOVERY, activate
from tests.support.mail import LINK_RE, deliver_mail
from tests.support.metrics import metric
from tests.support.pages import text
from tests.support.walkers import Walker

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]


def page_of(person: DemoPerson) -> str:
    return f"/helpdesk/personnes/{Person.objects.get(login=person.login).pk}/"


def waiting_for_recovery_link(walker: Walker) -> None:
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)


# --- What the page shows ----------------------------------------------------------------


def test_page_of_someone_who_has_not_begun_says_so(
    staff: DemoPerson, agent_browser: Client
) -> None:
    page = text(agent_browser.get(page_of(staff)))

    assert "Pas encore commencée" in page
    assert "en attente d'activation" in page
    assert "Aucun lien en attente." in page


def test_page_shows_the_state_its_step_and_when_each_step_was_passed(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        walker = walker_for(staff)
        walker.identify()
        walker.give_provisional_password()
        traveller.shift(120)
        walker.give_recovery_email(RECOVERY)

        page = text(agent_browser.get(page_of(staff)))

    assert (
        "Étape 4 : Confirmation de l'adresse de secours ( awaiting_recovery_email_confirmation )"
        in page
    )
    assert "2. Mot de passe provisoire 12 mars 2025 10:00" in page
    assert "3. Adresse mail de secours 12 mars 2025 10:02" in page
    assert "4. Confirmation de l'adresse de secours en cours" in page


def test_page_shows_the_pending_link_and_its_deadline(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    with time_machine.travel(NOW, tick=False):
        waiting_for_recovery_link(walker_for(staff))

        page = text(agent_browser.get(page_of(staff)))

    assert (
        f"confirmation de l'adresse de secours {RECOVERY} 12 mars 2025 10:00 12 mars 2025 23:59"
        in page
    )


def test_page_shows_the_mails_with_their_delivery_state(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    waiting_for_recovery_link(walker_for(staff))

    queued = text(agent_browser.get(page_of(staff)))
    deliver_mail()
    sent = text(agent_browser.get(page_of(staff)))

    assert f"Dernier mail, à {RECOVERY} : en file d'attente" in queued
    assert f"Dernier mail, à {RECOVERY} : envoyé" in sent


def test_page_shows_the_audit_trail(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    waiting_for_recovery_link(walker_for(staff))

    page = text(agent_browser.get(page_of(staff)))

    for action in ("person_created", "provisional_password_accepted", "recovery_email_given"):
        assert action in page
    assert f"recovery_email={RECOVERY}" in page


def test_page_shows_the_consents_given_at_the_activation(
    staff: DemoPerson, agent_browser: Client, settings: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        activate(Walker(Client(), staff))

        page = text(agent_browser.get(page_of(staff)))

    charter = settings.PORTIQUE_CHARTER_VERSION
    assert f"12 mars 2025 10:00 Charte informatique {charter} accepté activation du compte" in page
    assert "Annuaire public 2024-09 refusé activation du compte" in page


def test_page_of_someone_who_has_not_begun_has_no_consent(
    staff: DemoPerson, agent_browser: Client
) -> None:
    assert "Aucun consentement enregistré." in text(agent_browser.get(page_of(staff)))


def test_page_of_an_activated_person_offers_no_resend_restart_or_letter(
    staff: DemoPerson, agent_browser: Client
) -> None:
    activate(Walker(Client(), staff))

    body = agent_browser.get(page_of(staff)).content.decode()

    assert "Activation terminée" in text(agent_browser.get(page_of(staff)))
    assert "renvoyer-le-mail/" not in body
    assert "recommencer/" not in body
    assert "courrier/" not in body
    assert "deverrouiller/" in body


def test_page_shows_every_button_to_an_agent_while_a_mail_is_awaited(
    staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    waiting_for_recovery_link(walker_for(staff))

    body = agent_browser.get(page_of(staff)).content.decode()

    for action in ("renvoyer-le-mail/", "deverrouiller/", "recommencer/", "courrier/"):
        assert f'action="{page_of(staff)}{action}"' in body
    assert body.count('name="csrfmiddlewaretoken"') >= 4


def test_page_hides_the_buttons_a_role_does_not_allow(staff: DemoPerson, db: None) -> None:
    from django.contrib.auth.models import Permission

    reader = User.objects.create_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_personfile"))
    browser = Client()
    browser.force_login(reader)

    body = browser.get(page_of(staff)).content.decode()

    assert "deverrouiller/" not in body
    assert "courrier/" not in body


def test_page_of_an_unknown_person_is_not_found(agent_browser: Client) -> None:
    assert agent_browser.get("/helpdesk/personnes/999999/").status_code == 404


def test_page_is_never_cached(staff: DemoPerson, agent_browser: Client) -> None:
    response = agent_browser.get(page_of(staff))

    assert "no-store" in response["Cache-Control"]


# --- Done when --------------------------------------------------------------------------


@pytest.mark.smtp
def test_agent_finds_a_stuck_person_sees_why_resends_and_the_operator_sees_the_funnel(
    smtp_settings: "SmtpServer", staff: DemoPerson, walker_for: Any, agent_browser: Client
) -> None:
    walker = walker_for(staff)
    waiting_for_recovery_link(walker)
    smtp_settings.refuse_next("550 5.1.1 Mailbox unavailable", stage="RCPT")
    deliver_mail()

    # The agent searches the admin for the name the person gave on the phone.
    results = agent_browser.get("/admin/helpdesk/personfile/", {"q": "jane doe"})
    assert results.status_code == 200
    assert "jane.doe" in text(results)
    assert "awaiting_recovery_email_confirmation" in text(results)
    person = Person.objects.get(login=staff.login)
    assert f'href="/admin/helpdesk/personfile/{person.pk}/change/' in results.content.decode()

    # The result opens the person's page: stuck at step 4, the mail refused, and why.
    page = agent_browser.get(f"/admin/helpdesk/personfile/{person.pk}/change/", follow=True)
    seen = text(page)
    assert page.redirect_chain[-1][0] == page_of(staff)
    assert "Étape 4 : Confirmation de l'adresse de secours" in seen
    assert "awaiting_recovery_email_confirmation" in seen
    assert f"Dernier mail, à {RECOVERY} : refusé par le serveur — SMTPRecipientsRefused" in seen
    assert "550" in seen and "Mailbox unavailable" in seen

    # The person has fixed their mailbox: the agent sends the mail again.
    resent = agent_browser.post(page_of(staff) + "renvoyer-le-mail/", follow=True)
    assert "Un nouveau lien a été envoyé" in text(resent)
    assert AuditEvent.objects.get(action="recovery_email_resent").actor == "agent.smith"
    deliver_mail()
    arrived = smtp_settings.received_by(RECOVERY)
    assert len(arrived) == 1
    found = LINK_RE.search(arrived[0].text())
    assert found
    walker.client.get(found.group(1))
    assert walker.post("/activation/lien/")["Location"] == "/activation/charte/"

    # An operator scrapes /metrics: the last import's funnel, step by step.
    scraped = Client().get("/metrics").content.decode()
    funnel = {
        step: metric(scraped, "portique_funnel_people", cohort="last_import", step=step)
        for step in ("people", "provisional_password_accepted", "recovery_email_confirmed")
    }
    assert funnel == {
        "people": 1,
        "provisional_password_accepted": 1,
        "recovery_email_confirmed": 1,
    }
    assert metric(scraped, "portique_funnel_people", cohort="last_import", step="activated") == 0
    assert metric(scraped, "portique_mails_failed") == 1
    assert metric(scraped, "portique_activation_flows", state="awaiting_charter_acceptance") == 1
