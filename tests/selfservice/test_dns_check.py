"""« Compte Informatique » refuses a new recovery or redirection address whose domain DNS (a
real server, dnslib on a loopback port) says does not exist, as the activation does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.test import Client

from tests.support.after_activation import PASSWORD, change_forwarding, change_recovery_email
from tests.support.pages import text

if TYPE_CHECKING:
    from tests.dns_server import DnsServer

pytest_plugins = ["tests.support.after_activation", "tests.dns_server"]

REFUSAL = "Le domaine gmai.test ne reçoit pas de mail"


def check_against(settings: Any, dns_server: DnsServer) -> None:
    # After the activation of `signed_in`, whose addresses this server does not know.
    settings.PORTIQUE_EMAIL_DNS_CHECK = True
    settings.PORTIQUE_DNS_NAMESERVERS = [dns_server.address]
    settings.PORTIQUE_EMAIL_DNS_TIMEOUT = 0.5


def test_new_recovery_address_of_a_domain_that_does_not_exist_is_refused(
    signed_in: Client, settings: Any, dns_server: DnsServer
) -> None:
    check_against(settings, dns_server)
    page = change_recovery_email(signed_in, "jane@gmai.test", PASSWORD)
    assert page.status_code == 200
    assert REFUSAL in text(page)


def test_new_redirection_of_a_domain_that_does_not_exist_is_refused(
    signed_in: Client, settings: Any, dns_server: DnsServer
) -> None:
    check_against(settings, dns_server)
    page = change_forwarding(signed_in, "jane@gmai.test")
    assert REFUSAL in text(page)
