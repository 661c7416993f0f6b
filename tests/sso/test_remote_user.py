"""The remote_user mode with the test client (whose address is 127.0.0.1), and the local
mode, which the single sign-on leaves as it was."""

from typing import Any

import pytest
from django.test import Client

from portique.core.models import AuditEvent
from portique.sso.identity import values_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote_user(settings: Any) -> Any:
    settings.PORTIQUE_AUTH = "remote_user"
    settings.PORTIQUE_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.1"]
    return settings


def test_callback_without_the_header_is_refused(remote_user: Any) -> None:
    answer = Client().get("/sso/retour/")

    assert answer.status_code == 403
    assert AuditEvent.objects.get(action="login_refused").data == {
        "reason": "no_header",
        "via": "remote_user",
    }


def test_login_sends_the_browser_to_the_address_the_proxy_guards(remote_user: Any) -> None:
    remote_user.PORTIQUE_BASE_URL = "https://compte.univ.example"

    answer = Client().get("/sso/connexion/")

    assert answer["Location"] == "https://compte.univ.example/sso/retour/"


def test_spoofed_header_names_the_address_it_came_from(remote_user: Any) -> None:
    remote_user.PORTIQUE_TRUSTED_PROXIES = ["10.0.0.5"]

    Client().get("/sso/retour/", headers={"X-Remote-User": "jane.doe"})

    event = AuditEvent.objects.get(action="login_refused")
    assert event.client_ip == "127.0.0.1"
    assert event.data == {
        "reason": "untrusted_proxy",
        "via": "remote_user",
        "claimed": "jane.doe",
        "remote_addr": "127.0.0.1",
    }


def test_home_page_of_the_local_mode_is_the_login_form() -> None:
    page = Client().get("/").content.decode()

    assert 'name="password"' in page
    assert 'href="/sso/connexion/"' not in page


def test_home_page_of_an_sso_mode_sends_to_the_provider(remote_user: Any) -> None:
    page = Client().get("/").content.decode()

    assert 'name="password"' not in page
    assert 'href="/sso/connexion/"' in page
    assert 'href="/activation/identifiant/"' in page
    assert 'href="/probleme-de-connexion/"' in page


def test_sso_pages_lead_home_in_the_local_mode() -> None:
    assert Client().get("/sso/connexion/")["Location"] == "/"
    assert Client().get("/sso/retour/", headers={"X-Remote-User": "jane.doe"})["Location"] == "/"


@pytest.mark.parametrize(
    ("value", "separators", "values"),
    [
        (None, "", ()),
        ("", "", ()),
        ("jane.doe", "", ("jane.doe",)),
        (["a", "b"], "", ("a", "b")),
        ("a;b, c", ";,", ("a", "b", "c")),
        ("a;b", "", ("a;b",)),
    ],
)
def test_values_of_claims_attributes_and_headers(
    value: object, separators: str, values: tuple[str, ...]
) -> None:
    assert values_of(value, separators=separators) == values
