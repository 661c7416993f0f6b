"""« Quitter » (ASVS V7.4.4): from step 2 to step 9 a button ends the session on the server;
the flow and its answers stay, and the identifier and provisional password resume them."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.support.pages import text
from tests.support.walkers import Walker
from tests.support.walks import (
    RECOVERY,
    to_charter,
    to_directory,
    to_forwarding,
    to_forwarding_sent,
    to_new_password,
    to_provisional_password,
    to_recovery_email,
    to_recovery_email_sent,
)

NEW_PASSWORD = "Soleil-Vert-2031"
LEAVE = "/activation/quitter/"
LEFT = "/activation/interrompue/"
QUITTER = re.compile(
    r'<form class="leave" method="post" action="/activation/quitter/">'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">'
    r'<button class="button button--secondary" type="submit">Quitter</button></form>'
)

MakeWalker = Callable[..., Walker]


def has_quitter(response: Any) -> bool:
    return QUITTER.search(response.content.decode()) is not None


# --- Walking to a step ------------------------------------------------------------------


STEPS_2_TO_9 = {
    "2": ("/activation/mot-de-passe-provisoire/", to_provisional_password),
    "3": ("/activation/mail-de-secours/", to_recovery_email),
    "4": ("/activation/mail-de-secours/envoye/", to_recovery_email_sent),
    "5": ("/activation/charte/", to_charter),
    "6": ("/activation/annuaire/", to_directory),
    "7": ("/activation/messagerie/", to_forwarding),
    "8": ("/activation/messagerie/envoye/", to_forwarding_sent),
    "9": ("/activation/mot-de-passe/", to_new_password),
}


def left_rows(subject: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="activation_left", subject=subject))


# --- Where the button is ------------------------------------------------------------------


@pytest.mark.parametrize("step", list(STEPS_2_TO_9))
def test_quitter_button_is_on_the_page_of_step(
    staff: DemoPerson, walker_for: MakeWalker, step: str
) -> None:
    path, reach = STEPS_2_TO_9[step]
    walker = walker_for(staff)
    reach(walker)

    response = walker.client.get(path)

    assert response.status_code == 200
    assert has_quitter(response)


def test_quitter_button_comes_after_the_step_form(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    page = walker.client.get("/activation/charte/").content.decode()

    assert page.index(">Suivant</button>") < page.index(">Quitter</button>")


def test_step_1_has_no_quitter_button(db: None, client: Client) -> None:
    response = client.get("/activation/identifiant/")

    assert response.status_code == 200
    assert "Quitter" not in text(response)


def test_done_page_offers_to_log_in_instead_of_quitter(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)
    walker.set_password(NEW_PASSWORD)

    response = walker.client.get("/activation/termine/")

    assert "Quitter" not in text(response)
    assert '<a class="button" href="/">Connectez-vous</a>' in response.content.decode()


# --- What it does -------------------------------------------------------------------------


def test_quitter_leads_to_the_page_that_says_how_to_resume(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    response = walker.post(LEAVE)

    assert (response.status_code, response["Location"]) == (302, LEFT)


def test_step_page_sends_back_to_step_1_after_quitter(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    walker.post(LEAVE)
    response = walker.client.get("/activation/charte/")

    assert (response.status_code, response["Location"]) == (302, "/activation/identifiant/")


def test_quitter_deletes_the_session_on_the_server(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)
    session_key = walker.client.session.session_key

    walker.post(LEAVE)

    assert not Session.objects.filter(session_key=session_key).exists()


def test_old_session_cookie_opens_nothing_after_quitter(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)
    cookie = walker.client.cookies["sessionid"].value
    walker.post(LEAVE)
    replay = Client()
    replay.cookies["sessionid"] = cookie

    response = replay.get("/activation/charte/")

    assert (response.status_code, response["Location"]) == (302, "/activation/identifiant/")


def test_quitter_at_step_2_forgets_the_identifier(db: None, client: Client) -> None:
    client.post("/activation/identifiant/", {"identifier": "jane.doe"})

    client.post(LEAVE)
    response = client.get("/activation/mot-de-passe-provisoire/")

    assert (response.status_code, response["Location"]) == (302, "/activation/identifiant/")


def test_quitter_keeps_the_flow_and_its_answers(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_directory(walker)
    walker.choose_directory(True)

    walker.post(LEAVE)

    flow = ActivationFlow.objects.get(login=staff.login)
    assert flow.state == State.AWAITING_FORWARDING_CHOICE
    assert (flow.recovery_email, flow.charter_accepted_at is not None) == (RECOVERY, True)
    assert flow.directory_consent is True


def test_person_who_left_at_step_5_resumes_there_with_identifier_and_provisional_password(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)
    walker.post(LEAVE)
    walker.identify()

    response = walker.give_provisional_password()

    assert (response.status_code, response["Location"]) == (302, "/activation/charte/")


def test_quitter_is_audited_with_the_login_and_the_state_left(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    walker.client.post(LEAVE, REMOTE_ADDR="192.0.2.7")

    (row,) = left_rows(staff.login)
    assert (row.actor, row.client_ip) == (staff.login, "192.0.2.7")
    assert row.data == {"state": State.AWAITING_CHARTER_ACCEPTANCE.value}


def test_quitter_at_step_2_is_audited_with_the_identifier_as_typed(
    db: None, client: Client
) -> None:
    client.post("/activation/identifiant/", {"identifier": "Jane.Doe@umontpellier.fr"})

    client.post(LEAVE)

    (row,) = left_rows("Jane.Doe@umontpellier.fr")
    assert row.actor == "Jane.Doe@umontpellier.fr"


def test_quitter_without_a_session_audits_nothing_and_says_how_to_resume(
    db: None, client: Client
) -> None:
    response = client.post(LEAVE)

    assert (response.status_code, response["Location"]) == (302, LEFT)
    assert not AuditEvent.objects.filter(action="activation_left").exists()


def test_quitter_needs_a_post(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    response = walker.client.get(LEAVE)

    assert response.status_code == 405
    assert walker.client.get("/activation/charte/").status_code == 200
    assert left_rows(staff.login) == []


def test_quitter_without_the_csrf_token_is_refused(staff: DemoPerson) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/activation/identifiant/")
    token = browser.cookies["csrftoken"].value
    browser.post(
        "/activation/identifiant/", {"identifier": staff.login, "csrfmiddlewaretoken": token}
    )
    browser.post(
        "/activation/mot-de-passe-provisoire/",
        {"provisional_password": staff.provisional_password, "csrfmiddlewaretoken": token},
    )

    response = browser.post(LEAVE)

    assert response.status_code == 403
    assert browser.get("/activation/mail-de-secours/").status_code == 200
    assert left_rows(staff.login) == []


# --- The page after it --------------------------------------------------------------------


def test_left_page_says_the_answers_are_kept_and_how_to_resume(db: None, client: Client) -> None:
    response = client.get(LEFT)

    assert response.status_code == 200
    assert (
        "Vous avez quitté l'activation Vos réponses sont conservées : pour reprendre, saisissez "
        "de nouveau votre identifiant et votre mot de passe provisoire."
    ) in text(response)


def test_left_page_links_to_step_1_and_to_the_home_page(db: None, client: Client) -> None:
    page = client.get(LEFT).content.decode()

    assert '<a class="button" href="/activation/identifiant/">Reprendre l\'activation</a>' in page
    assert '<a class="link-block" href="/">Retour à l\'accueil</a>' in page
