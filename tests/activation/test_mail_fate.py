"""The waiting pages of steps 4 and 8 show the fate of the person's own mail, delivered by the
worker to a real SMTP server (aiosmtpd) that answers 550 at RCPT TO for one address: queued,
handed to the server at what time, refused with the address and a field to correct it; and
the JSON that the page's script polls tells only the session's own flow's mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from portique.activation.machine import State
from portique.core.models import AuditEvent
from tests.support.flows import flow_of
from tests.support.pages import text
from tests.support.walks import to_forwarding, to_recovery_email

if TYPE_CHECKING:
    from tests.factories import DemoPerson
    from tests.smtp import SmtpServer
    from tests.support.walkers import Walker

pytest_plugins = ["tests.smtp"]

pytestmark = [pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

STEP_4 = "/activation/mail-de-secours/envoye/"
STEP_8 = "/activation/messagerie/envoye/"
UNKNOWN = "nobody@example.com"
GOOD = "perso@example.com"
REDIRECTION = "redirection@example.net"
# 10:30 in Montpellier (UTC+2 in summer).
AT_1030 = datetime(2030, 6, 14, 8, 30, tzinfo=UTC)


@pytest.fixture
def server(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.refuse_address(UNKNOWN, "550 5.1.1 <nobody@example.com>: user unknown")
    return smtp_server


def run_worker() -> None:
    call_command("worker", batch=True, verbosity=0)


def correction_form(page: Any) -> str:
    """The markup of the form that corrects the address on a waiting page."""
    found = re.search(r'<form[^>]*id="mail-fate-correction".*?</form>', page.content.decode(), re.S)
    assert found, "the page has no correction form"
    return found.group(0)


def correction_shown(page: Any) -> bool:
    opening = re.search(r'<form[^>]*id="mail-fate-correction"[^>]*>', page.content.decode())
    assert opening, "the page has no correction form"
    return " hidden" not in opening.group(0)


def resend_shown(page: Any) -> bool:
    opening = re.search(r"<form[^>]*data-mail-resend[^>]*>", page.content.decode())
    assert opening, "the page has no resend form"
    return " hidden" not in opening.group(0)


def send_mails_to(server: SmtpServer, settings: Any) -> None:
    # Imported here: at the top, it would come before pytest_plugins, unrewritten.
    from tests.smtp import send_mails_to as aim

    aim(server, settings)


def at_step_4(walker: Walker, settings: Any, server: SmtpServer, address: str) -> None:
    send_mails_to(server, settings)
    to_recovery_email(walker)
    walker.give_recovery_email(address)


def at_step_8(walker: Walker, settings: Any, server: SmtpServer, address: str) -> None:
    """Steps 1 to 7 with the tests' outbox, then the redirection mail through `server`."""
    to_forwarding(walker)
    send_mails_to(server, settings)
    walker.choose_forwarding(address)


# --- Step 4 -------------------------------------------------------------------------------


def test_step_4_says_the_mail_waits_to_be_sent_before_the_worker_runs(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    page = walker.client.get(STEP_4)
    assert "Mail en attente d'envoi." in text(page)
    assert not correction_shown(page)


def test_step_4_says_at_what_time_the_mail_server_took_the_mail(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    with time_machine.travel(AT_1030, tick=False):
        run_worker()
    assert "Mail remis au serveur de messagerie à 10:30." in text(walker.client.get(STEP_4))


def test_step_4_says_the_mailbox_does_not_exist_when_the_server_refuses_it_at_rcpt(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    page = walker.client.get(STEP_4)
    assert (
        f"La boîte mail {UNKNOWN} n'existe pas : le serveur de messagerie a refusé le mail. "
        "Corrigez l'adresse ci-dessous."
    ) in text(page)
    assert "Réponse du serveur : 550 5.1.1 <nobody@example.com>: user unknown" in text(page)


def test_step_4_says_the_server_refused_the_address_for_another_reason(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    server.refuse_address("full@example.com", "552 5.2.2 mailbox full")
    walker = walker_for(staff)
    at_step_4(walker, settings, server, "full@example.com")
    run_worker()
    page = walker.client.get(STEP_4)
    assert (
        "Le serveur de messagerie a refusé le mail pour l'adresse full@example.com. "
        "Corrigez l'adresse ci-dessous. Réponse du serveur : 552 5.2.2 mailbox full"
    ) in text(page)
    assert correction_shown(page)


def test_step_4_says_the_mail_could_not_be_handed_over_when_it_failed(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    server.refuse_next("554 5.7.1 message rejected")
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    run_worker()
    page = walker.client.get(STEP_4)
    assert "Le mail n'a pas pu être remis au serveur de messagerie." in text(page)
    assert not correction_shown(page)


def test_step_4_offers_the_refused_address_to_correct_in_place(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    page = walker.client.get(STEP_4)
    assert correction_shown(page)
    form = correction_form(page)
    assert "Adresse mail de secours corrigée" in form
    assert f'value="{UNKNOWN}"' in form


def test_step_4_no_longer_offers_to_send_again_to_the_refused_address(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    waiting = walker.client.get(STEP_4)
    run_worker()
    refused = walker.client.get(STEP_4)

    assert (resend_shown(waiting), resend_shown(refused)) == (True, False)


def test_step_4_status_region_is_announced_politely(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    found = re.search(r'<div[^>]*id="mail-fate"[^>]*>', walker.client.get(STEP_4).content.decode())
    assert found and 'aria-live="polite"' in found.group(0)


def test_corrected_address_receives_a_new_mail(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    corrected = walker.post(STEP_4 + "corriger/", {"recovery_email": GOOD})
    assert corrected["Location"] == STEP_4
    run_worker()
    assert [mail.rcpt_tos for mail in server.received] == [[GOOD]]
    assert flow_of(staff).recovery_email == GOOD
    assert "Mail remis au serveur de messagerie" in text(walker.client.get(STEP_4))


def test_corrected_address_link_confirms_it(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    walker.post(STEP_4 + "corriger/", {"recovery_email": GOOD})
    run_worker()
    (received,) = server.received_by(GOOD)
    found = re.search(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)", received.text())
    assert found
    walker.follow_link(found.group(1))
    flow = flow_of(staff)
    assert (flow.state, flow.recovery_email_verified_at is not None) == (
        State.AWAITING_CHARTER_ACCEPTANCE,
        True,
    )


def test_correction_is_audited_with_both_addresses(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    walker.post(STEP_4 + "corriger/", {"recovery_email": GOOD})
    event = AuditEvent.objects.get(action="recovery_email_corrected")
    assert (event.subject, event.data) == (
        staff.login,
        {"previous": UNKNOWN, "recovery_email": GOOD},
    )


def test_correction_to_an_address_of_the_university_is_refused_like_at_step_3(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    run_worker()
    page = walker.post(STEP_4 + "corriger/", {"recovery_email": "jane@umontpellier.fr"})
    assert page.status_code == 200
    assert "Veuillez saisir une adresse extérieure à l'université." in text(page)
    assert correction_shown(page)
    assert flow_of(staff).recovery_email == UNKNOWN


def test_correction_page_asked_for_directly_shows_the_waiting_page(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    assert walker.client.get(STEP_4 + "corriger/")["Location"] == STEP_4


# --- The JSON the page polls ----------------------------------------------------------------


def test_fate_endpoint_tells_the_refusal_with_the_persons_own_address(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, UNKNOWN)
    assert walker.client.get(STEP_4 + "etat/").json()["status"] == "queued"
    run_worker()
    fate = walker.client.get(STEP_4 + "etat/").json()
    assert (fate["status"], fate["settled"], fate["address"]) == ("refused", True, UNKNOWN)
    assert fate["text"].startswith(f"La boîte mail {UNKNOWN} n'existe pas")


def test_fate_endpoint_says_the_time_the_server_took_the_mail(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    with time_machine.travel(AT_1030, tick=False):
        run_worker()
    assert walker.client.get(STEP_4 + "etat/").json() == {
        "status": "sent",
        "settled": True,
        "text": "Mail remis au serveur de messagerie à 10:30.",
        "address": "",
    }


def test_fate_endpoint_without_a_flow_in_the_session_tells_nothing(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    at_step_4(walker_for(staff), settings, server, UNKNOWN)
    run_worker()
    stranger = Client().get(STEP_4 + "etat/")
    assert stranger.status_code == 404
    assert UNKNOWN not in stranger.content.decode()


def test_fate_endpoint_tells_each_person_their_own_mail_only(
    staff: DemoPerson, vacataire: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    jane = walker_for(staff)
    at_step_4(jane, settings, server, UNKNOWN)
    paul = walker_for(vacataire, Client())
    at_step_4(paul, settings, server, "paul@example.org")
    run_worker()
    seen_by_paul = paul.client.get(STEP_4 + "etat/")
    assert seen_by_paul.json()["status"] == "sent"
    assert UNKNOWN not in seen_by_paul.content.decode()


def test_fate_endpoint_of_a_step_already_done_tells_nothing(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_4(walker, settings, server, GOOD)
    answer = walker.client.get(STEP_8 + "etat/")
    assert (answer.status_code, answer.json()["status"]) == (409, "")


# --- Step 8 -------------------------------------------------------------------------------


def test_step_8_says_the_redirection_mailbox_does_not_exist(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_8(walker, settings, server, UNKNOWN)
    run_worker()
    page = walker.client.get(STEP_8)
    assert f"La boîte mail {UNKNOWN} n'existe pas" in text(page)
    assert correction_shown(page)
    assert not resend_shown(page)
    assert "Adresse de redirection corrigée" in correction_form(page)


def test_step_8_corrected_address_receives_a_new_mail_and_keeps_the_copy_choice(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_8(walker, settings, server, UNKNOWN)
    run_worker()
    corrected = walker.post(STEP_8 + "corriger/", {"forwarding_address": REDIRECTION})
    assert corrected["Location"] == STEP_8
    run_worker()
    assert [mail.rcpt_tos for mail in server.received] == [[REDIRECTION]]
    flow = flow_of(staff)
    assert (flow.forwarding_address, flow.keep_copy) == (REDIRECTION, True)


def test_step_8_corrected_to_the_verified_recovery_address_needs_no_mail(
    staff: DemoPerson, walker_for: Any, settings: Any, server: SmtpServer
) -> None:
    walker = walker_for(staff)
    at_step_8(walker, settings, server, UNKNOWN)
    run_worker()
    corrected = walker.post(STEP_8 + "corriger/", {"forwarding_address": GOOD})
    assert corrected["Location"] == "/activation/mot-de-passe/"
    assert flow_of(staff).forwarding_verified_at is not None
