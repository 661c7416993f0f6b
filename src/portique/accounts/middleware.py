"""The page of an unreachable account store."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portique.accounts.stores.base import StoreUnavailable

logger = logging.getLogger(__name__)


class StoreUnavailableMiddleware:
    """Turn an unreachable account store into a "come back later" page (503): the flow was
    not moved, no failure was counted, and the person resumes where they were."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, StoreUnavailable):
            return None
        logger.warning("account store unavailable: %s", exception)
        response = render(
            request,
            "accounts/unavailable.html",
            {"request_id": getattr(request, "request_id", "")},
            status=503,
        )
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
