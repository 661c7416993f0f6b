"""The activation's pages. Each maps the flow's state to a template and a form, and calls
one service; the services decide, the views only translate to and from HTTP."""

import contextlib
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portique.activation import forms as step_forms
from portique.activation import services
from portique.activation.machine import (
    STEP_NUMBERED,
    STEPS,
    Event,
    IllegalTransition,
    Number,
    State,
    Step,
    revisions_allowed,
)
from portique.activation.mail_fate import fate_json, fate_text
from portique.activation.models import ActivationFlow
from portique.activation.selectors import flow_get, flow_mail_fate, flow_progress, flow_rules
from portique.core import links
from portique.core import views as core_views
from portique.core.audit import client_ip
from portique.mail.services import SendLimitReached
from portique.passwords.validators import password_rules
from portique.passwords.views import rules_check_response

SESSION_IDENTIFIER = "activation_identifier"
SESSION_FLOW = "activation_flow"
SESSION_LINK = "activation_link"

# The "Modifier" buttons: which revision each one asks for, by the name in the URL.
REVISIONS = {
    "mail-de-secours": Event.REVISE_RECOVERY_EMAIL,
    "annuaire": Event.REVISE_DIRECTORY_CHOICE,
    "redirection": Event.REVISE_FORWARDING,
}


def _to_current_step(flow: ActivationFlow) -> HttpResponse:
    return redirect(STEPS[flow.current_state].url_name)


def _page(
    request: HttpRequest,
    template: str,
    *,
    step: Step | None,
    flow: ActivationFlow | None = None,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    context.update(
        flow=flow,
        step=step,
        progress=flow_progress(flow, step) if step else None,
        # The "Modifier" buttons the person's state and category allow; frozen, so that
        # _answers.html's {% fixed %} can keep a rendering for each set.
        revisions=frozenset(
            revisions_allowed(flow.current_state, flow_rules(flow)) if flow is not None else ()
        ),
        offers_leave=step is not None and step.offers_leave,
    )
    return render(request, f"activation/{template}", context, status=status)


@method_decorator(never_cache, name="dispatch")
class IdentifierView(View):
    """Step 1: any identifier moves on; whether it exists is told by nobody."""

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {"identifier": request.session.get(SESSION_IDENTIFIER, "")}
        form = step_forms.IdentifierForm(initial=initial)
        return _page(request, "identifier.html", step=STEP_NUMBERED[Number.IDENTIFIER], form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = step_forms.IdentifierForm(request.POST)
        if not form.is_valid():
            return _page(
                request, "identifier.html", step=STEP_NUMBERED[Number.IDENTIFIER], form=form
            )
        request.session.pop(SESSION_FLOW, None)
        request.session[SESSION_IDENTIFIER] = form.cleaned_data["identifier"].strip()
        return redirect("activation:provisional_password")


@method_decorator(never_cache, name="dispatch")
class ProvisionalPasswordView(View):
    """Step 2: the provisional password opens the person's flow, new or resumed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        identifier = request.session.get(SESSION_IDENTIFIER)
        if not identifier:
            return redirect("activation:identifier")
        form = step_forms.ProvisionalPasswordForm()
        return self._render(request, identifier, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        identifier = request.session.get(SESSION_IDENTIFIER)
        if not identifier:
            return redirect("activation:identifier")
        form = step_forms.ProvisionalPasswordForm(request.POST)
        if form.is_valid():
            result = services.activation_authenticate(
                identifier=identifier,
                provisional_password=form.cleaned_data["provisional_password"],
                ip=client_ip(request),
            )
            if result.flow is not None:
                # Trust rises: a new session id, so that a planted one is worth nothing.
                request.session.cycle_key()
                request.session[SESSION_FLOW] = str(result.flow.pk)
                return _to_current_step(result.flow)
            if result.outcome == services.AuthenticationOutcome.ALREADY_ACTIVATED:
                messages.info(
                    request,
                    _(
                        "Votre compte est déjà activé : connectez-vous avec votre mot de passe, "
                        "ou utilisez « Problème de connexion » si vous l'avez oublié."
                    ),
                )
                return redirect("home")
            form.add_error(
                None,
                forms.ValidationError(
                    _("Identifiant ou mot de passe provisoire incorrect."),
                    code="refused",
                ),
            )
        return self._render(request, identifier, form)

    def _render(self, request: HttpRequest, identifier: str, form: forms.Form) -> HttpResponse:
        return _page(
            request,
            "provisional_password.html",
            step=STEP_NUMBERED[Number.PROVISIONAL_PASSWORD],
            form=form,
            identifier=identifier,
        )


@method_decorator(never_cache, name="dispatch")
class StepView(View):
    """A step of the flow: shown only when the flow is in `state`; any other state sends
    the person to the page of the state they are really in."""

    state: ClassVar[State]
    template_name: ClassVar[str]
    form_class: ClassVar[type[forms.Form] | None] = None

    flow: ActivationFlow

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        flow = flow_get(request.session.get(SESSION_FLOW))
        if flow is None:
            return redirect("activation:identifier")
        if flow.current_state != self.state:
            return _to_current_step(flow)
        self.flow = flow
        return super().dispatch(request, *args, **kwargs)

    @property
    def pending_link(self) -> str:
        return STEPS[self.state].pending_link or ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_context(self) -> dict[str, Any]:
        return {}

    def render_page(self, form: forms.Form | None = None, **extra: Any) -> HttpResponse:
        return _page(
            self.request,
            self.template_name,
            step=STEPS[self.state],
            flow=self.flow,
            form=form,
            **self.get_context(),
            **extra,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = None
        if self.form_class is not None:
            form = self.form_class(initial=self.get_initial(), **self.get_form_kwargs())
        return self.render_page(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.form_class is None:
            return self.http_method_not_allowed(request)
        form = self.form_class(request.POST, **self.get_form_kwargs())
        if not form.is_valid():
            return self.render_page(form)
        try:
            flow = self.perform(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_page(form)
        except SendLimitReached as error:
            form.add_error(None, str(error))
            return self.render_page(form, status=429)
        return _to_current_step(flow)

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        raise NotImplementedError


class RecoveryEmailView(StepView):
    state = State.AWAITING_RECOVERY_EMAIL
    template_name = "recovery_email.html"
    form_class = step_forms.RecoveryEmailForm

    def get_initial(self) -> dict[str, Any]:
        return {
            "recovery_email": self.flow.recovery_email,
            "recovery_email_confirmation": self.flow.recovery_email,
        }

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_give_recovery_email(
            flow=self.flow, recovery_email=data["recovery_email"], ip=client_ip(self.request)
        )


class _MailSentView(StepView):
    """Steps 4 and 8: the mail sent, what became of it, a new mail on request, and the
    address to correct once its server refused it (the form is on the page from the start,
    hidden until then, so that mailfate.js can show it without a reload)."""

    correction_form_class: ClassVar[type[forms.Form]]
    address_field: ClassVar[str]
    fate_url_name: ClassVar[str]
    correct_url_name: ClassVar[str]

    def get_context(self) -> dict[str, Any]:
        fate = flow_mail_fate(self.flow)
        return {
            "link": links.link_pending(subject=self.flow.login, purpose=self.pending_link),
            "fate": fate,
            "fate_text": fate_text(fate),
            "fate_url": reverse(self.fate_url_name),
            "correct_url": reverse(self.correct_url_name),
        }

    def render_page(self, form: forms.Form | None = None, **extra: Any) -> HttpResponse:
        if form is None:
            # Pre-filled with the address the mail went to: a typo is corrected in place.
            address = getattr(self.flow, self.address_field)
            form = self.correction_form_class(initial={self.address_field: address})
        return super().render_page(form, **extra)

    def resend(self) -> ActivationFlow:
        raise NotImplementedError

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            flow = self.resend()
        except SendLimitReached as error:
            return self.render_page(limit_message=str(error), status=429)
        return _to_current_step(flow)


class _MailCorrectionView(_MailSentView):
    """The corrected address of steps 4 and 8, posted from the waiting page."""

    post = StepView.post

    def get(self, request: HttpRequest) -> HttpResponse:
        return _to_current_step(self.flow)


@method_decorator(never_cache, name="dispatch")
class _MailFateView(View):
    """The fate of the session's own flow's mail for the step, as JSON, for mailfate.js:
    nothing without a flow in the session, nothing of anyone else's mails."""

    state: ClassVar[State]

    def get(self, request: HttpRequest) -> HttpResponse:
        flow = flow_get(request.session.get(SESSION_FLOW))
        if flow is None:
            return JsonResponse({"status": "", "settled": True}, status=404)
        if flow.current_state != self.state:
            # Confirmed from another device, say: the page has nothing more to wait for.
            return JsonResponse({"status": "", "settled": True}, status=409)
        return JsonResponse(fate_json(flow_mail_fate(flow)))


class RecoveryEmailSentView(_MailSentView):
    state = State.AWAITING_RECOVERY_EMAIL_CONFIRMATION
    template_name = "recovery_email_sent.html"
    correction_form_class = step_forms.RecoveryEmailCorrectionForm
    address_field = "recovery_email"
    fate_url_name = "activation:recovery_email_fate"
    correct_url_name = "activation:recovery_email_correct"

    def resend(self) -> ActivationFlow:
        return services.activation_resend_recovery_email_link(
            flow=self.flow, ip=client_ip(self.request)
        )


class RecoveryEmailCorrectView(_MailCorrectionView, RecoveryEmailSentView):
    form_class = step_forms.RecoveryEmailCorrectionForm

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_correct_recovery_email(
            flow=self.flow, recovery_email=data["recovery_email"], ip=client_ip(self.request)
        )


class RecoveryEmailFateView(_MailFateView):
    state = State.AWAITING_RECOVERY_EMAIL_CONFIRMATION


class CharterView(StepView):
    state = State.AWAITING_CHARTER_ACCEPTANCE
    template_name = "charter.html"
    form_class = step_forms.CharterForm

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_accept_charter(flow=self.flow, ip=client_ip(self.request))


class DirectoryView(StepView):
    state = State.AWAITING_DIRECTORY_CHOICE
    template_name = "directory.html"
    form_class = step_forms.DirectoryForm

    def get_initial(self) -> dict[str, Any]:
        return {"directory_consent": bool(self.flow.directory_consent)}

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_choose_directory(
            flow=self.flow, consent=data["directory_consent"], ip=client_ip(self.request)
        )


class ForwardingView(StepView):
    state = State.AWAITING_FORWARDING_CHOICE
    template_name = "forwarding.html"
    form_class = step_forms.ForwardingForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"rules": flow_rules(self.flow)}

    def get_initial(self) -> dict[str, Any]:
        rules = flow_rules(self.flow)
        # The seed pre-fills the redirection with the recovery address.
        address = self.flow.forwarding_address or self.flow.recovery_email
        keep_copy = self.flow.keep_copy
        return {
            "wants_forwarding": bool(self.flow.wants_forwarding),
            "forwarding_address": address,
            "forwarding_address_confirmation": address,
            "keep_copy": rules.keep_copy_default if keep_copy is None else keep_copy,
        }

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_choose_forwarding(
            flow=self.flow,
            wants_forwarding=data["wants_forwarding"],
            forwarding_address=data.get("forwarding_address", ""),
            keep_copy=data.get("keep_copy"),
            ip=client_ip(self.request),
        )


class ForwardingSentView(_MailSentView):
    state = State.AWAITING_FORWARDING_CONFIRMATION
    template_name = "forwarding_sent.html"
    correction_form_class = step_forms.ForwardingCorrectionForm
    address_field = "forwarding_address"
    fate_url_name = "activation:forwarding_fate"
    correct_url_name = "activation:forwarding_correct"

    def resend(self) -> ActivationFlow:
        return services.activation_resend_forwarding_link(
            flow=self.flow, ip=client_ip(self.request)
        )


class ForwardingCorrectView(_MailCorrectionView, ForwardingSentView):
    form_class = step_forms.ForwardingCorrectionForm

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_correct_forwarding_address(
            flow=self.flow,
            forwarding_address=data["forwarding_address"],
            ip=client_ip(self.request),
        )


class ForwardingFateView(_MailFateView):
    state = State.AWAITING_FORWARDING_CONFIRMATION


class NewPasswordView(StepView):
    state = State.AWAITING_NEW_PASSWORD
    template_name = "new_password.html"
    form_class = step_forms.NewPasswordForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"account": services.activation_password_subject(self.flow)}

    def get_context(self) -> dict[str, Any]:
        return {"password_rules": password_rules()}

    def perform(self, data: dict[str, Any]) -> ActivationFlow:
        return services.activation_set_password(
            flow=self.flow, password=data["new_password"], ip=client_ip(self.request)
        )


class NewPasswordRulesView(StepView):
    """The live checklist of step 9 asks here which rules the typed password meets."""

    state = State.AWAITING_NEW_PASSWORD

    def post(self, request: HttpRequest) -> HttpResponse:
        return rules_check_response(request, services.activation_password_subject(self.flow))


class DoneView(StepView):
    state = State.ACTIVATED
    template_name = "done.html"


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """/activation/: the step the person is at, or step 1."""
    flow = flow_get(request.session.get(SESSION_FLOW))
    return _to_current_step(flow) if flow else redirect("activation:identifier")


@require_POST
def revise(request: HttpRequest, answer: str) -> HttpResponse:
    """The "Modifier" buttons: go back to an earlier answer."""
    flow = flow_get(request.session.get(SESSION_FLOW))
    event = REVISIONS.get(answer)
    if flow is None or event is None:
        return redirect("activation:start")
    with contextlib.suppress(IllegalTransition):
        # A revision the state does not allow (after activation, say) changes nothing.
        flow = services.activation_revise(flow=flow, event=event, ip=client_ip(request))
    return _to_current_step(flow)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """« Quitter »: end the session; the flow and its answers stay for the person to resume."""
    services.activation_leave(
        flow=flow_get(request.session.get(SESSION_FLOW)),
        identifier=request.session.get(SESSION_IDENTIFIER, ""),
        ip=client_ip(request),
    )
    # flush() deletes the session on the server, not only the cookie: on a shared computer,
    # the next person cannot bring it back with the browser's history.
    request.session.flush()
    return redirect("activation:left")


@never_cache
def left(request: HttpRequest) -> HttpResponse:
    """The page after « Quitter »: how to resume."""
    return _page(request, "left.html", step=None)


@never_cache
def link_landing(request: HttpRequest, token: str) -> HttpResponse:
    return core_views.link_landing(
        request, token, session_key=SESSION_LINK, then="activation:link_confirm"
    )


@method_decorator(never_cache, name="dispatch")
class LinkConfirmView(View):
    """Ask for one click before using the link: mail filters that open links to scan them
    must not use it up in the person's place."""

    def get(self, request: HttpRequest) -> HttpResponse:
        token = request.session.get(SESSION_LINK, "")
        try:
            link = links.link_check(token=token)
        except links.LinkError as error:
            return self._error(request, error)
        # Not no_referrer(): under that policy browsers send "Origin: null" with the form's
        # POST, which the CSRF check refuses. This address holds no token (the landing took
        # it out), and the site's same-origin policy keeps it from other sites anyway.
        return _page(request, "link_confirm.html", step=None, link=link)

    def post(self, request: HttpRequest) -> HttpResponse:
        token = request.session.get(SESSION_LINK, "")
        try:
            flow = services.activation_follow_link(token=token, ip=client_ip(request))
        except links.LinkError as error:
            return self._error(request, error)
        request.session.pop(SESSION_LINK, None)
        request.session.cycle_key()
        request.session[SESSION_FLOW] = str(flow.pk)
        return _to_current_step(flow)

    def _error(self, request: HttpRequest, error: links.LinkError) -> HttpResponse:
        request.session.pop(SESSION_LINK, None)
        return core_views.no_referrer(
            _page(
                request,
                "link_error.html",
                step=None,
                reason=error.reason,
                restart_url=reverse("activation:identifier"),
                status=410 if isinstance(error, links.LinkExpired | links.LinkUsed) else 400,
            )
        )
