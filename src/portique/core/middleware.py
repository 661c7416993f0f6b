"""Request-wide concerns: a request id for the logs and error pages, the absolute lifetime
of a session, and the Content-Security-Policy header. The page of an unreachable account
store is the accounts app's (accounts.middleware)."""

import contextvars
import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase

logger = logging.getLogger(__name__)

# The current request's id, for the log records written while it is served.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

SESSION_STARTED_AT = "portique_started_at"
SESSION_RENEWED_AT = "portique_renewed_at"
# The idle timeout is renewed when a page is shown, at most this often: between two
# renewals a request writes nothing, unless it changes the session.
RENEW_EVERY_SECONDS = 60
# The page warns this long before the session ends, or half the idle time when that is
# shorter: WCAG 2.2.1 asks for at least 20 seconds to ask for more time.
WARN_BEFORE_SECONDS = 120


class RequestIdMiddleware:
    """Give each request an id, put it in every log line written meanwhile, in the
    X-Request-ID response header and on error pages, so that a person's report of an error
    leads to its log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex[:16]
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Add `request_id` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class SessionLifetimeMiddleware:
    """End a session PORTIQUE_SESSION_ABSOLUTE_HOURS after it began, however active it is;
    the idle timeout is the cookie's age (and the stored session's), renewed when a page is
    shown (GET) or the session changes, and at most once a minute otherwise: a session idle
    for the setting's minutes (less up to one) since its last page ends, and a form post that
    changes nothing else writes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        started = session.get(SESSION_STARTED_AT)
        limit = settings.PORTIQUE_SESSION_ABSOLUTE_HOURS * 3600
        if started is not None and time.time() - started > limit:
            session.flush()
        # For base.html, which tells the page's script when the session ends.
        request.session_time_left = functools.partial(session_time_left, request)  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Only sessions that hold something are stamped: an anonymous visit writes nothing.
        if not session.is_empty():
            now = time.time()
            if SESSION_STARTED_AT not in session:
                session[SESSION_STARTED_AT] = now
            if _renews(request, now):
                renew_session(session, now=now)
        return response


def _renews(request: HttpRequest, now: float) -> bool:
    """Whether the response to `request` restarts the idle timeout (see above)."""
    session = request.session
    renewed = session.get(SESSION_RENEWED_AT, 0)
    return session.modified or (
        request.method in ("GET", "HEAD") and now - renewed >= RENEW_EVERY_SECONDS
    )


def renew_session(session: SessionBase, *, now: float | None = None) -> None:
    """Restart the session's idle timeout, as showing a page does; its absolute lifetime
    stays what it was."""
    # Setting it marks the session modified: saved, with a new expiry and cookie.
    session[SESSION_RENEWED_AT] = time.time() if now is None else now


@dataclass(frozen=True)
class SessionTimeLeft:
    """What a page tells its script about the end of its session (base.html, session.js)."""

    seconds: int  # until the session ends, unless a page or the person renews it first
    final: bool  # the absolute lifetime ends it: no renewal can push its end back
    warn_seconds: int  # how long before its end the page warns


def session_time_left(request: HttpRequest) -> SessionTimeLeft | None:
    """How long the request's session lasts once the response is sent, counting the renewal
    the response makes; None when it holds nothing but these stamps, so has nothing to lose."""
    session = request.session
    if not session.keys() - {SESSION_STARTED_AT, SESSION_RENEWED_AT}:
        return None
    now = time.time()
    idle_age = settings.SESSION_COOKIE_AGE
    idle = float(idle_age)
    renewed = session.get(SESSION_RENEWED_AT)
    if renewed is not None and not _renews(request, now):
        idle -= now - renewed
    started = session.get(SESSION_STARTED_AT, now)
    absolute = settings.PORTIQUE_SESSION_ABSOLUTE_HOURS * 3600 - (now - started)
    return SessionTimeLeft(
        seconds=max(0, int(min(idle, absolute))),
        final=absolute <= idle,
        warn_seconds=min(WARN_BEFORE_SECONDS, idle_age // 2),
    )


# What django-csp's decorators leave on a response to change its policy for that response.
_CSP_OVERRIDES = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


@functools.cache
def _site_policy() -> tuple[str, str, bool]:
    """The policy header and the report-only one, as django-csp builds them from the
    settings, and whether the settings exclude some paths from them."""
    excluded = any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )
    return build_policy(), build_policy(report_only=True), excluded


@receiver(setting_changed)
def _forget_site_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once per process instead of on
    every response (a fifth of the cost of a request that does little). Portique's pages take
    no nonce (there is no inline script or style) and no policy of their own, so the header is
    the same on all of them; a response that carries a django-csp decorator's change, a
    request that took a nonce, or settings excluding paths get django-csp's own handling."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policy, report_only, excluded = _site_policy()
        if (
            excluded
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _CSP_OVERRIDES)
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages, as django-csp leaves them
        if policy and HEADER not in response:
            response[HEADER] = policy
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
