"""Steps 3 and 7, and the address corrected at step 4, refuse a domain that DNS (a real
server, dnslib on a loopback port) says has no MX and no A or AAAA record, before any mail
is queued; a domain that has one goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from portique.activation.machine import State
from portique.mail.models import OutboundMail
from tests.support.flows import flow_of
from tests.support.pages import text
from tests.support.walks import to_forwarding, to_recovery_email

if TYPE_CHECKING:
    from tests.dns_server import DnsServer
    from tests.factories import DemoPerson

pytest_plugins = ["tests.dns_server"]

NOWHERE = "jane@gmai.test"
REFUSAL = (
    "Le domaine gmai.test ne reçoit pas de mail : il n'existe pas ou n'a pas de serveur de "
    "messagerie. Vérifiez l'adresse saisie."
)


def test_step_3_refuses_a_domain_that_does_not_exist(
    staff: DemoPerson, walker_for: Any, dns_settings: DnsServer
) -> None:
    walker = walker_for(staff)
    to_recovery_email(walker)
    page = walker.give_recovery_email(NOWHERE)
    assert page.status_code == 200
    assert REFUSAL in text(page)


def test_step_3_queues_no_mail_for_a_domain_without_mail(
    staff: DemoPerson, walker_for: Any, dns_settings: DnsServer
) -> None:
    walker = walker_for(staff)
    to_recovery_email(walker)
    walker.give_recovery_email(NOWHERE)
    assert not OutboundMail.objects.exists()
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL


def test_step_3_takes_a_domain_with_an_mx(
    staff: DemoPerson, walker_for: Any, dns_settings: DnsServer
) -> None:
    dns_settings.add("univ-partenaire.test", "MX", "mx.univ-partenaire.test")
    walker = walker_for(staff)
    to_recovery_email(walker)
    sent = walker.give_recovery_email("jane@univ-partenaire.test")
    assert sent["Location"] == "/activation/mail-de-secours/envoye/"


def test_step_3_takes_any_domain_when_the_check_is_off(
    staff: DemoPerson, walker_for: Any, dns_settings: DnsServer, settings: Any
) -> None:
    settings.PORTIQUE_EMAIL_DNS_CHECK = False
    walker = walker_for(staff)
    to_recovery_email(walker)
    assert walker.give_recovery_email(NOWHERE)["Location"] == "/activation/mail-de-secours/envoye/"


def test_step_4_correction_refuses_a_domain_that_does_not_exist(
    staff: DemoPerson, walker_for: Any, dns_settings: DnsServer
) -> None:
    dns_settings.add("univ-partenaire.test", "MX", "mx.univ-partenaire.test")
    walker = walker_for(staff)
    to_recovery_email(walker)
    walker.give_recovery_email("jane@univ-partenaire.test")
    page = walker.post("/activation/mail-de-secours/envoye/corriger/", {"recovery_email": NOWHERE})
    assert REFUSAL in text(page)
    assert flow_of(staff).recovery_email == "jane@univ-partenaire.test"


@pytest.mark.parametrize("rtype,value", [("MX", "mx.example.com"), ("A", "192.0.2.1")])
def test_step_7_refuses_a_redirection_to_a_domain_that_does_not_exist(
    staff: DemoPerson, walker_for: Any, settings: Any, dns_server: DnsServer, rtype: str, value: str
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)
    # Turned on only now: steps 3 and 4 used example.com, which this server does not know.
    settings.PORTIQUE_EMAIL_DNS_CHECK = True
    settings.PORTIQUE_DNS_NAMESERVERS = [dns_server.address]
    settings.PORTIQUE_EMAIL_DNS_TIMEOUT = 0.5
    dns_server.add("example.com", rtype, value)
    page = walker.choose_forwarding(NOWHERE)
    assert REFUSAL in text(page)
    assert flow_of(staff).state == State.AWAITING_FORWARDING_CHOICE


def test_step_7_without_a_redirection_asks_no_dns(
    staff: DemoPerson, walker_for: Any, settings: Any, dns_server: DnsServer
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)
    settings.PORTIQUE_EMAIL_DNS_CHECK = True
    settings.PORTIQUE_DNS_NAMESERVERS = [dns_server.address]
    page = walker.post(
        "/activation/messagerie/",
        {"forwarding_address": NOWHERE, "forwarding_address_confirmation": NOWHERE},
    )
    assert page["Location"] == "/activation/mot-de-passe/"
    assert dns_server.questions_about("gmai.test") == []
