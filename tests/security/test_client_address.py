"""The client address used by the throttles and the audit trail, behind a reverse proxy."""

import pytest
from django.test import RequestFactory

from portique.core.audit import client_ip


def request(remote: str, forwarded: str = "") -> object:
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings) -> None:
    settings.PORTIQUE_TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_from_a_trusted_proxy_the_client_is_the_last_untrusted_forwarded_address(
    settings,
) -> None:
    settings.PORTIQUE_TRUSTED_PROXIES = ["10.0.0.2", "10.0.0.3"]
    forged_then_real = "192.0.2.66, 198.51.100.7, 10.0.0.3"
    assert client_ip(request("10.0.0.2", forged_then_real)) == "198.51.100.7"


def test_a_forwarded_header_from_an_untrusted_address_is_ignored(settings) -> None:
    settings.PORTIQUE_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.django_db
def test_failures_behind_the_proxy_count_against_the_real_client(settings, client, staff) -> None:
    settings.PORTIQUE_TRUSTED_PROXIES = ["10.0.0.2"]
    settings.PORTIQUE_IP_FAILURES = 3
    for n in range(3):
        client.post("/activation/identifiant/", {"identifier": f"nobody{n}"})
        client.post(
            "/activation/mot-de-passe-provisoire/",
            {"provisional_password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    other = client.__class__()
    other.post("/activation/identifiant/", {"identifier": staff.login})
    response = other.post(
        "/activation/mot-de-passe-provisoire/",
        {"provisional_password": staff.provisional_password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert response.status_code == 302
