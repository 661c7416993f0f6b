""" "Envoyer à nouveau le mail" is limited: PORTIQUE_MAIL_RESEND_LIMIT resends per hour, per
account and per destination address, at step 4 and at step 8; past it the page answers 429
and nothing is mailed."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson, PersonFactory
from tests.mail.helpers import LIMIT_MESSAGE, PARIS
from tests.support.mail import deliver_mail, last_link
from tests.support.pages import text
from tests.support.walkers import Walker

MakeWalker = Callable[..., Walker]

RECOVERY = "perso@example.com"
REDIRECTION = "redirection@example.net"
STEP_4 = "/activation/mail-de-secours/envoye/"
STEP_8 = "/activation/messagerie/envoye/"
LIMIT = 5
# 10:00 in Montpellier: every link sent in the next hours is valid until 23:59.
MORNING = datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_morning() -> Iterator[Any]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def mails_to(address: str) -> int:
    """How many mails the worker has delivered to `address`."""
    deliver_mail()
    return sum(address in message.to for message in mail.outbox)


def at_step_4(walker: Walker, address: str = RECOVERY) -> Any:
    walker.identify()
    walker.give_provisional_password()
    response = walker.give_recovery_email(address)
    assert response["Location"] == STEP_4
    return response


def at_step_8(walker: Walker) -> Any:
    walker.reach_charter(RECOVERY)
    walker.accept_charter()
    walker.choose_directory(consent=False)
    response = walker.choose_forwarding(REDIRECTION)
    assert response["Location"] == STEP_8
    return response


def resend(walker: Walker, page: str = STEP_4) -> Any:
    return walker.post(page)


def resend_up_to_the_limit(walker: Walker, page: str = STEP_4, limit: int = LIMIT) -> None:
    for _ in range(limit):
        assert resend(walker, page)["Location"] == page


# --- One account, step 4 -----------------------------------------------------------------


def test_first_mail_and_five_resends_are_all_sent(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_4(walker)

    responses = [resend(walker) for _ in range(LIMIT)]

    assert [r.status_code for r in responses] == [302] * LIMIT
    assert mails_to(RECOVERY) == 1 + LIMIT


def test_sixth_resend_answers_429_with_the_message(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    resend_up_to_the_limit(walker)

    response = resend(walker)

    assert response.status_code == 429
    assert LIMIT_MESSAGE in text(response)


def test_sixth_resend_queues_no_mail(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    resend_up_to_the_limit(walker)
    queued = OutboundMail.objects.count()

    resend(walker)

    assert OutboundMail.objects.count() == queued
    assert mails_to(RECOVERY) == 1 + LIMIT


def test_last_link_sent_still_works_after_a_refused_resend(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    resend_up_to_the_limit(walker)
    link = last_link(RECOVERY)
    resend(walker)

    response = walker.follow_link(link)

    assert response["Location"] == "/activation/charte/"


def test_resend_works_again_once_the_window_has_passed(
    staff: DemoPerson, walker_for: MakeWalker, frozen_morning: Any
) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    resend_up_to_the_limit(walker)
    assert resend(walker).status_code == 429
    frozen_morning.shift(timedelta(minutes=61))
    # The session has expired meanwhile: the person comes back through steps 1 and 2.
    walker.identify()
    assert walker.give_provisional_password()["Location"] == STEP_4

    response = resend(walker)

    assert response["Location"] == STEP_4
    assert mails_to(RECOVERY) == 1 + LIMIT + 1


def test_resend_is_still_refused_59_minutes_later(
    staff: DemoPerson, walker_for: MakeWalker, frozen_morning: Any
) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    resend_up_to_the_limit(walker)
    frozen_morning.shift(timedelta(minutes=59))
    walker.identify()
    walker.give_provisional_password()

    response = resend(walker)

    assert response.status_code == 429


def test_each_resend_voids_the_previous_link(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    at_step_4(walker)
    previous = last_link(RECOVERY)
    for _ in range(LIMIT):
        resend(walker)
        current = last_link(RECOVERY)
        assert current != previous

        walker.client.get(previous)
        confirm_page = walker.client.get("/activation/lien/")

        assert "Ce lien n'est plus valable" in text(confirm_page)
        previous = current


# --- Per destination ---------------------------------------------------------------------


@pytest.fixture
def colleague(db: None) -> DemoPerson:
    return PersonFactory(login="john.roe", first_name="John", last_name="Roe", category="staff")


def sent_links(person: DemoPerson) -> int:
    return OutboundMail.objects.filter(subject_login=person.login).count()


def test_two_accounts_sending_to_one_address_are_refused_past_the_limit(
    staff: DemoPerson, colleague: DemoPerson, walker_for: MakeWalker
) -> None:
    jane = walker_for(staff)
    john = walker_for(colleague, Client())
    at_step_4(jane)
    at_step_4(john)
    # Three link mails each, alternating: six (the limit + 1) to the one address.
    for _ in range(2):
        assert resend(jane)["Location"] == STEP_4
        assert resend(john)["Location"] == STEP_4
    assert mails_to(RECOVERY) == LIMIT + 1

    response = resend(jane)

    assert response.status_code == 429
    assert LIMIT_MESSAGE in text(response)
    assert mails_to(RECOVERY) == LIMIT + 1
    # Neither account came close to its own limit.
    assert sent_links(staff) <= LIMIT
    assert sent_links(colleague) <= LIMIT


def test_address_that_received_too_many_links_is_refused_at_step_3_for_another_account(
    staff: DemoPerson, colleague: DemoPerson, walker_for: MakeWalker
) -> None:
    jane = walker_for(staff)
    at_step_4(jane)
    resend_up_to_the_limit(jane)
    john = walker_for(colleague, Client())
    john.identify()
    john.give_provisional_password()

    response = john.give_recovery_email(RECOVERY)

    assert response.status_code == 429
    assert LIMIT_MESSAGE in text(response)
    assert ActivationFlow.objects.get(login=colleague.login).state == (
        State.AWAITING_RECOVERY_EMAIL
    )
    assert sent_links(colleague) == 0


def test_address_limit_ignores_the_case_of_the_address(
    staff: DemoPerson, colleague: DemoPerson, walker_for: MakeWalker
) -> None:
    jane = walker_for(staff)
    at_step_4(jane)
    resend_up_to_the_limit(jane)
    john = walker_for(colleague, Client())
    john.identify()
    john.give_provisional_password()

    response = john.give_recovery_email(RECOVERY.upper())

    assert response.status_code == 429


# --- The limit is a setting --------------------------------------------------------------


def test_limit_of_one_lets_the_first_resend_through(
    settings: Any, staff: DemoPerson, walker_for: MakeWalker
) -> None:
    settings.PORTIQUE_MAIL_RESEND_LIMIT = 1
    walker = walker_for(staff)
    at_step_4(walker)

    response = resend(walker)

    assert response["Location"] == STEP_4


def test_limit_of_one_refuses_the_second_resend(
    settings: Any, staff: DemoPerson, walker_for: MakeWalker
) -> None:
    settings.PORTIQUE_MAIL_RESEND_LIMIT = 1
    walker = walker_for(staff)
    at_step_4(walker)
    resend(walker)

    response = resend(walker)

    assert response.status_code == 429
    assert mails_to(RECOVERY) == 2


# --- Step 8: the redirection mail --------------------------------------------------------


def test_redirection_mail_and_five_resends_are_all_sent(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_8(walker)

    responses = [resend(walker, STEP_8) for _ in range(LIMIT)]

    assert [r.status_code for r in responses] == [302] * LIMIT
    assert mails_to(REDIRECTION) == 1 + LIMIT


def test_sixth_redirection_resend_answers_429_with_the_message(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_8(walker)
    resend_up_to_the_limit(walker, STEP_8)

    response = resend(walker, STEP_8)

    assert response.status_code == 429
    assert LIMIT_MESSAGE in text(response)
    assert "Envoyer à nouveau le mail d'activation" in text(response)


def test_sixth_redirection_resend_queues_no_mail(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    at_step_8(walker)
    resend_up_to_the_limit(walker, STEP_8)
    queued = OutboundMail.objects.count()

    resend(walker, STEP_8)

    assert OutboundMail.objects.count() == queued


def test_last_redirection_link_still_works_after_a_refused_resend(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_8(walker)
    resend_up_to_the_limit(walker, STEP_8)
    link = last_link(REDIRECTION)
    resend(walker, STEP_8)

    response = walker.follow_link(link)

    assert response["Location"] == "/activation/mot-de-passe/"


def test_limit_of_one_refuses_the_second_redirection_resend(
    settings: Any, staff: DemoPerson, walker_for: MakeWalker
) -> None:
    settings.PORTIQUE_MAIL_RESEND_LIMIT = 1
    walker = walker_for(staff)
    at_step_8(walker)
    assert resend(walker, STEP_8)["Location"] == STEP_8

    response = resend(walker, STEP_8)

    assert response.status_code == 429
