"""The outbox: every mail Portique sends, written in the transaction of the change that
causes it, then delivered by the worker."""

from django.db import models


class OutboundMail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        # The server answered 5xx at RCPT TO: the mailbox does not exist or will not take it.
        REFUSED = "refused", "refused"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=64, help_text="Template name: what the mail is for.")
    subject_login = models.CharField(max_length=150, db_index=True, help_text="Login concerned.")
    # The activation flow whose step waits on this mail: its page shows the mail's fate.
    flow_id = models.UUIDField(null=True, blank=True, db_index=True)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    # The bodies may hold a one-time link: they are blanked once the mail has left.
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # How many OutboundMailAttachment rows it has: the delivery of the many mails without
    # any asks for none (two queries less a mail).
    attachment_count = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The server's last 4xx/5xx answer, code and text, as it gave them.
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    smtp_answer = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField()
    # Set while a worker is sending it; a claim older than a few minutes was cut short.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbound mail"

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"


class OutboundMailAttachment(models.Model):
    """A file sent with a mail (the HR digest's CSV). Deleted once the mail has left or
    failed for good: it lists people, and the outbox keeps no more than it must."""

    mail = models.ForeignKey(OutboundMail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename
