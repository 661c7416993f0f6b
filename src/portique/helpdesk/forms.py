"""The admin's login form, which puts the staff login behind the portal's throttle and
audit trail."""

from typing import Any, cast

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from portique.core.audit import client_ip
from portique.helpdesk import services
from portique.helpdesk.selectors import admin_login


class AdminLoginForm(AdminAuthenticationForm):
    """Django's admin login, counted and audited: failures lock the username and the
    address as the portal's login does (the username's count is not the portal's, see
    `admin_login.admin_login_counter`), and a locked username is refused even the right
    password, saying so: an unknown username locks alike, so that tells nobody who exists.

    Set as `admin.site.login_form`, the hook Django gives for this: the site, its URLs and
    every app's registrations stay Django's own. An AdminSite subclass would have to
    replace the default site in INSTALLED_APPS; an authentication backend would not see the
    staff check, which this form makes after the backends, and could not say "locked"."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": _(
            "Trop de tentatives : la connexion est temporairement verrouillée. Réessayez plus tard."
        ),
    }

    @sensitive_variables("password")  # kept out of error reports, as Django's own clean()
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # a field is missing: nothing was tried
        ip = client_ip(self.request)
        if not admin_login.admin_login_allowed(username=username, ip=ip):
            services.admin_login_refuse(username=username, ip=ip, reason="locked")
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            # Django's own judgement, unchanged: a wrong password, an unknown, inactive or
            # non-staff user all get its one "invalid_login" answer.
            cleaned = super().clean()
        except ValidationError:
            user = self.user_cache
            reason = "wrong" if user is None else "inactive" if not user.is_active else "not_staff"
            if services.admin_login_refuse(username=username, ip=ip, reason=reason):
                raise ValidationError(self.error_messages["locked"], code="locked") from None
            raise
        services.admin_login_accept(username=username, ip=ip)
        return cleaned


class ConsentExportForm(forms.Form):
    """The filters of the charter's consent export: a range of days, a version."""

    since = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.ChoiceField(label=_("Version de la charte"), required=False)

    def __init__(self, *args: Any, versions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version_field = cast(forms.ChoiceField, self.fields["version"])
        version_field.choices = [("", _("Toutes")), *((v, v) for v in versions)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(_("La date de début est après la date de fin."))
        return cleaned
