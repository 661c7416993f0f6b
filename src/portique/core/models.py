"""Cross-cutting records: the audit trail and one-time links."""

from django.db import models
from django.db.models.functions import Lower


class AuditEvent(models.Model):
    """One row per change, written in the same transaction as the change: who did what to
    whom, from where, and when. Never a password, a provisional password or a token."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, help_text="Login of the person or of the agent.")
    subject = models.CharField(max_length=150, db_index=True, help_text="Login concerned.")
    action = models.CharField(max_length=64, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.subject}"


class OneTimeLink(models.Model):
    """A link mailed to a person. Only the SHA-256 of its token is kept: a copy of the
    database does not let anyone follow a pending link."""

    class Purpose(models.TextChoices):
        RECOVERY_EMAIL = "recovery_email", "recovery address verification"
        FORWARDING_ADDRESS = "forwarding_address", "redirection address verification"
        RECOVERY_EMAIL_CHANGE = "recovery_email_change", "new recovery address verification"
        FORWARDING_CHANGE = "forwarding_change", "new redirection address verification"
        PASSWORD_RESET = "password_reset", "forgotten password"

    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    subject = models.CharField(max_length=150, db_index=True, help_text="Login concerned.")
    flow_id = models.UUIDField(null=True, blank=True)
    email = models.EmailField(help_text="Address the link was sent to.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A person's pending links, and the links sent them lately (the resend limit).
            models.Index(fields=["subject", "purpose", "created_at"], name="link_subject_sent"),
            # The links sent lately to an address, whatever its case (the resend limit).
            models.Index(Lower("email"), "created_at", name="link_address_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.subject}"
