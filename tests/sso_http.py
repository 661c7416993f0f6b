"""What the single sign-on tests share to drive the tests' identity providers with an HTTP
client, as a browser would, up to Portique's callback; and the provider's client."""

import re

import requests

CLIENT_ID = "portique-tests"
CLIENT_SECRET = "client-secret-for-tests-only"


def provider_login_over_http(
    portique_url: str, login: str, password: str
) -> tuple[requests.Session, str]:
    """Go from Portique's "SE CONNECTER" through the provider's login form with an HTTP
    client, as a browser would, and stop before Portique's callback: return the client (its
    cookies hold Portique's session) and the callback's address, code and state in it."""
    client = requests.Session()
    url = f"{portique_url}/sso/connexion/"
    for _ in range(20):
        answer = client.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and 'name="login"' in answer.text:
            action = answer.text.split('action="', 1)[1].split('"', 1)[0]
            answer = client.post(
                requests.compat.urljoin(answer.url, action),
                data={"login": login, "password": password},
                allow_redirects=False,
                timeout=10,
            )
        assert answer.is_redirect, f"{answer.status_code} at {answer.url}: {answer.text[:300]}"
        url = requests.compat.urljoin(answer.url, answer.headers["Location"])
        if url.startswith(f"{portique_url}/sso/retour/"):
            return client, url
    raise AssertionError("the provider never sent the browser back to Portique")


def cas_login_over_http(
    portique_url: str, login: str, password: str
) -> tuple[requests.Session, str]:
    """Go from Portique's "SE CONNECTER" through the CAS server's login form with an HTTP
    client, and stop before Portique's callback: return the client and the callback's
    address, with the service ticket in it."""
    client = requests.Session()
    answer = client.get(f"{portique_url}/sso/connexion/", timeout=10)
    assert 'name="lt"' in answer.text, answer.text[:300]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', answer.text))
    answer = client.post(
        answer.url,
        data={**fields, "username": login, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.is_redirect, f"{answer.status_code}: {answer.text[:300]}"
    callback = answer.headers["Location"]
    assert callback.startswith(f"{portique_url}/sso/retour/?ticket="), callback
    return client, callback
