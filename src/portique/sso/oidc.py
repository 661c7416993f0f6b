"""OpenID Connect, through Authlib: the authorization code flow with PKCE (S256), `state`
and `nonce` kept in the session, the provider's settings read from its discovery document,
the ID token's signature, issuer, audience, expiry and nonce checked, and RP-initiated
logout."""

from typing import Any

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError
from requests import RequestException

from portique.sso.identity import SESSION_LOGOUT_HINT, Identity, SsoRefused, values_of

NAME = "oidc"

# One client per provider and client id, so that the discovery document and the provider's
# keys are fetched once per process, not at every login.
_clients: dict[tuple[str, str, str], DjangoOAuth2App] = {}


def _client() -> DjangoOAuth2App:
    key = (
        settings.PORTIQUE_OIDC_ISSUER,
        settings.PORTIQUE_OIDC_CLIENT_ID,
        settings.PORTIQUE_OIDC_SCOPES,
    )
    if key not in _clients:
        issuer = settings.PORTIQUE_OIDC_ISSUER.rstrip("/")
        client: DjangoOAuth2App = OAuth().register(
            name="portique",
            client_id=settings.PORTIQUE_OIDC_CLIENT_ID,
            client_secret=settings.PORTIQUE_OIDC_CLIENT_SECRET,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.PORTIQUE_OIDC_SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": settings.PORTIQUE_SSO_TIMEOUT,
            },
        )
        _clients[key] = client
    return _clients[key]


class OidcProvider:
    """An OpenID Connect provider, for the single sign-on's views."""

    name = NAME

    def login_redirect(self, request: HttpRequest, *, callback_url: str) -> HttpResponse:
        try:
            response: HttpResponse = _client().authorize_redirect(request, callback_url)
        except (RequestException, OAuthError, ValueError) as error:
            raise SsoRefused("unreachable", error=type(error).__name__) from error
        return response

    def identity(self, request: HttpRequest, *, callback_url: str) -> Identity:
        """Check the provider's answer and return who it vouches for. Raises SsoRefused."""
        client = _client()
        try:
            token = client.authorize_access_token(request)
        except MismatchingStateError as error:
            raise SsoRefused("state") from error
        except OAuthError as error:
            # The provider's refusal: a code used twice or expired, a user who cancelled.
            raise SsoRefused("provider", error=str(error.error or "")[:100]) from error
        except JoseError as error:
            # A bad signature, another audience or issuer, an expired token, a wrong nonce.
            raise SsoRefused("id_token", error=type(error).__name__) from error
        except RequestException as error:
            raise SsoRefused("unreachable", error=type(error).__name__) from error
        claims: dict[str, Any] = dict(token.get("userinfo") or {})
        if not claims:
            raise SsoRefused("id_token", error="missing")
        wanted = [settings.PORTIQUE_OIDC_LOGIN_CLAIM, settings.PORTIQUE_SSO_ROLES_ATTRIBUTE]
        if any(name and name not in claims for name in wanted):
            claims = {**self._userinfo(client, token, subject=claims["sub"]), **claims}
        login = values_of(claims.get(settings.PORTIQUE_OIDC_LOGIN_CLAIM))
        if not login:
            raise SsoRefused("no_login", subject=str(claims.get("sub", ""))[:150])
        roles = values_of(claims.get(settings.PORTIQUE_SSO_ROLES_ATTRIBUTE or ""))
        # The ID token is the id_token_hint of the RP-initiated logout.
        return Identity(login=login[0], roles=roles, logout_hint=token.get("id_token", ""))

    def _userinfo(
        self, client: DjangoOAuth2App, token: dict[str, Any], *, subject: str
    ) -> dict[str, Any]:
        """The claims of the userinfo endpoint, which many providers keep out of the ID
        token; they count only if they are about the ID token's subject."""
        if not client.load_server_metadata().get("userinfo_endpoint"):
            return {}
        try:
            claims = dict(client.userinfo(token=token))
        except (RequestException, OAuthError) as error:
            raise SsoRefused("unreachable", error=type(error).__name__) from error
        if claims.get("sub") != subject:
            raise SsoRefused("id_token", error="userinfo_subject")
        return claims

    def logged_out_sessions(self, request: HttpRequest) -> list[str]:
        # No logout request comes to the callback from this provider.
        return []

    def logout_url(self, request: HttpRequest, *, then: str) -> str:
        """Where the browser goes after Portique's logout: the provider's end-session
        endpoint, which comes back to `then`."""
        try:
            found = _client().create_logout_url(
                post_logout_redirect_uri=then,
                id_token_hint=request.session.get(SESSION_LOGOUT_HINT) or None,
                client_id=settings.PORTIQUE_OIDC_CLIENT_ID,
            )
        except (RequestException, RuntimeError):
            return then
        return str(found["url"])
