"""A whole activation with its mails delivered by the worker to a real SMTP server
(aiosmtpd), the links taken from what the server received."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from portique.accounts.models import Account

if TYPE_CHECKING:
    from tests.factories import DemoPerson
    from tests.smtp import SmtpServer
    from tests.support.walkers import Walker

pytest_plugins = ["tests.smtp"]

LINK_RE = re.compile(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)")
RECOVERY = "jane.perso@example.com"
FORWARDING = "jane.doe@example.net"
PASSWORD = "Tournesol-2031-vert"


def deliver_and_take_link(server: SmtpServer, to: str) -> str:
    """Run the worker and return the path of the newest link the server received for `to`."""
    call_command("worker", batch=True, verbosity=0)
    for received in reversed(server.received_by(to)):
        found = LINK_RE.search(received.text())
        if found:
            return found.group(1)
    raise AssertionError(f"the SMTP server received no link for {to}")


def activate_with_forwarding(walker: Walker, server: SmtpServer) -> Any:
    """Steps 1 to 10 for a staff member who redirects their mail to another address."""
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    walker.follow_link(deliver_and_take_link(server, RECOVERY))
    walker.accept_charter()
    walker.choose_directory(consent=False)
    walker.choose_forwarding(FORWARDING, keep_copy=True)
    walker.follow_link(deliver_and_take_link(server, FORWARDING))
    done = walker.set_password(PASSWORD)
    call_command("worker", batch=True, verbosity=0)
    return done


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_staff_activating_with_a_redirection_ends_activated(
    smtp_settings: SmtpServer, staff: DemoPerson, walker_for: Any
) -> None:
    done = activate_with_forwarding(walker_for(staff), smtp_settings)
    assert done.status_code == 302
    assert done["Location"] == "/activation/termine/"
    account = Account.objects.get(login=staff.login)
    assert account.activated_at is not None
    assert (account.recovery_email, account.forwarding_address) == (RECOVERY, FORWARDING)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_staff_activating_with_a_redirection_receives_three_mails_at_the_right_addresses(
    smtp_settings: SmtpServer, staff: DemoPerson, walker_for: Any
) -> None:
    activate_with_forwarding(walker_for(staff), smtp_settings)
    received = [(mail.rcpt_tos, mail.subject) for mail in smtp_settings.received]
    assert received == [
        (
            [RECOVERY],
            "Université de Montpellier : confirmez votre adresse mail de secours",
        ),
        ([FORWARDING], "Université de Montpellier : confirmez votre adresse de redirection"),
        ([RECOVERY], "Université de Montpellier : votre compte informatique est activé"),
    ]
