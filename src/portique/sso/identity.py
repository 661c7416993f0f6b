"""What an identity provider says about who logged in, the same shape for every protocol."""

from collections.abc import Iterable
from dataclasses import dataclass


class SsoRefused(Exception):
    """The provider's answer opens no session; `reason` says why, for the audit trail."""

    def __init__(self, reason: str, *, login: str = "", **data: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.login = login
        self.data = data


@dataclass(frozen=True)
class Identity:
    """Who the provider vouched for: the login, the values of the roles attribute, the
    provider's name for this session (CAS: the service ticket), for its single logout, and
    what its logout asks for."""

    login: str
    roles: tuple[str, ...] = ()
    session_index: str = ""
    # What the provider's logout wants to be shown (OpenID Connect: the ID token).
    logout_hint: str = ""


# Where the session keeps the identity's logout hint, for the provider's logout.
SESSION_LOGOUT_HINT = "sso_logout_hint"


def values_of(value: object, *, separators: str = "") -> tuple[str, ...]:
    """The values of a claim, an attribute or a header: one string, or a list of them;
    a header's values may be joined by any of `separators` (Shibboleth ";", others ",")."""
    if value is None or value == "":
        return ()
    items: Iterable[object] = value if isinstance(value, list | tuple) else [value]
    found: list[str] = []
    for item in items:
        text = str(item)
        for separator in separators:
            text = text.replace(separator, "\n")
        found.extend(part.strip() for part in text.split("\n") if part.strip())
    return tuple(found)
