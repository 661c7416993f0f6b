"""Readiness: can this process serve people right now? One check per service it needs."""

import logging
import secrets
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from portique.accounts.models import Account
from portique.accounts.stores import get_account_store
from portique.passwords.targets import PasswordTarget, get_password_targets

logger = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
FAILED = "failed"

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# A probe must answer before the orchestrator gives up on it (often a few seconds).
SMTP_PROBE_TIMEOUT = 3.0


class CheckFailed(Exception):
    """The service answered, but not as it should."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed("SELECT 1 did not return 1")
    return OK


def check_cache() -> str:
    key, value = "readyz", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise CheckFailed("the cache did not return what was just written")
    return OK


def check_account_store() -> str:
    store = get_account_store()
    ping = getattr(store, "ping", None)
    if callable(ping):
        ping()
    else:
        # The SQL store: its table answers.
        Account.objects.exists()
    return OK


def check_smtp() -> str:
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return NOT_CONFIGURED
    timeout = min(float(settings.EMAIL_TIMEOUT or SMTP_PROBE_TIMEOUT), SMTP_PROBE_TIMEOUT)
    client = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
    # Connect, greet and NOOP: enough to know the server takes mail, without logging in or
    # sending anything.
    with client(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout) as server:
        server.ehlo()
        code, answer = server.noop()
        if code != 250:
            raise CheckFailed(f"NOOP answered {code} {answer!r}")
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "account_store": check_account_store,
    "smtp": check_smtp,
}


def _target_checks() -> dict[str, Callable[[], str]]:
    """One check per password target, named after it: a password change needs them all."""

    def check(target: PasswordTarget) -> Callable[[], str]:
        def run() -> str:
            target.check()
            return OK

        return run

    return {f"password_target:{target.name}": check(target) for target in get_password_targets()}


def readiness() -> dict[str, str]:
    """Run every check and return each one's outcome: "ok", "not configured" or "failed"
    (the reason goes to the log, not to the unauthenticated answer)."""
    outcomes = {}
    for name, check in {**CHECKS, **_target_checks()}.items():
        try:
            outcomes[name] = check()
        # Whatever a driver raises (socket, LDAP, Redis, database errors), the answer is
        # the same: this service is not ready.
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            outcomes[name] = FAILED
    return outcomes
