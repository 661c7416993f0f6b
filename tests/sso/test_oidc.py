"""OpenID Connect answers that must open no session, driven with an HTTP client against the
real provider (oidc-provider, run by the tests): a tampered `state`, a replayed code."""

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from portique.core.models import AuditEvent
from portique.selfservice.models import AccountSession
from tests.sso_http import CLIENT_ID, CLIENT_SECRET, provider_login_over_http
from tests.sso_users import IDP_PASSWORD

pytest_plugins = ["tests.support.after_activation", "tests.sso_people", "tests.oidc_server"]
pytestmark = pytest.mark.django_db(transaction=True)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def refusals() -> list[dict[str, Any]]:
    return list(AuditEvent.objects.filter(action="login_refused").values_list("data", flat=True))


def test_tampered_state_is_refused(jane: Any, oidc_settings: Any, live_server: Any) -> None:
    client, callback = provider_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    state = parse_qs(urlsplit(callback).query)["state"][0]

    answer = client.get(with_query(callback, state=state[:-1] + "x"), allow_redirects=False)

    assert answer.status_code == 403
    assert "La connexion n'a pas abouti" in answer.text
    assert refusals() == [{"reason": "state", "via": "oidc"}]
    assert not AccountSession.objects.exists()


def test_callback_without_a_login_begun_here_is_refused(
    jane: Any, oidc_settings: Any, live_server: Any
) -> None:
    _, callback = provider_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)

    # Another browser, which never went to the provider from Portique (login CSRF).
    answer = requests.get(callback, allow_redirects=False, timeout=10)

    assert answer.status_code == 403
    assert refusals() == [{"reason": "state", "via": "oidc"}]


def test_replayed_code_is_refused_by_portique_and_by_the_provider(
    jane: Any, oidc_settings: Any, live_server: Any
) -> None:
    client, callback = provider_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    first = client.get(callback, allow_redirects=False, timeout=10)
    assert first.headers["Location"] == "/compte/"

    again = client.get(callback, allow_redirects=False, timeout=10)

    assert again.status_code == 403
    assert refusals() == [{"reason": "state", "via": "oidc"}]
    # The provider itself refuses the code a second time, whoever presents it.
    token_endpoint = requests.get(
        f"{oidc_settings.issuer}/.well-known/openid-configuration", timeout=10
    ).json()["token_endpoint"]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    replay = requests.post(
        token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{live_server.url}/sso/retour/",
            "code_verifier": "x" * 43,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert replay.json()["error"] == "invalid_grant"
    assert AccountSession.objects.count() == 1


def test_code_without_its_pkce_verifier_is_refused_by_the_provider(
    jane: Any, oidc_settings: Any, live_server: Any
) -> None:
    _, callback = provider_login_over_http(live_server.url, "jane.doe", IDP_PASSWORD)
    token_endpoint = requests.get(
        f"{oidc_settings.issuer}/.well-known/openid-configuration", timeout=10
    ).json()["token_endpoint"]

    stolen = requests.post(
        token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(callback).query)["code"][0],
            "redirect_uri": f"{live_server.url}/sso/retour/",
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )

    assert stolen.json()["error"] == "invalid_grant"
