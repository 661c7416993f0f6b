"""CAS answers that must open no session, and the server's logout request, driven with an
HTTP client against the real server (django-cas-server, run by the tests)."""

from typing import Any

import pytest
import requests

from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from portique.sso.models import SsoSession
from tests.sso_http import cas_login_over_http
from tests.sso_users import IDP_PASSWORD

pytest_plugins = ["tests.support.after_activation", "tests.sso_people", "tests.cas_server"]
pytestmark = pytest.mark.django_db(transaction=True)

LOGOUT_REQUEST = """<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="x" Version="2.0"
 IssueInstant="2026-01-01T00:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>
 <samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"""


def refusals() -> list[dict[str, Any]]:
    return list(AuditEvent.objects.filter(action="login_refused").values_list("data", flat=True))


def test_replayed_ticket_is_refused_by_the_server(
    jane: Any, cas_settings: Any, live_server: Any
) -> None:
    client, callback = cas_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    assert client.get(callback, allow_redirects=False, timeout=10).headers["Location"] == "/compte/"

    replay = requests.get(callback, allow_redirects=False, timeout=10)

    assert replay.status_code == 403
    assert refusals() == [{"reason": "ticket", "via": "cas", "error": "refused by the server"}]
    assert AccountSession.objects.count() == 1


def test_made_up_ticket_is_refused(jane: Any, cas_settings: Any, live_server: Any) -> None:
    answer = requests.get(
        f"{live_server.url}/sso/retour/?ticket=ST-made-up", allow_redirects=False, timeout=10
    )

    assert answer.status_code == 403
    assert refusals()[0]["reason"] == "ticket"


def test_logout_request_for_a_ticket_of_no_session_ends_nothing(
    jane: Any, cas_settings: Any, live_server: Any
) -> None:
    client, callback = cas_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    client.get(callback, allow_redirects=False, timeout=10)

    answer = requests.post(
        f"{live_server.url}/sso/retour/",
        data={"logoutRequest": LOGOUT_REQUEST.format(ticket="ST-another")},
        timeout=10,
    )

    assert answer.status_code == 200
    assert SsoSession.objects.count() == AccountSession.objects.count() == 1
    assert client.get(f"{live_server.url}/compte/", allow_redirects=False).status_code == 200


def test_logout_request_for_the_ticket_ends_its_session(
    jane: Any, cas_settings: Any, live_server: Any
) -> None:
    client, callback = cas_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    client.get(callback, allow_redirects=False, timeout=10)
    ticket = callback.split("ticket=", 1)[1]

    requests.post(
        f"{live_server.url}/sso/retour/",
        data={"logoutRequest": LOGOUT_REQUEST.format(ticket=ticket)},
        timeout=10,
    )

    assert client.get(f"{live_server.url}/compte/", allow_redirects=False).status_code == 302
    assert not AccountSession.objects.exists()
