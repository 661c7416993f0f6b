""" "Problème de connexion": ask for a link, follow it, choose a new password."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from portique.accounts.stores import get_account_store
from portique.activation.forms import NewPasswordForm
from portique.core import links
from portique.core import views as core_views
from portique.core.audit import client_ip
from portique.core.views import link_error_page
from portique.passwords.validators import password_rules
from portique.passwords.views import rules_check_response
from portique.recovery import services
from portique.recovery.forms import RecoveryRequestForm
from portique.selfservice.services import password_subject

SESSION_LINK = "recovery_link"


@never_cache
def request_link(request: HttpRequest) -> HttpResponse:
    """Ask for the identifier; whatever it is, the next page says the same."""
    form = RecoveryRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.recovery_request(identifier=form.cleaned_data["identifier"], ip=client_ip(request))
        return redirect("recovery:sent")
    return render(request, "recovery/request.html", {"form": form})


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "recovery/sent.html")


@never_cache
def link_landing(request: HttpRequest, token: str) -> HttpResponse:
    return core_views.link_landing(
        request, token, session_key=SESSION_LINK, then="recovery:new_password"
    )


@never_cache
def new_password(request: HttpRequest) -> HttpResponse:
    token = request.session.get(SESSION_LINK, "")
    try:
        link = services.recovery_check_link(token)
        account = get_account_store().find(link.subject)
        if account is None:
            raise links.LinkInvalid()
        form = NewPasswordForm(
            request.POST if request.method == "POST" else None, account=password_subject(account)
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.recovery_set_password(
                    token=token, password=form.cleaned_data["new_password"], ip=client_ip(request)
                )
            except ValidationError as error:
                # The account store's own policy (an AD domain's) or a password target's
                # refused it, though the form's rules passed: the link stays.
                form.add_error("new_password", error)
            else:
                request.session.flush()
                return core_views.no_referrer(redirect("recovery:done"))
    except links.LinkError as error:
        request.session.pop(SESSION_LINK, None)
        return core_views.no_referrer(
            link_error_page(
                request,
                error,
                restart_url=reverse("recovery:request"),
                restart_label=gettext_lazy("Demander un nouveau lien"),
            )
        )
    # Not no_referrer(): under that policy browsers send "Origin: null" with the form's POST
    # and the checklist's fetch, which the CSRF check refuses. This address holds no token.
    return render(
        request,
        "recovery/new_password.html",
        {"form": form, "account": account, "password_rules": password_rules()},
    )


@never_cache
def new_password_rules(request: HttpRequest) -> HttpResponse:
    """The live checklist of the new-password page."""
    try:
        link = services.recovery_check_link(request.session.get(SESSION_LINK, ""))
    except links.LinkError:
        return redirect("recovery:request")
    account = get_account_store().find(link.subject)
    if account is None or request.method != "POST":
        return redirect("recovery:request")
    return rules_check_response(request, password_subject(account))


def done(request: HttpRequest) -> HttpResponse:
    return render(request, "recovery/done.html")
