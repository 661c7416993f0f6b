"""An address whose domain looks misspelt (perso@gmial.com) is pointed out once at steps 3
and 7, before any link is mailed; sending it again, or a corrected one, goes through."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from portique.activation.machine import State
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.mail.helpers import hidden_value
from tests.support.flows import flow_of
from tests.support.mail import deliver_mail
from tests.support.pages import text
from tests.support.walkers import Walker

MakeWalker = Callable[..., Walker]

MISSPELT = "perso@gmial.com"
CORRECTED = "perso@gmail.com"
WARNING = f"vouliez-vous dire {CORRECTED}"
NORMAL = "perso@example.com"
REDIRECTION_MISSPELT = "redirection@gmial.com"
REDIRECTION_CORRECTED = "redirection@gmail.com"
REDIRECTION_NORMAL = "redirection@example.net"


def mailed_to(address: str) -> list[str]:
    """The subjects of the mails delivered to `address`."""
    deliver_mail()
    return [str(message.subject) for message in mail.outbox if address in message.to]


# --- Step 3: the recovery address --------------------------------------------------------


def at_step_3(walker: Walker) -> None:
    walker.identify()
    walker.give_provisional_password()


def give_recovery_email(walker: Walker, address: str, checked: str = "") -> Any:
    return walker.post(
        "/activation/mail-de-secours/",
        {
            "recovery_email": address,
            "recovery_email_confirmation": address,
            "checked_address": checked,
        },
    )


def test_misspelt_recovery_address_is_shown_back_with_the_suggestion(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)

    response = give_recovery_email(walker, MISSPELT)

    assert response.status_code == 200
    assert WARNING in text(response)


def test_misspelt_recovery_address_queues_no_mail(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)

    give_recovery_email(walker, MISSPELT)

    assert OutboundMail.objects.count() == 0


def test_misspelt_recovery_address_leaves_the_flow_at_step_3_unchanged(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)
    before = flow_of(staff)

    give_recovery_email(walker, MISSPELT)

    after = flow_of(staff)
    assert after.state == State.AWAITING_RECOVERY_EMAIL
    assert (after.recovery_email, after.updated_at) == (before.recovery_email, before.updated_at)


def test_warning_page_carries_the_address_it_warned_about(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)

    response = give_recovery_email(walker, MISSPELT)

    assert hidden_value(response, "checked_address") == MISSPELT


def test_misspelt_recovery_address_sent_again_goes_to_step_4(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)
    warning = give_recovery_email(walker, MISSPELT)

    response = give_recovery_email(
        walker, MISSPELT, checked=hidden_value(warning, "checked_address")
    )

    assert response.status_code == 302
    assert response["Location"] == "/activation/mail-de-secours/envoye/"


def test_misspelt_recovery_address_sent_again_is_mailed_as_typed(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)
    warning = give_recovery_email(walker, MISSPELT)
    give_recovery_email(walker, MISSPELT, checked=hidden_value(warning, "checked_address"))

    assert len(mailed_to(MISSPELT)) == 1
    assert mailed_to(CORRECTED) == []
    assert flow_of(staff).recovery_email == MISSPELT


def test_recovery_address_corrected_after_the_warning_goes_to_step_4(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)
    warning = give_recovery_email(walker, MISSPELT)

    response = give_recovery_email(
        walker, CORRECTED, checked=hidden_value(warning, "checked_address")
    )

    assert response["Location"] == "/activation/mail-de-secours/envoye/"
    assert len(mailed_to(CORRECTED)) == 1


def test_other_misspelt_address_after_the_warning_is_pointed_out_in_turn(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)
    warning = give_recovery_email(walker, MISSPELT)

    response = give_recovery_email(
        walker, "perso@hotmial.fr", checked=hidden_value(warning, "checked_address")
    )

    assert response.status_code == 200
    assert "vouliez-vous dire perso@hotmail.fr" in text(response)
    assert OutboundMail.objects.count() == 0


def test_normal_recovery_address_goes_to_step_4_at_once(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    at_step_3(walker)

    response = give_recovery_email(walker, NORMAL)

    assert response["Location"] == "/activation/mail-de-secours/envoye/"
    assert len(mailed_to(NORMAL)) == 1


# --- Step 7: the redirection address -----------------------------------------------------


@pytest.fixture
def at_step_7(staff: DemoPerson, walker_for: MakeWalker) -> Walker:
    walker = walker_for(staff)
    walker.reach_charter(NORMAL)
    walker.accept_charter()
    walker.choose_directory(consent=False)
    assert flow_of(staff).state == State.AWAITING_FORWARDING_CHOICE
    return walker


def choose_forwarding(walker: Walker, address: str, checked: str = "") -> Any:
    return walker.post(
        "/activation/messagerie/",
        {
            "wants_forwarding": "on",
            "forwarding_address": address,
            "forwarding_address_confirmation": address,
            "keep_copy": "on",
            "checked_address": checked,
        },
    )


def forwarding_mails() -> int:
    return OutboundMail.objects.filter(kind="forwarding_address").count()


def test_misspelt_redirection_is_shown_back_with_the_suggestion(at_step_7: Walker) -> None:
    response = choose_forwarding(at_step_7, REDIRECTION_MISSPELT)

    assert response.status_code == 200
    assert f"vouliez-vous dire {REDIRECTION_CORRECTED}" in text(response)


def test_misspelt_redirection_queues_no_mail(at_step_7: Walker) -> None:
    mails_before = OutboundMail.objects.count()

    choose_forwarding(at_step_7, REDIRECTION_MISSPELT)

    assert OutboundMail.objects.count() == mails_before
    assert forwarding_mails() == 0


def test_misspelt_redirection_leaves_the_flow_at_step_7_unchanged(
    at_step_7: Walker, staff: DemoPerson
) -> None:
    before = flow_of(staff)

    choose_forwarding(at_step_7, REDIRECTION_MISSPELT)

    after = flow_of(staff)
    assert after.state == State.AWAITING_FORWARDING_CHOICE
    assert (after.forwarding_address, after.wants_forwarding, after.updated_at) == (
        before.forwarding_address,
        before.wants_forwarding,
        before.updated_at,
    )


def test_misspelt_redirection_sent_again_goes_to_step_8(at_step_7: Walker) -> None:
    warning = choose_forwarding(at_step_7, REDIRECTION_MISSPELT)

    response = choose_forwarding(
        at_step_7, REDIRECTION_MISSPELT, checked=hidden_value(warning, "checked_address")
    )

    assert response.status_code == 302
    assert response["Location"] == "/activation/messagerie/envoye/"


def test_misspelt_redirection_sent_again_is_mailed_as_typed(
    at_step_7: Walker, staff: DemoPerson
) -> None:
    warning = choose_forwarding(at_step_7, REDIRECTION_MISSPELT)
    choose_forwarding(
        at_step_7, REDIRECTION_MISSPELT, checked=hidden_value(warning, "checked_address")
    )

    assert len(mailed_to(REDIRECTION_MISSPELT)) == 1
    assert mailed_to(REDIRECTION_CORRECTED) == []
    assert flow_of(staff).forwarding_address == REDIRECTION_MISSPELT


def test_redirection_corrected_after_the_warning_goes_to_step_8(at_step_7: Walker) -> None:
    warning = choose_forwarding(at_step_7, REDIRECTION_MISSPELT)

    response = choose_forwarding(
        at_step_7, REDIRECTION_CORRECTED, checked=hidden_value(warning, "checked_address")
    )

    assert response["Location"] == "/activation/messagerie/envoye/"
    assert len(mailed_to(REDIRECTION_CORRECTED)) == 1


def test_normal_redirection_goes_to_step_8_at_once(at_step_7: Walker) -> None:
    response = choose_forwarding(at_step_7, REDIRECTION_NORMAL)

    assert response["Location"] == "/activation/messagerie/envoye/"
    assert len(mailed_to(REDIRECTION_NORMAL)) == 1


def test_misspelt_redirection_is_not_judged_when_no_redirection_is_wanted(
    at_step_7: Walker,
) -> None:
    response = at_step_7.post(
        "/activation/messagerie/",
        {
            "forwarding_address": REDIRECTION_MISSPELT,
            "forwarding_address_confirmation": REDIRECTION_MISSPELT,
        },
    )

    assert response["Location"] == "/activation/mot-de-passe/"
    assert forwarding_mails() == 0
