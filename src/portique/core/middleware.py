"""Request-wide concerns: a request id for the logs and error pages, and the absolute
lifetime of a session."""

import contextvars
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# The current request's id, for the log records written while it is served.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

SESSION_STARTED_AT = "portique_started_at"
SESSION_RENEWED_AT = "portique_renewed_at"
# The idle timeout is renewed when a page is shown, at most this often: between two
# renewals a request writes nothing, unless it changes the session.
RENEW_EVERY_SECONDS = 60


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
        response = self.get_response(request)
        # Only sessions that hold something are stamped: an anonymous visit writes nothing.
        if not session.is_empty():
            now = time.time()
            if SESSION_STARTED_AT not in session:
                session[SESSION_STARTED_AT] = now
            renewed = session.get(SESSION_RENEWED_AT, 0)
            if session.modified or (
                request.method in ("GET", "HEAD") and now - renewed >= RENEW_EVERY_SECONDS
            ):
                # Setting it marks the session modified: saved, with a new expiry and cookie.
                session[SESSION_RENEWED_AT] = now
        return response


class StoreUnavailableMiddleware:
    """Turn an unreachable account store into a "come back later" page (503): the flow was
    not moved, no failure was counted, and the person resumes where they were."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from portique.accounts.stores.base import StoreUnavailable

        if not isinstance(exception, StoreUnavailable):
            return None
        logger.warning("account store unavailable: %s", exception)
        response = render(
            request,
            "core/unavailable.html",
            {"request_id": getattr(request, "request_id", "")},
            status=503,
        )
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
