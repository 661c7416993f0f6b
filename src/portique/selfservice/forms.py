"""The forms of "Compte Informatique"; the address forms are the activation's own, with the
current password added."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portique.activation.forms import (
    ForwardingForm,
    NewPasswordForm,
    RecoveryEmailForm,
    _password_input,
)

__all__ = ["ChangeForwardingForm", "ChangePasswordForm", "ChangeRecoveryEmailForm",
           "DirectoryConsentForm", "EndSessionForm", "LoginForm"]  # fmt: skip


def _current_password() -> forms.CharField:
    return forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        max_length=256,
        widget=_password_input("current-password"),
    )


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

    current_password = _current_password()
    field_order = ["current_password", "new_password", "new_password_confirmation"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)


class ChangeRecoveryEmailForm(RecoveryEmailForm):
    """The new recovery address twice, and the current password: password resets go to this
    address, so only someone who knows the password may change it."""

    current_password = _current_password()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the page has three "Mot de passe actuel" fields, one per form.
        kwargs.setdefault("auto_id", "recovery_%s")
        super().__init__(*args, **kwargs)


class ChangeForwardingForm(ForwardingForm):
    """The activation's redirection form, and the current password: whoever sets the
    redirection receives the university mail, password resets of other services included."""

    current_password = _current_password()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "forwarding_%s")
        super().__init__(*args, **kwargs)


class DirectoryConsentForm(forms.Form):
    directory_consent = forms.BooleanField(
        label=_("J'accepte d'apparaître dans l'annuaire public"), required=False
    )


class EndSessionForm(forms.Form):
    """The session that « Fermer » ends, by its id in the list (never its key)."""

    session = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
