"""What the password targets did with each person's last password change, and how often
each target failed; never a password."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetOutcome(models.Model):
    """One target's part in a person's last password change. A new change replaces the rows
    of the one before: the helpdesk shows the last one only."""

    class Outcome(models.TextChoices):
        SET = "set", _("défini")
        FAILED = "failed", _("injoignable")
        REFUSED = "refused", _("refusé")
        NOT_TRIED = "not_tried", _("pas essayé")

    login = models.CharField(max_length=150, db_index=True)
    target = models.CharField(max_length=64)
    # Where the target comes in PORTIQUE_PASSWORD_TARGETS, for the page's order.
    position = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "résultat d'une cible de mot de passe"
        verbose_name_plural = "résultats des cibles de mot de passe"

    def __str__(self) -> str:
        return f"{self.login} {self.target}: {self.outcome}"


class TargetFailureCount(models.Model):
    """How many password changes a target failed for good (after its retries), for
    /metrics: in the database, so that every app process reads the same figure."""

    target = models.CharField(max_length=64, unique=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.target}: {self.count}"
