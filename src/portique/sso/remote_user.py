"""A login put in a header by the reverse proxy in front of Portique (Shibboleth SP,
mod_auth_cas, mod_auth_openidc). The header is believed only on a request that comes from
one of PORTIQUE_TRUSTED_PROXIES: anyone else can write it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from portique.sso.identity import Identity, SsoRefused, values_of

NAME = "remote_user"


class RemoteUserProvider:
    """The reverse proxy, for the single sign-on's views: it guards the callback URL."""

    name = NAME

    def login_redirect(self, request: HttpRequest, *, callback_url: str) -> HttpResponse:
        # The proxy asks for the login on the way to the callback, and sets the header.
        return HttpResponseRedirect(callback_url)

    def identity(self, request: HttpRequest, *, callback_url: str) -> Identity:
        """Return the login of the header, set by a trusted proxy. Raises SsoRefused: no
        header, or a header from any other address (ignored, and audited)."""
        claimed = values_of(request.headers.get(settings.PORTIQUE_REMOTE_USER_HEADER))
        if request.META.get("REMOTE_ADDR") not in settings.PORTIQUE_TRUSTED_PROXIES:
            if claimed:
                raise SsoRefused(
                    "untrusted_proxy",
                    claimed=claimed[0][:150],
                    remote_addr=request.META.get("REMOTE_ADDR", ""),
                )
            raise SsoRefused("no_header")
        if not claimed:
            raise SsoRefused("no_header")
        attribute = settings.PORTIQUE_SSO_ROLES_ATTRIBUTE
        roles = values_of(request.headers.get(attribute), separators=";,") if attribute else ()
        return Identity(login=claimed[0], roles=roles)

    def logged_out_sessions(self, request: HttpRequest) -> list[str]:
        # No logout request comes to the callback from this provider.
        return []

    def logout_url(self, request: HttpRequest, *, then: str) -> str:
        # The proxy's own logout, if any, is the university's to link to.
        return then
