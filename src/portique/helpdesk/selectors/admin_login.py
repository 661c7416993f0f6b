"""The throttle's view of the admin's login: its counters, apart from the portal's."""

from typing import TYPE_CHECKING

from portique.core import throttle

if TYPE_CHECKING:
    pass


def admin_login_counter(username: str) -> str:
    """The throttle identifier of a username at the admin's login: never the one of the same
    login at the portal's."""
    # The portal counts failures under whatever identifier was typed, even one no account
    # has. A NUL, which no form field accepts (Django's CharField refuses it), keeps the
    # two counts apart: nobody can lock an agent out of /admin/ from the public portal by
    # typing their username there, nor lock a person's account through /admin/.
    return f"\x00admin\x00{username}"


def admin_login_allowed(*, username: str, ip: str | None) -> bool:
    """Tell whether a login to the admin for this username, from this address, may be judged
    at all (neither is locked)."""
    return throttle.attempt_allowed(identifier=admin_login_counter(username), ip=ip)
