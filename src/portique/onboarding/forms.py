from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    """The admin's upload of HR's file, with the options of `portique import-people`."""

    file = forms.FileField(label=_("Fichier CSV des personnes"))
    letters = forms.BooleanField(
        label=_("Produire les lettres (PDF)"),
        required=False,
        help_text=_(
            "Le PDF est téléchargé aussitôt : c'est le seul endroit où figurent les mots de "
            "passe provisoires."
        ),
    )
    reissue = forms.BooleanField(
        label=_("Réémettre les mots de passe provisoires des personnes déjà importées"),
        required=False,
        help_text=_("Leurs lettres précédentes cessent de fonctionner."),
    )
    skip_invalid = forms.BooleanField(
        label=_("Importer les lignes valides malgré les lignes invalides"), required=False
    )
