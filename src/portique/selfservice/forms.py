"""The forms of "Compte Informatique"; the redirection form is the activation's own."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portique.activation.forms import (
    ForwardingForm,
    NewPasswordForm,
    RecoveryEmailForm,
    _password_input,
)

__all__ = ["ChangePasswordForm", "DirectoryConsentForm", "ForwardingForm", "LoginForm",
           "RecoveryEmailForm"]  # fmt: skip


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("IDENTIFIANT"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("MOT DE PASSE"),
        strip=False,
        max_length=256,
        widget=_password_input("current-password"),
    )


class ChangePasswordForm(NewPasswordForm):
    """The new password twice, under the full policy, and the current one."""

    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        max_length=256,
        widget=_password_input("current-password"),
    )
    field_order = ["current_password", "new_password", "new_password_confirmation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)


class DirectoryConsentForm(forms.Form):
    directory_consent = forms.BooleanField(
        label=_("J'accepte d'apparaître dans l'annuaire public"), required=False
    )
