from django import forms
from django.utils.translation import gettext_lazy as _


class RecoveryRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant (Nom de connexion)"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
