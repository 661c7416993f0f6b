"""The helpdesk console (staff only, each page and action behind its permission) and the
operations endpoints (/healthz, /readyz, /metrics). The views call one selector or service
and translate to and from HTTP."""

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.views import PasswordResetCompleteView, PasswordResetConfirmView
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from portique.accounts.models import Person
from portique.accounts.rules import rules_for
from portique.activation.machine import IllegalTransition
from portique.consents import selectors as consent_selectors
from portique.core import clock
from portique.core.audit import client_ip
from portique.helpdesk import charts, consent_export, forms, health, services
from portique.helpdesk.metrics import metrics_render
from portique.helpdesk.selectors import counts, funnel, person_file
from portique.mail.services import SendLimitReached

# --- Operations -------------------------------------------------------------------------

# The classic text format, which metrics_render() writes and every Prometheus version reads.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Nothing else is checked (see readyz)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: 200 when every service answers, 503 naming the checks that failed."""
    checks = health.readiness()
    ready = health.FAILED not in checks.values()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The portique_* metrics for Prometheus; behind a bearer token when one is set."""
    token = settings.PORTIQUE_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), token.encode()):
            response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = "Bearer"
            return response
    return HttpResponse(metrics_render(), content_type=METRICS_CONTENT_TYPE)


# --- The console ------------------------------------------------------------------------


def _agent_page(permission: str) -> Callable[[Callable[..., HttpResponseBase]], Any]:
    """Staff only (others are sent to the admin's login), then `permission` or 403; never
    cached, since the pages hold personal data."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Any:
        return never_cache(
            staff_member_required(permission_required(permission, raise_exception=True)(view))
        )

    return decorate


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    """Render a console page inside the admin's frame (header, navigation, messages)."""
    return render(
        request, template, {**admin.site.each_context(request), "title": title, **context}
    )


@_agent_page("helpdesk.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    last_import = funnel.funnel_last_import()
    this_week = funnel.funnel_this_week()
    days = counts.activations_per_day(days=30)
    return _page(
        request,
        "helpdesk/dashboard.html",
        _("Tableau de bord des activations"),
        last_import=last_import,
        last_import_chart=charts.funnel_chart(last_import),
        this_week=this_week,
        this_week_chart=charts.funnel_chart(this_week),
        days=days,
        days_total=sum(day.count for day in days),
        days_chart=charts.days_chart(days),
        backlog=counts.mail_backlog(),
    )


@_agent_page("helpdesk.view_personfile")
def person(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Person, pk=pk)
    return _page(
        request,
        "helpdesk/person.html",
        str(found),
        file=person_file.person_file(found),
        lock_minutes=settings.PORTIQUE_LOCK_MINUTES,
    )


def _act(request: HttpRequest, pk: int, action: Callable[..., object], done: str) -> HttpResponse:
    """Run a helpdesk action on the person as the signed-in agent, then show their page
    again with what happened."""
    found = get_object_or_404(Person, pk=pk)
    try:
        action(login=found.login, actor=request.user.get_username(), ip=client_ip(request))
    except (services.HelpdeskError, SendLimitReached) as refused:
        messages.error(request, str(refused))
    except IllegalTransition:
        messages.error(request, _("L'activation a changé entre-temps : rechargez la page."))
    else:
        messages.success(request, done)
    return redirect("helpdesk:person", pk=pk)


@require_POST
@_agent_page("helpdesk.resend_mail")
def resend_mail(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.flow_resend_pending_mail,
        _("Un nouveau lien a été envoyé ; le précédent ne fonctionne plus."),
    )


@require_POST
@_agent_page("helpdesk.unlock_account")
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.account_unlock, _("Le compte est déverrouillé."))


@require_POST
@_agent_page("helpdesk.restart_activation")
def restart(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.activation_restart,
        _(
            "L'activation est annulée : la personne recommence à l'étape 1 avec son "
            "identifiant et son mot de passe provisoire."
        ),
    )


@require_POST
@_agent_page("helpdesk.end_sessions")
def end_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.account_sessions_close,
        _("Les sessions de la personne sont fermées : elle doit se reconnecter."),
    )


@require_POST
@_agent_page("helpdesk.reissue_letter")
def reissue_letter(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Person, pk=pk)
    try:
        pdf = services.letter_reissue(
            login=found.login, actor=request.user.get_username(), ip=client_ip(request)
        )
    except services.HelpdeskError as refused:
        messages.error(request, str(refused))
        return redirect("helpdesk:person", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="courrier-{found.login}.pdf"'
    return response


@_agent_page("helpdesk.view_configuration")
def configuration(request: HttpRequest) -> HttpResponse:
    """What the environment configures and only administrators see: the charter version
    and what each category is offered."""
    return _page(
        request,
        "helpdesk/configuration.html",
        _("Configuration"),
        charter_version=settings.PORTIQUE_CHARTER_VERSION,
        charter_url=settings.PORTIQUE_CHARTER_URL,
        categories=[
            (category, rules_for(category)) for category in settings.PORTIQUE_CATEGORY_RULES
        ],
    )


@_agent_page("helpdesk.export_consents")
def consents(request: HttpRequest) -> HttpResponse:
    """The charter's consent records: the filters, and the CSV they select."""
    form = forms.ConsentExportForm(
        request.GET or None, versions=consent_selectors.charter_versions()
    )
    return _page(request, "helpdesk/consents.html", _("Acceptations de la charte"), form=form)


@require_safe
@_agent_page("helpdesk.export_consents")
def consents_csv(request: HttpRequest) -> HttpResponseBase:
    """The CSV of the records the filters select, streamed."""
    form = forms.ConsentExportForm(request.GET, versions=consent_selectors.charter_versions())
    if not form.is_valid():
        return _page(request, "helpdesk/consents.html", _("Acceptations de la charte"), form=form)
    lines = consent_export.consents_export(
        actor=request.user.get_username(),
        since=form.cleaned_data["since"],
        until=form.cleaned_data["until"],
        version=form.cleaned_data["version"],
        ip=client_ip(request),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    day = clock.local_date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="portique-charte-{day}.csv"'
    return response


# --- An agent's own password ------------------------------------------------------------


class AgentPasswordView(PasswordResetConfirmView):
    """Where a new agent chooses their password, from the link `create-agent` printed."""

    template_name = "registration/password_reset_confirm.html"
    reset_url_token = "set-password"  # noqa: S105 (the word that replaces the token in the URL)
    success_url = reverse_lazy("helpdesk:agent_password_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


def agent_password(request: HttpRequest, key: str) -> HttpResponseBase:
    # One path segment, "<uid>.<token>", so that the access log's redaction of /lien/<…>/
    # hides all of it.
    uidb64, _dot, token = key.partition(".")
    return AgentPasswordView.as_view()(request, uidb64=uidb64, token=token)


class AgentPasswordDoneView(PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return {
            **admin.site.each_context(self.request),
            **context,
            "login_url": reverse("admin:login"),
        }


agent_password_done = AgentPasswordDoneView.as_view()
