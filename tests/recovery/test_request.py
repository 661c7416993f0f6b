""" "Problème de connexion": asking for a link. The page answers the same way whatever the
identifier; what happens next is told by mail only, to the person's own address."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.support.after_activation import (
    PARIS,
    RECOVERY,
    RESET_LINK,
    Activated,
    actions_of,
    links_to,
    mails_to,
    without_csrf_value,
)
from tests.support.mail import deliver_mail
from tests.support.pages import text
from tests.support.walkers import Walker

pytest_plugins = ["tests.support.after_activation"]

SENT = "/probleme-de-connexion/envoye/"
RESET_SUBJECT = "Université de Montpellier : choisissez un nouveau mot de passe"
REMINDER_SUBJECT = "Université de Montpellier : votre compte n'est pas encore activé"
UNFINISHED = "inacheve@example.com"


def ask(client: Client, identifier: str) -> Any:
    """Type the identifier on "Problème de connexion" and press "Suivant"."""
    return client.post("/probleme-de-connexion/", {"identifier": identifier})


@pytest.fixture
def unfinished(walker_for: Any, student: DemoPerson) -> DemoPerson:
    """Léa Bernard stopped her activation after giving a recovery address (step 4)."""
    walker: Walker = walker_for(student, Client())
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(UNFINISHED)
    deliver_mail()
    mail.outbox.clear()
    return student


@pytest.fixture
def identifier(request: pytest.FixtureRequest, activated: Activated, unfinished: DemoPerson) -> str:
    return {
        "unknown": "nobody.here",
        "activated": activated.login,
        "not-yet-activated": unfinished.login,
    }[request.param]


IDENTIFIERS = ["unknown", "activated", "not-yet-activated"]


# --- The same answer for everyone ------------------------------------------------------


def test_request_page_asks_for_the_identifier(client: Client) -> None:
    page = client.get("/probleme-de-connexion/")

    assert page.status_code == 200
    assert "Identifiant (Nom de connexion)" in text(page)


@pytest.mark.parametrize("identifier", IDENTIFIERS, indirect=True)
def test_request_leads_to_the_sent_page(identifier: str, client: Client) -> None:
    response = ask(client, identifier)

    assert response.status_code == 302
    assert response["Location"] == SENT


def sent_page_after(identifier: str) -> str:
    """The page a person reads after asking for `identifier`, in a browser of their own."""
    browser = Client()
    ask(browser, identifier)
    return without_csrf_value(browser.get(SENT).content.decode())


@pytest.mark.parametrize("identifier", IDENTIFIERS, indirect=True)
def test_sent_page_reads_the_same_whatever_the_identifier(identifier: str) -> None:
    assert sent_page_after(identifier) == sent_page_after("nobody.here")


def test_empty_identifier_is_asked_again(client: Client, db: None) -> None:
    response = ask(client, "")

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)


# --- An activated account: a link to the recovery address -------------------------------


def test_activated_account_is_mailed_a_link_to_its_recovery_address(
    activated: Activated, client: Client
) -> None:
    ask(client, activated.login)

    sent = mails_to(RECOVERY)

    assert [message.subject for message in sent] == [RESET_SUBJECT]
    assert links_to(RECOVERY, RESET_LINK)


def test_university_address_as_identifier_gets_the_link_too(
    activated: Activated, client: Client
) -> None:
    ask(client, activated.email)

    assert links_to(RECOVERY, RESET_LINK)


def test_link_mail_names_the_account(activated: Activated, client: Client) -> None:
    ask(client, activated.login)

    (sent,) = mails_to(RECOVERY)

    assert f"pour votre compte {activated.email}" in str(sent.body)


@pytest.fixture
def ten_oclock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, tzinfo=PARIS), tick=False) as t:
        yield t


def test_link_asked_at_ten_is_valid_until_2359_that_day(
    activated: Activated, client: Client, ten_oclock: time_machine.Traveller
) -> None:
    ask(client, activated.login)

    (sent,) = mails_to(RECOVERY)

    assert "Ce lien est valable jusqu'au jeudi 13 mars 2025 à 23:59, une seule fois." in str(
        sent.body
    )


def test_requests_beyond_the_resend_limit_mail_no_more_links(
    activated: Activated, client: Client, settings: Any, ten_oclock: time_machine.Traveller
) -> None:
    limit = settings.PORTIQUE_MAIL_RESEND_LIMIT
    answers = [ask(client, activated.login)["Location"] for _ in range(limit + 3)]

    assert answers == [SENT] * (limit + 3)
    assert len(links_to(RECOVERY, RESET_LINK)) == limit + 1


def test_resend_limit_requests_all_get_their_link(
    activated: Activated, client: Client, settings: Any, ten_oclock: time_machine.Traveller
) -> None:
    limit = settings.PORTIQUE_MAIL_RESEND_LIMIT
    for _ in range(limit + 1):
        ask(client, activated.login)

    assert len(links_to(RECOVERY, RESET_LINK)) == limit + 1


def test_request_writes_a_recovery_requested_audit_event(
    activated: Activated, client: Client
) -> None:
    ask(client, activated.login)

    assert actions_of(activated.login)[-1] == "recovery_requested"


# --- Not yet activated: pointed to the activation, by mail only ---------------------------


def test_unfinished_activation_is_pointed_to_the_activation_by_mail(
    unfinished: DemoPerson, client: Client
) -> None:
    ask(client, unfinished.login)

    sent = mails_to(UNFINISHED)

    assert [message.subject for message in sent] == [REMINDER_SUBJECT]
    assert "« 1ère connexion »" in str(sent[0].body)


def test_unfinished_activation_is_mailed_no_reset_link(
    unfinished: DemoPerson, client: Client
) -> None:
    ask(client, unfinished.login)

    assert links_to(UNFINISHED, RESET_LINK) == []


def test_unfinished_activation_is_not_told_on_screen(unfinished: DemoPerson) -> None:
    page = sent_page_after(unfinished.login)

    assert page == sent_page_after("nobody.here")
    assert UNFINISHED not in page


def test_account_never_started_is_mailed_nothing(student: DemoPerson, client: Client) -> None:
    ask(client, student.login)
    deliver_mail()

    assert OutboundMail.objects.count() == 0
    assert mail.outbox == []


def test_activation_stopped_before_the_recovery_address_is_mailed_nothing(
    student: DemoPerson, walker_for: Any, client: Client
) -> None:
    walker: Walker = walker_for(student, Client())
    walker.identify()
    walker.give_provisional_password()

    ask(client, student.login)
    deliver_mail()

    assert mail.outbox == []


def test_unknown_identifier_is_mailed_nothing(client: Client, db: None) -> None:
    ask(client, "nobody.here")
    deliver_mail()

    assert OutboundMail.objects.count() == 0
