"""CAS, protocol 2 or 3, through python-cas (the client of django-cas-ng): the service
ticket validated at the server (/serviceValidate, or /p3/serviceValidate with the user's
attributes), the server's single logout request, and the logout through the server."""

from typing import Any
from xml.etree.ElementTree import ParseError

import requests
from cas import CASClient
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from portique.sso.identity import Identity, SsoRefused, values_of

NAME = "cas"


class _TimedSession(requests.Session):
    """A requests session that waits PORTIQUE_SSO_TIMEOUT at most for the CAS server:
    python-cas passes no timeout of its own."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", settings.PORTIQUE_SSO_TIMEOUT)
        return super().request(*args, **kwargs)


def _client(service_url: str) -> Any:
    server_url = settings.PORTIQUE_CAS_SERVER_URL.rstrip("/") + "/"
    return CASClient(
        version=settings.PORTIQUE_CAS_VERSION,
        server_url=server_url,
        service_url=service_url,
        session=_TimedSession(),
    )


class CasProvider:
    """A CAS server, for the single sign-on's views."""

    name = NAME

    def login_redirect(self, request: HttpRequest, *, callback_url: str) -> HttpResponse:
        return HttpResponseRedirect(_client(callback_url).get_login_url())

    def identity(self, request: HttpRequest, *, callback_url: str) -> Identity:
        """Validate the service ticket at the server and return who it names. Raises
        SsoRefused: a ticket the server does not know (replayed, expired, for another
        service), or a server that does not answer."""
        ticket = request.GET.get("ticket", "")
        if not ticket:
            raise SsoRefused("ticket", error="missing")
        try:
            user, attributes, _ = _client(callback_url).verify_ticket(ticket)
        except requests.RequestException as error:
            raise SsoRefused("unreachable", error=type(error).__name__) from error
        except (ParseError, IndexError, AttributeError) as error:
            raise SsoRefused("ticket", error="unreadable answer") from error
        if not user:
            raise SsoRefused("ticket", error="refused by the server")
        attributes = attributes or {}
        attribute = settings.PORTIQUE_CAS_LOGIN_ATTRIBUTE
        login = values_of(attributes.get(attribute)) if attribute else (user,)
        if not login:
            raise SsoRefused("no_login", login=user)
        roles = values_of(attributes.get(settings.PORTIQUE_SSO_ROLES_ATTRIBUTE or "", None))
        return Identity(login=login[0], roles=roles, session_index=ticket)

    def logged_out_sessions(self, request: HttpRequest) -> list[str]:
        """The service tickets that the server's single logout request (a POST of
        `logoutRequest`) names: their sessions end."""
        logout_request = request.POST.get("logoutRequest", "")
        if not logout_request:
            return []
        found = _client("").get_saml_slos(logout_request) or []
        return [element.text for element in found if element.text]

    def logout_url(self, request: HttpRequest, *, then: str) -> str:
        """The server's /logout, which ends the CAS session too, then comes back to `then`."""
        return str(_client(then).get_logout_url(redirect_url=then))
