"""Pages of no app in particular: the charter, the button that extends a session about to
end, the error pages, and what every mailed link's landing and error pages share. The home
page, with its login form, is « Compte Informatique »'s (selfservice.views.home)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portique.core.middleware import renew_session, session_time_left

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def charter(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/charter.html", {"charter_version": settings.PORTIQUE_CHARTER_VERSION}
    )


@require_POST
@never_cache
def extend_session(request: HttpRequest) -> JsonResponse:
    """The "Prolonger la session" button of the warning before a session ends (session.js):
    restart the idle timeout and say how long the session now lasts, or that it has ended.
    The absolute lifetime is not extended; `final` says when it is the one that ends it."""
    if session_time_left(request) is not None:
        renew_session(request.session)
    time_left = session_time_left(request)
    if time_left is None:
        # Ended (idle, absolute or logged out): nothing to keep alive, and no session is begun.
        return JsonResponse({"active": False})
    return JsonResponse(
        {"active": True, "seconds_left": time_left.seconds, "final": time_left.final}
    )


def _error_page(
    request: HttpRequest, status: int, title: "StrOrPromise", explanation: "StrOrPromise"
) -> HttpResponse:
    """A plain page for an error: what happened, and a reference that is also in the log."""
    context = {
        "title": title,
        "explanation": explanation,
        "request_id": getattr(request, "request_id", ""),
    }
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request, 400, _("Requête incorrecte"), _("Le portail n'a pas compris cette demande.")
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, _("Accès refusé"), _("Vous n'avez pas accès à cette page."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, _("Page introuvable"), _("Cette page n'existe pas."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request,
        500,
        _("Erreur du portail"),
        _("Une erreur est survenue de notre côté. Réessayez dans quelques minutes."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        request,
        403,
        _("Page expirée"),
        _(
            "Le formulaire a expiré ou les cookies sont désactivés. Revenez en arrière, "
            "rechargez la page et recommencez."
        ),
    )


def link_error_page(
    request: HttpRequest, error: Exception, *, restart_url: str, restart_label: "StrOrPromise"
) -> HttpResponse:
    """The one page for a mailed link that cannot be used: what happened, and where to go
    from there (`restart_url`, the app's own page, named `restart_label`)."""
    from portique.core.links import LinkError, LinkExpired, LinkUsed

    reason = error.reason if isinstance(error, LinkError) else "invalid"
    url, label = restart_url, restart_label
    status = 410 if isinstance(error, LinkExpired | LinkUsed) else 400
    return render(
        request,
        "core/link_error.html",
        {"reason": reason, "restart_url": url, "restart_label": label},
        status=status,
    )


def no_referrer(response: HttpResponse) -> HttpResponse:
    """Mark a page reached through a secret link: the browser must never pass it on."""
    response["Referrer-Policy"] = "no-referrer"
    return response


def link_landing(request: HttpRequest, token: str, *, session_key: str, then: str) -> HttpResponse:
    """Where a mailed link arrives: keep its token in the session and take it out of the
    address bar at once, so that it appears in no history, log or Referer header."""
    from django.shortcuts import redirect

    request.session[session_key] = token
    return no_referrer(redirect(then))
