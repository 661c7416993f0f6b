"""Consents as versioned records: one row each time a person accepts or refuses the charter,
or chooses whether they appear in the public directory. The account keeps the current
state (Account.charter_version, Account.directory_consent, or the directory's attributes);
these rows are its history, what an audit asks for: who accepted which text, when, where."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The version of the directory notice, the text beside the directory choice (the
# activation's step 6 and the account page's box). Change it with that text: a consent
# proves only what the person was shown.
DIRECTORY_NOTICE_VERSION = "2024-09"


class ConsentRecord(models.Model):
    """One consent given or withdrawn. Written by the portal only, never changed."""

    class Kind(models.TextChoices):
        CHARTER = "charter", _("Charte informatique")
        DIRECTORY = "directory", _("Annuaire public")

    class Choice(models.TextChoices):
        ACCEPTED = "accepted", _("accepté")
        REFUSED = "refused", _("refusé")

    class Where(models.TextChoices):
        ACTIVATION = "activation", _("activation du compte")
        SELFSERVICE = "selfservice", _("Compte Informatique")
        REACCEPTANCE = "reacceptance", _("nouvelle charte, à la connexion")
        # Rows the first migration made from the accounts' state: where the consent was
        # given is not known, only what and when.
        ACCOUNT_STATE = "account_state", _("repris de l'état du compte")

    login = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.CharField(max_length=64)
    choice = models.CharField(max_length=16, choices=Choice.choices)
    at = models.DateTimeField()
    where = models.CharField(max_length=16, choices=Where.choices)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "consentement"
        verbose_name_plural = "consentements"
        indexes = [
            models.Index(fields=["login", "kind", "at"], name="consent_login_kind_at"),
            # The helpdesk's export: one kind, a range of dates.
            models.Index(fields=["kind", "at"], name="consent_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.login} {self.kind} {self.version} {self.choice}"
