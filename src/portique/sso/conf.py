"""The single sign-on's PORTIQUE_* settings, read in one place with the others: settings.py
takes every name of this module. Each one is listed in .env.example and docs/sso.md."""

import json

from django.core.exceptions import ImproperlyConfigured

from portique.env import env

MODES = ("local", "cas", "oidc", "remote_user")

# Who checks the password of "Compte Informatique" and the console: Portique's own login
# page (local), the university's CAS, an OpenID Connect provider, or a reverse proxy that
# puts the login in a header (remote_user).
PORTIQUE_AUTH: str = env.str("PORTIQUE_AUTH", default="local")
if PORTIQUE_AUTH not in MODES:
    raise ImproperlyConfigured(f"PORTIQUE_AUTH must be one of {', '.join(MODES)}")

# CAS: the server's address (the one before /login), the protocol (2 or 3: attributes come
# from /p3/serviceValidate), and the attribute holding the login (empty: the CAS user).
PORTIQUE_CAS_SERVER_URL: str = env.str("PORTIQUE_CAS_SERVER_URL", default="")
PORTIQUE_CAS_VERSION: int = env.int("PORTIQUE_CAS_VERSION", default=3)
PORTIQUE_CAS_LOGIN_ATTRIBUTE: str = env.str("PORTIQUE_CAS_LOGIN_ATTRIBUTE", default="")
if PORTIQUE_CAS_VERSION not in (2, 3):
    raise ImproperlyConfigured("PORTIQUE_CAS_VERSION must be 2 or 3")

# OpenID Connect: the issuer (its .well-known/openid-configuration is read), the client,
# the scopes asked for and the claim holding the login.
PORTIQUE_OIDC_ISSUER: str = env.str("PORTIQUE_OIDC_ISSUER", default="")
PORTIQUE_OIDC_CLIENT_ID: str = env.str("PORTIQUE_OIDC_CLIENT_ID", default="")
PORTIQUE_OIDC_CLIENT_SECRET: str = env.str("PORTIQUE_OIDC_CLIENT_SECRET", default="")
PORTIQUE_OIDC_SCOPES: str = env.str("PORTIQUE_OIDC_SCOPES", default="openid profile")
PORTIQUE_OIDC_LOGIN_CLAIM: str = env.str("PORTIQUE_OIDC_LOGIN_CLAIM", default="preferred_username")
# Seconds to wait for the provider or the CAS server before the login is refused.
PORTIQUE_SSO_TIMEOUT: float = env.float("PORTIQUE_SSO_TIMEOUT", default=5.0)

# remote_user: the header where the reverse proxy puts the login, trusted only from the
# addresses of PORTIQUE_TRUSTED_PROXIES.
PORTIQUE_REMOTE_USER_HEADER: str = env.str("PORTIQUE_REMOTE_USER_HEADER", default="X-Remote-User")

# Agents: the claim, CAS attribute or header whose values give the console's roles, and
# which value gives which group ({"value": "helpdesk" or "administrateurs"}).
PORTIQUE_SSO_ROLES_ATTRIBUTE: str = env.str("PORTIQUE_SSO_ROLES_ATTRIBUTE", default="")
PORTIQUE_SSO_ROLES: dict[str, str] = json.loads(env.str("PORTIQUE_SSO_ROLES", default="{}"))
# The console's own login form, kept for a break-glass account when the SSO is down.
PORTIQUE_SSO_LOCAL_ADMIN_LOGIN: bool = env.bool("PORTIQUE_SSO_LOCAL_ADMIN_LOGIN", default=False)

_REQUIRED = {
    "cas": ["PORTIQUE_CAS_SERVER_URL"],
    "oidc": ["PORTIQUE_OIDC_ISSUER", "PORTIQUE_OIDC_CLIENT_ID", "PORTIQUE_OIDC_CLIENT_SECRET"],
}
_missing = [name for name in _REQUIRED.get(PORTIQUE_AUTH, []) if not globals()[name]]
if _missing:
    raise ImproperlyConfigured(f"PORTIQUE_AUTH={PORTIQUE_AUTH} needs {', '.join(_missing)}")
_groups = {"helpdesk", "administrateurs"}
if not set(PORTIQUE_SSO_ROLES.values()) <= _groups:
    raise ImproperlyConfigured("PORTIQUE_SSO_ROLES maps values to helpdesk or administrateurs only")
