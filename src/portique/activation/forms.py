"""The activation's forms, labelled with the user guide's words."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portique.accounts.rules import CategoryRules
from portique.mail import domains, typos
from portique.mail.addresses import is_institution_address
from portique.passwords.validators import PasswordSubject

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def _outside_institution(address: str) -> str:
    """Refuse an address of the institution's own mail domain: it would not help recover the
    account, and as a redirection it would loop."""
    if is_institution_address(address):
        raise forms.ValidationError(
            _("Veuillez saisir une adresse extérieure à l'université."), code="internal_address"
        )
    return address


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant (Nom de connexion)"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def _password_input(autocomplete: str) -> forms.PasswordInput:
    """A password field that password managers fill and that password.js can reveal."""
    return forms.PasswordInput(
        attrs={"autocomplete": autocomplete, "data-reveal-label": _("Afficher le mot de passe")}
    )


class ProvisionalPasswordForm(forms.Form):
    provisional_password = forms.CharField(
        label=_("Mot de passe provisoire"),
        max_length=128,
        strip=False,
        widget=_password_input("current-password"),
    )


class _AddressPairForm(forms.Form):
    """Two fields that must hold the same address (one, without `confirmation_field`). A
    domain that looks like a misspelt common provider is pointed out once; sending the same
    address again goes through."""

    address_field = ""
    confirmation_field = ""
    mismatch_message: "StrOrPromise" = ""
    # The address the person was already warned about, carried by the re-displayed form.
    checked_address = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first = cleaned.get(self.address_field)
        second = cleaned.get(self.confirmation_field)
        if first and second and first.strip().lower() != second.strip().lower():
            self.add_error(self.confirmation_field, self.mismatch_message)
        elif first and not self.errors:
            self._point_out_typo(first)
            if not self.errors:
                self._refuse_domain_without_mail(first)
        return cleaned

    def _refuse_domain_without_mail(self, address: str) -> None:
        # After the typo check: "gmial.com" is better pointed out as "gmail.com ?" than
        # refused. Before any mail is queued: it would only bounce.
        domain = address.rsplit("@", 1)[-1]
        if not domains.domain_receives_mail(domain):
            self.add_error(
                self.address_field,
                forms.ValidationError(
                    _(
                        "Le domaine %(domain)s ne reçoit pas de mail : il n'existe pas ou n'a "
                        "pas de serveur de messagerie. Vérifiez l'adresse saisie."
                    ),
                    code="domain_without_mail",
                    params={"domain": domain},
                ),
            )

    def _point_out_typo(self, address: str) -> None:
        suggestion = typos.suggest(address)
        if suggestion is None or self.cleaned_data.get("checked_address") == address:
            return
        # The re-displayed form carries the address it warned about, so that the same
        # address sent again goes through.
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("checked_address")] = address
        self.data = data
        self.add_error(
            self.address_field,
            forms.ValidationError(
                _(
                    "Vérifiez l'adresse %(address)s : vouliez-vous dire %(suggestion)s ? "
                    "Si elle est exacte, cliquez à nouveau sur « Suivant »."
                ),
                code="possible_typo",
                params={"address": address, "suggestion": suggestion},
            ),
        )


class RecoveryEmailForm(_AddressPairForm):
    recovery_email = forms.EmailField(
        label=_("Adresse mail de secours"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    recovery_email_confirmation = forms.EmailField(
        label=_("Confirmation de l'adresse mail de secours"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    address_field = "recovery_email"
    confirmation_field = "recovery_email_confirmation"
    mismatch_message = _("Les deux adresses mail de secours ne sont pas identiques.")

    def clean_recovery_email(self) -> str:
        return _outside_institution(self.cleaned_data["recovery_email"])


class RecoveryEmailCorrectionForm(_AddressPairForm):
    """Step 4, once the mail server refused the address: the corrected address, judged as
    at step 3 (the pre-filled address is the refused one, to correct in place)."""

    recovery_email = forms.EmailField(
        label=_("Adresse mail de secours corrigée"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address_field = "recovery_email"

    def clean_recovery_email(self) -> str:
        return _outside_institution(self.cleaned_data["recovery_email"])


class CharterForm(forms.Form):
    accept = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Vous devez accepter la charte informatique pour poursuivre.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept"].label = _("J'accepte la charte informatique de l'%(institution)s") % {
            "institution": settings.PORTIQUE_INSTITUTION_NAME
        }


class DirectoryForm(forms.Form):
    directory_consent = forms.BooleanField(
        label=_("J'accepte d'apparaître dans le futur annuaire public"), required=False
    )


class ForwardingForm(_AddressPairForm):
    wants_forwarding = forms.BooleanField(
        label=_("Je mets en place une redirection de messagerie"), required=False
    )
    forwarding_address = forms.EmailField(
        label=_("Adresse de la messagerie de redirection"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    forwarding_address_confirmation = forms.EmailField(
        label=_("Confirmation de l'adresse de messagerie de redirection"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    keep_copy = forms.BooleanField(
        label=_("Je souhaite conserver une copie des mails sur ma boîte mail universitaire."),
        required=False,
    )
    address_field = "forwarding_address"
    confirmation_field = "forwarding_address_confirmation"
    mismatch_message = _("Les deux adresses de redirection ne sont pas identiques.")

    def __init__(self, *args: Any, rules: CategoryRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        if rules.forwarding_mandatory:
            del self.fields["wants_forwarding"]
        if not rules.keep_copy_offered:
            del self.fields["keep_copy"]

    @property
    def mandatory(self) -> bool:
        return self.rules.forwarding_mandatory

    def clean_forwarding_address(self) -> str:
        address: str = self.cleaned_data.get("forwarding_address", "")
        return _outside_institution(address) if address else address

    def _refuse_domain_without_mail(self, address: str) -> None:
        # The pre-filled address of someone who redirects nothing is no answer: no DNS.
        if self.rules.wants_forwarding(bool(self.cleaned_data.get("wants_forwarding"))):
            super()._refuse_domain_without_mail(address)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        wants = self.rules.wants_forwarding(bool(cleaned.get("wants_forwarding")))
        cleaned["wants_forwarding"] = wants
        if not wants:
            # Without a redirection the address fields are no answer: nothing to judge.
            for name in (self.address_field, self.confirmation_field):
                self.errors.pop(name, None)
                cleaned[name] = ""
        else:
            for name in (self.address_field, self.confirmation_field):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Veuillez saisir l'adresse de la messagerie de redirection."),
                            code="required",
                        ),
                    )
        return cleaned


class ForwardingCorrectionForm(_AddressPairForm):
    """Step 8, once the mail server refused the redirection address: the corrected address,
    judged as at step 7."""

    forwarding_address = forms.EmailField(
        label=_("Adresse de redirection corrigée"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address_field = "forwarding_address"

    def clean_forwarding_address(self) -> str:
        return _outside_institution(self.cleaned_data["forwarding_address"])


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("Nouveau mot de passe"),
        strip=False,
        max_length=256,
        widget=_password_input("new-password"),
    )
    new_password_confirmation = forms.CharField(
        label=_("Confirmation du nouveau mot de passe"),
        strip=False,
        max_length=256,
        widget=_password_input("new-password"),
    )

    def __init__(self, *args: Any, account: PasswordSubject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data["new_password"]
        # Django types `user` as its User model; our validators read any object with
        # first_name, last_name and login: a PasswordSubject.
        validate_password(password, user=self.account)  # type: ignore[arg-type]
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first = cleaned.get("new_password")
        second = cleaned.get("new_password_confirmation")
        if first and second and first != second:
            self.add_error(
                "new_password_confirmation",
                _("Les deux mots de passe ne sont pas identiques."),
            )
        return cleaned
