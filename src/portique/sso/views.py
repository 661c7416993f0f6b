"""The single sign-on's pages: the home page's "SE CONNECTER" sent to the provider, the
provider's answer, Portique's logout followed by the provider's, and the console's login.
Each mode's protocol lives in its own module; these views translate HTTP to them and to
the services."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from portique.core.audit import client_ip
from portique.selfservice.views import SESSION_ACCOUNT, account_session_open
from portique.sso import services
from portique.sso.identity import SESSION_LOGOUT_HINT, SsoRefused
from portique.sso.providers import get_provider, sso_enabled

View = Callable[..., HttpResponse]
# Where an agent sent to the SSO by the console's login goes back to.
SESSION_NEXT = "sso_next"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _callback_url() -> str:
    # Declared at the provider (service URL, redirect URI): never taken from the Host header.
    return settings.PORTIQUE_BASE_URL + reverse("sso:callback")


def login_page_chosen(local: View) -> View:
    """The home page: Portique's own login form (`local`) in the local mode; otherwise a
    "SE CONNECTER" that goes to the provider, with « 1ère connexion » and « Problème de
    connexion », which stay Portique's own pages."""

    @wraps(local)
    @never_cache
    def home(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_enabled():
            return local(request, *args, **kwargs)
        return render(request, "sso/home.html")

    return home


def logout_chosen(local: View) -> View:
    """Portique's logout (`local`: audited, the session ended on the server), then, with a
    single sign-on, the provider's logout, which comes back to the home page."""

    @wraps(local)
    def logout(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_enabled():
            return local(request, *args, **kwargs)
        provider = get_provider()
        home = settings.PORTIQUE_BASE_URL + reverse("home")
        then = provider.logout_url(request, then=home)
        services.sso_session_forget(session_key=request.session.session_key or "")
        response = local(request, *args, **kwargs)
        if response.status_code != 302:
            return response
        # A page of Portique's own that goes on to the provider: the logout is a form, and
        # the pages' Content-Security-Policy (form-action 'self') stops a form's redirect to
        # another site, where a plain navigation is let through.
        return render(request, "sso/logging_out.html", {"then": then})

    return logout


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """Go to the provider's login; `next` is where an agent goes back to afterwards."""
    if not sso_enabled():
        return redirect("home")
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[SESSION_NEXT] = next_url
    provider = get_provider()
    try:
        return provider.login_redirect(request, callback_url=_callback_url())
    except SsoRefused as error:
        return _refused(request, error, via=provider.name)


@csrf_exempt  # the CAS server's logout request; a browser's POST here does nothing else
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: open the person's session (and the agent's), or say why not.
    A POST is the CAS server's single logout request."""
    if not sso_enabled():
        return redirect("home")
    provider = get_provider()
    if request.method == "POST":
        for session_index in provider.logged_out_sessions(request):
            services.sso_single_logout(
                protocol=provider.name, session_index=session_index, ip=client_ip(request)
            )
        return HttpResponse("ok\n", content_type="text/plain")
    try:
        identity = provider.identity(request, callback_url=_callback_url())
    except SsoRefused as error:
        return _refused(request, error, via=provider.name)
    outcome = services.sso_login(identity=identity, via=provider.name, ip=client_ip(request))
    next_url = request.session.pop(SESSION_NEXT, "")
    previous = request.session.get(SESSION_ACCOUNT)
    if (previous and (outcome.account is None or outcome.account.login != previous)) or (
        request.user.is_authenticated and request.user != outcome.agent
    ):
        # Whoever used this browser before, person or agent, is logged out (the session
        # ends): the one who logs in now inherits nothing of theirs.
        auth_logout(request)
    if outcome.agent is not None:
        # Django's login first: it gives the session a new key, which the account's list
        # of sessions must then know.
        auth_login(request, outcome.agent, backend=MODEL_BACKEND)
    if outcome.account is not None:
        account_session_open(request, outcome.account.login)
    if outcome.agent is not None or outcome.account is not None:
        request.session[SESSION_LOGOUT_HINT] = identity.logout_hint
        services.sso_session_register(
            protocol=provider.name,
            session_index=identity.session_index,
            session_key=request.session.session_key or "",
            login=identity.login,
        )
    if outcome.agent is not None and next_url:
        return redirect(next_url)
    if outcome.account is not None:
        return redirect("selfservice:account")
    if outcome.agent is not None:
        return redirect("helpdesk:dashboard")
    return render(request, "sso/not_activated.html", {"awaiting": outcome.awaiting})


def _refused(request: HttpRequest, error: SsoRefused, *, via: str) -> HttpResponse:
    services.sso_login_refuse(error=error, via=via, ip=client_ip(request))
    status = 503 if error.reason == "unreachable" else 403
    return render(request, "sso/refused.html", {"reason": error.reason}, status=status)


def agent_login_chosen(local: View) -> View:
    """The console's login: the SSO in an SSO mode, which gives agents their roles; the
    local form (`local`, Django's admin login, throttled and audited) in the local mode, and
    for the break-glass account at ?local=1 when PORTIQUE_SSO_LOCAL_ADMIN_LOGIN is set."""

    @wraps(local)
    @never_cache
    def agent_login(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sso_enabled():
            return local(request, *args, **kwargs)
        if settings.PORTIQUE_SSO_LOCAL_ADMIN_LOGIN and request.GET.get("local") == "1":
            return local(request, *args, **kwargs)
        if request.user.is_authenticated and request.user.is_staff:
            return local(request, *args, **kwargs)  # Django sends them on, as it does
        target = reverse("sso:login")
        next_url = request.GET.get("next") or reverse("helpdesk:dashboard")
        return redirect(f"{target}?{urlencode({'next': next_url}, safe='/')}")

    return agent_login
