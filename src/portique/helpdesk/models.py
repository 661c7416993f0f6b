"""The helpdesk's permissions, and what the purge must remember so that counters computed
from the audit trail never go down."""

from django.db import models

from portique.accounts.models import Person


class PersonFile(Person):
    """A person as the helpdesk sees them (state, mails, audit trail): no table of its own,
    it carries the permissions of the helpdesk's actions."""

    class Meta:
        proxy = True
        verbose_name = "dossier"
        verbose_name_plural = "dossiers des personnes"
        default_permissions = ("view",)
        permissions = [
            ("view_dashboard", "Voir le tableau de bord"),
            ("resend_mail", "Renvoyer le mail en attente"),
            ("unlock_account", "Déverrouiller un compte"),
            ("restart_activation", "Renvoyer une activation à l'étape 1"),
            ("reissue_letter", "Réimprimer le courrier d'identifiants"),
            ("end_sessions", "Fermer les sessions d'un compte"),
            ("view_configuration", "Voir la configuration (charte, catégories)"),
            ("export_consents", "Exporter les acceptations de la charte (CSV)"),
        ]


class PurgedEventCount(models.Model):
    """How many audit rows of one action `portique purge` has deleted: the metrics add it
    to the rows still there, so a counter such as portique_activations_total never drops."""

    action = models.CharField(max_length=64, unique=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.action}: {self.count}"
