"""Log in, log out, and "Compte Informatique". Views translate HTTP to the services."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from portique.accounts.rules import rules_for
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountRecord
from portique.core import clock, links
from portique.core import views as core_views
from portique.core.audit import client_ip
from portique.core.views import link_error_page
from portique.mail.services import SendLimitReached
from portique.passwords.validators import password_rules
from portique.passwords.views import rules_check_response
from portique.selfservice import data_pdf, selectors, services
from portique.selfservice import forms as account_forms
from portique.selfservice.flows import changes, personal_data, sessions
from portique.selfservice.flows import login as login_flow

SESSION_ACCOUNT = "account_login"
SESSION_LINK = "account_link"
# When the account's list of sessions was last told that this one is in use (time.time()).
SESSION_SEEN_AT = "account_seen_at"
# It is told at most this often: "last used" is known to within five minutes, for one
# UPDATE every five minutes of use instead of one per request.
SEEN_EVERY_SECONDS = 300
# Also while the account is locked, as the login says the same whether it is locked or not.
WRONG_PASSWORD = gettext_lazy("Mot de passe actuel incorrect.")

View = Callable[..., HttpResponse]
# What a person who has not accepted the new charter may still open: the charter itself, its
# refusal, and their own data, which the GDPR gives them whatever they think of the charter.
CHARTER_FREE_PAGES = frozenset({"charter", "charter_refuse", "data_json", "data_pdf"})


def _account(request: HttpRequest) -> AccountRecord | None:
    login = request.session.get(SESSION_ACCOUNT)
    account = get_account_store().find(login) if login else None
    return account if account is not None and account.activated else None


def account_required(view: View) -> View:
    """Send visitors who are not logged in to the login page; hand the account to the view;
    ask for the current charter first when the person accepted an older one."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = _account(request)
        if account is None:
            request.session.pop(SESSION_ACCOUNT, None)
            return redirect("home")
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        if changes.account_charter_outdated(account) and url_name not in CHARTER_FREE_PAGES:
            return _to_charter(request)
        _seen(request)
        return view(request, account, *args, **kwargs)

    return wrapper


def _to_charter(request: HttpRequest) -> HttpResponse:
    """The new charter first; then, after its acceptance, the page the person asked for (a
    form posted meanwhile cannot be replayed: they go back to their account)."""
    target = reverse("selfservice:charter")
    if request.method == "GET" and request.path != reverse("selfservice:account"):
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


def _next_page(request: HttpRequest) -> str:
    """Where to go after the charter: the `next` it was given, if it is one of ours."""
    wanted = request.POST.get("next") or request.GET.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("selfservice:account")


def _seen(request: HttpRequest) -> None:
    """Move the session's "last used" forward, if it was last moved SEEN_EVERY_SECONDS ago."""
    now = time.time()
    if now - request.session.get(SESSION_SEEN_AT, 0) >= SEEN_EVERY_SECONDS:
        sessions.account_session_seen(session_key=request.session.session_key or "")
        request.session[SESSION_SEEN_AT] = now


def _new_session_id(request: HttpRequest, login: str) -> tuple[str, str]:
    """Give this browser a new session id, logged in as `login`, so that the old id leads
    nowhere; return the old and the new key, for the account's list of sessions."""
    old_key = request.session.session_key or ""
    request.session.cycle_key()
    request.session[SESSION_ACCOUNT] = login
    request.session[SESSION_SEEN_AT] = time.time()
    request.session.save()
    return old_key, request.session.session_key or ""


def account_session_open(request: HttpRequest, login: str) -> None:
    """Log this browser in to "Compte Informatique" as `login`, whose password was checked
    (by the login form, or by the single sign-on), under a new session id kept in the
    account's list of sessions."""
    old_key, new_key = _new_session_id(request, login)
    sessions.account_session_begin(
        login=login,
        old_key=old_key,
        new_key=new_key,
        user_agent=request.headers.get("User-Agent", ""),
    )


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """The ENT-like login page: "IDENTIFIANT", "MOT DE PASSE", "SE CONNECTER"."""
    return render(request, "selfservice/home.html", {"form": account_forms.LoginForm()})


@require_POST
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    form = account_forms.LoginForm(request.POST)
    if form.is_valid():
        account = login_flow.account_login(
            identifier=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
        if account is not None:
            account_session_open(request, account.login)
            return redirect("selfservice:account")
        form.add_error(None, _("Identifiant ou mot de passe incorrect."))
    return render(request, "selfservice/home.html", {"form": form}, status=200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    login_name = request.session.get(SESSION_ACCOUNT)
    if login_name:
        sessions.account_logout(
            login=login_name,
            session_key=request.session.session_key or "",
            ip=client_ip(request),
        )
    # flush() deletes the session on the server, not only the cookie.
    request.session.flush()
    messages.info(request, _("Vous êtes déconnecté."))
    return redirect("home")


def _page(
    request: HttpRequest, account: AccountRecord, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    rules = rules_for(account.category)
    context: dict[str, Any] = {
        "account": account,
        "rules": rules,
        "password_rules": password_rules(),
        "password_form": account_forms.ChangePasswordForm(
            account=services.password_subject(account)
        ),
        "recovery_form": account_forms.ChangeRecoveryEmailForm(),
        "forwarding_form": account_forms.ChangeForwardingForm(
            rules=rules,
            initial={
                "wants_forwarding": bool(account.forwarding_address),
                "forwarding_address": account.forwarding_address,
                "forwarding_address_confirmation": account.forwarding_address,
                "keep_copy": account.keep_copy,
            },
        ),
        "directory_form": account_forms.DirectoryConsentForm(
            initial={"directory_consent": account.directory_consent}
        ),
    }
    open_sessions = selectors.account_sessions_open(
        login=account.login, current_key=request.session.session_key or ""
    )
    context["sessions"] = open_sessions
    context["has_other_sessions"] = any(not session.current for session in open_sessions)
    context.update(forms_)
    return render(request, "selfservice/account.html", context, status=status)


@account_required
def account_page(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    return _page(request, account)


def _done(request: HttpRequest, outcome: changes.ChangeOutcome) -> HttpResponse:
    if outcome.applied:
        messages.success(request, _("Modification enregistrée. Un mail vous le confirme."))
    else:
        messages.info(
            request,
            _(
                "Un mail a été envoyé à %(address)s : la modification sera faite quand vous "
                "aurez cliqué sur le lien qu'il contient."
            )
            % {"address": outcome.pending_to},
        )
    return redirect("selfservice:account")


@require_POST
@account_required
def change_password(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    form = account_forms.ChangePasswordForm(
        request.POST, account=services.password_subject(account)
    )
    if form.is_valid():
        try:
            changes.account_change_password(
                login=account.login,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                session_key=request.session.session_key or "",
                ip=client_ip(request),
            )
        except login_flow.WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD)
        except ValidationError as error:
            form.add_error("new_password", error)
        else:
            # The other sessions are ended; this one goes on under a new id.
            old_key, new_key = _new_session_id(request, account.login)
            sessions.account_session_rekeyed(login=account.login, old_key=old_key, new_key=new_key)
            messages.success(request, _("Votre mot de passe a été changé."))
            return redirect("selfservice:account")
    return _page(request, account, status=200, password_form=form)


@require_POST
@account_required
def end_other_sessions(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """« Fermer les autres sessions »: every browser but this one is logged out."""
    ended = sessions.account_end_other_sessions(
        login=account.login,
        current_key=request.session.session_key or "",
        ip=client_ip(request),
    )
    if ended:
        messages.success(
            request,
            ngettext(
                "%(count)s autre session a été fermée.",
                "%(count)s autres sessions ont été fermées.",
                ended,
            )
            % {"count": ended},
        )
    else:
        messages.info(request, _("Aucune autre session n'était ouverte."))
    return redirect("selfservice:account")


@require_POST
@account_required
def end_session(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """« Fermer » on one session of the list: that browser is logged out."""
    form = account_forms.EndSessionForm(request.POST)
    try:
        sessions.account_end_session(
            login=account.login,
            # No session has id 0: a post that names none is told it is already closed.
            session_id=form.cleaned_data["session"] if form.is_valid() else 0,
            current_key=request.session.session_key or "",
            ip=client_ip(request),
        )
    except sessions.SessionNotFound:
        messages.info(request, _("Cette session était déjà fermée."))
    else:
        messages.success(request, _("La session est fermée."))
    return redirect("selfservice:account")


@require_POST
@account_required
def password_rules_check(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    return rules_check_response(request, services.password_subject(account))


@require_POST
@account_required
def change_recovery_email(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    form = account_forms.ChangeRecoveryEmailForm(request.POST)
    if form.is_valid():
        try:
            outcome = changes.account_request_recovery_email_change(
                login=account.login,
                recovery_email=form.cleaned_data["recovery_email"],
                current_password=form.cleaned_data["current_password"],
                ip=client_ip(request),
            )
        except login_flow.WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD)
        except SendLimitReached as error:
            form.add_error(None, str(error))
        else:
            return _done(request, outcome)
    return _page(request, account, recovery_form=form)


@require_POST
@account_required
def change_forwarding(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    form = account_forms.ChangeForwardingForm(request.POST, rules=rules_for(account.category))
    if form.is_valid():
        try:
            outcome = changes.account_change_forwarding(
                login=account.login,
                wants_forwarding=form.cleaned_data["wants_forwarding"],
                current_password=form.cleaned_data["current_password"],
                forwarding_address=form.cleaned_data.get("forwarding_address", ""),
                keep_copy=form.cleaned_data.get("keep_copy"),
                ip=client_ip(request),
            )
        except login_flow.WrongPassword:
            form.add_error("current_password", WRONG_PASSWORD)
        except (services.AccountError, SendLimitReached) as error:
            form.add_error(None, str(error))
        else:
            return _done(request, outcome)
    return _page(request, account, forwarding_form=form)


@require_POST
@account_required
def change_directory_consent(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    form = account_forms.DirectoryConsentForm(request.POST)
    form.is_valid()
    outcome = changes.account_set_directory_consent(
        login=account.login,
        consent=bool(form.cleaned_data.get("directory_consent")),
        ip=client_ip(request),
    )
    return _done(request, outcome)


@account_required
def charter(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """A new charter version was published: accept it to go on."""
    from portique.activation.forms import CharterForm

    # An unticked box posts nothing: the form is bound on every POST, so that it says why.
    form = CharterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changes.account_accept_charter(login=account.login, ip=client_ip(request))
        messages.success(request, _("Merci : votre acceptation de la charte est enregistrée."))
        return redirect(_next_page(request))
    return render(
        request,
        "selfservice/charter.html",
        {
            "form": form,
            "account": account,
            "charter_version": settings.PORTIQUE_CHARTER_VERSION,
            "next": _next_page(request),
        },
    )


@require_POST
@account_required
def charter_refuse(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """« Refuser et me déconnecter »: the refusal is recorded and the person logged out;
    "Compte Informatique" stays closed to them until they accept the charter."""
    changes.account_refuse_charter(login=account.login, ip=client_ip(request))
    sessions.account_logout(
        login=account.login, session_key=request.session.session_key or "", ip=client_ip(request)
    )
    request.session.flush()
    messages.info(
        request,
        _(
            "Vous avez refusé la nouvelle charte informatique : vous êtes déconnecté. Votre "
            "compte informatique reste inaccessible ici tant que vous ne l'avez pas acceptée."
        ),
    )
    return redirect("home")


def _download(request: HttpRequest, account: AccountRecord, file_format: str) -> HttpResponse:
    document = personal_data.personal_data_export(
        login=account.login,
        file_format=file_format,
        session_key=request.session.session_key or "",
        ip=client_ip(request),
    )
    if file_format == "pdf":
        body, content_type = data_pdf.personal_data_pdf(document), "application/pdf"
    else:
        body, content_type = (
            personal_data.personal_data_json(document),
            "application/json; charset=utf-8",
        )
    response = HttpResponse(body, content_type=content_type)
    day = clock.local_date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="portique-{account.login}-{day}.{file_format}"'
    )
    return response


@require_safe
@account_required
def data_json(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """« Télécharger mes données », the JSON file (GDPR article 20: a portable format)."""
    return _download(request, account, "json")


@require_safe
@account_required
def data_pdf_view(request: HttpRequest, account: AccountRecord) -> HttpResponse:
    """« Télécharger mes données », the PDF to read (GDPR article 15)."""
    return _download(request, account, "pdf")


@never_cache
def link_landing(request: HttpRequest, token: str) -> HttpResponse:
    return core_views.link_landing(
        request, token, session_key=SESSION_LINK, then="selfservice:link_confirm"
    )


@never_cache
def link_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm a new address with one click (mail filters that open links must not)."""
    token = request.session.get(SESSION_LINK, "")
    try:
        link = links.link_check(token=token)
        if link.purpose not in changes.ACCOUNT_LINK_PURPOSES:
            raise links.LinkInvalid()
        if request.method == "POST":
            changes.account_follow_link(token=token, ip=client_ip(request))
            request.session.pop(SESSION_LINK, None)
            messages.success(request, _("Adresse confirmée : la modification est enregistrée."))
            target = "selfservice:account" if request.session.get(SESSION_ACCOUNT) else "home"
            return core_views.no_referrer(redirect(target))
    except links.LinkError as error:
        request.session.pop(SESSION_LINK, None)
        return core_views.no_referrer(
            link_error_page(
                request,
                error,
                restart_url=reverse("selfservice:account"),
                restart_label=gettext_lazy("Retour à mon compte"),
            )
        )
    # Not no_referrer(): under that policy browsers send "Origin: null" with the form's POST,
    # which the CSRF check refuses. This address holds no token.
    return render(request, "selfservice/link_confirm.html", {"link": link})
