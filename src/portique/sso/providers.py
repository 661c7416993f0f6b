"""The identity provider that PORTIQUE_AUTH chooses, behind one small protocol."""

from typing import Protocol

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portique.sso.identity import Identity


class Provider(Protocol):
    name: str

    def login_redirect(self, request: HttpRequest, *, callback_url: str) -> HttpResponse:
        """Send the browser to the provider's login, which comes back to `callback_url`."""
        ...

    def identity(self, request: HttpRequest, *, callback_url: str) -> Identity:
        """Check the provider's answer on `callback_url` and return who it vouches for;
        raise SsoRefused otherwise."""
        ...

    def logged_out_sessions(self, request: HttpRequest) -> list[str]:
        """The provider's sessions that a logout request it sent to the callback ends."""
        ...

    def logout_url(self, request: HttpRequest, *, then: str) -> str:
        """Where the browser goes once Portique's session has ended: the provider's logout,
        which comes back to `then`."""
        ...


def sso_enabled() -> bool:
    """Tell whether logins go through a single sign-on (PORTIQUE_AUTH other than local)."""
    return bool(settings.PORTIQUE_AUTH != "local")


def get_provider() -> Provider:
    """The provider of PORTIQUE_AUTH (which must not be local)."""
    from portique.sso.cas import CasProvider
    from portique.sso.oidc import OidcProvider
    from portique.sso.remote_user import RemoteUserProvider

    providers: dict[str, type[Provider]] = {
        "cas": CasProvider,
        "oidc": OidcProvider,
        "remote_user": RemoteUserProvider,
    }
    return providers[settings.PORTIQUE_AUTH]()
