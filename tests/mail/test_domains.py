"""The address domain check asks a real DNS server (dnslib on a loopback port): a domain with
an MX, or only an A or AAAA record, receives mail; NXDOMAIN, or no record of the three,
does not; a server that does not answer, or answers SERVFAIL, lets the address through."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from portique.mail.domains import domain_receives_mail
from tests.smtp import free_port

if TYPE_CHECKING:
    from tests.dns_server import DnsServer

pytest_plugins = ["tests.dns_server"]

pytestmark = pytest.mark.django_db


def test_domain_with_an_mx_receives_mail(dns_settings: DnsServer) -> None:
    dns_settings.add("univ-partenaire.test", "MX", "mx.univ-partenaire.test")
    assert domain_receives_mail("univ-partenaire.test")


def test_domain_with_only_an_a_record_receives_mail(dns_settings: DnsServer) -> None:
    dns_settings.add("petit-domaine.test", "A", "192.0.2.10")
    assert domain_receives_mail("petit-domaine.test")


def test_domain_with_only_an_aaaa_record_receives_mail(dns_settings: DnsServer) -> None:
    dns_settings.add("v6.test", "AAAA", "2001:db8::25")
    assert domain_receives_mail("v6.test")


def test_domain_that_does_not_exist_does_not_receive_mail(dns_settings: DnsServer) -> None:
    assert not domain_receives_mail("gmai.test")


def test_domain_without_mx_a_or_aaaa_does_not_receive_mail(dns_settings: DnsServer) -> None:
    dns_settings.exists("sans-courrier.test")
    assert not domain_receives_mail("sans-courrier.test")
    assert dns_settings.questions_about("sans-courrier.test") == ["MX", "A", "AAAA"]


def test_domain_whose_server_does_not_answer_is_accepted_within_the_timeout(
    dns_settings: DnsServer,
) -> None:
    dns_settings.drop("lent.test")
    started = time.monotonic()
    assert domain_receives_mail("lent.test")
    assert time.monotonic() - started < 2 * dns_settings_timeout()


def test_domain_answered_with_servfail_is_accepted(dns_settings: DnsServer) -> None:
    dns_settings.fail("en-panne.test")
    assert domain_receives_mail("en-panne.test")


def test_domain_is_accepted_when_no_resolver_listens(settings: Any) -> None:
    settings.PORTIQUE_EMAIL_DNS_CHECK = True
    settings.PORTIQUE_DNS_NAMESERVERS = [f"127.0.0.1:{free_port()}"]
    settings.PORTIQUE_EMAIL_DNS_TIMEOUT = 0.5
    assert domain_receives_mail("personne.test")


def test_domain_check_turned_off_accepts_without_asking(
    dns_settings: DnsServer, settings: Any
) -> None:
    settings.PORTIQUE_EMAIL_DNS_CHECK = False
    assert domain_receives_mail("gmai.test")
    assert dns_settings.questions_about("gmai.test") == []


def test_domain_answer_is_kept_for_the_next_address(dns_settings: DnsServer) -> None:
    assert not domain_receives_mail("gmai.test")
    assert not domain_receives_mail("GMAI.test")
    assert dns_settings.questions_about("gmai.test") == ["MX"]


def test_domain_is_asked_as_written_without_the_search_domains(
    dns_settings: DnsServer,
) -> None:
    dns_settings.add("univ-partenaire.test", "MX", "mx.univ-partenaire.test")
    domain_receives_mail("univ-partenaire.test.")
    assert dns_settings.questions_about("univ-partenaire.test") == ["MX"]


def dns_settings_timeout() -> float:
    from tests.dns_server import TIMEOUT_SECONDS

    return TIMEOUT_SECONDS
