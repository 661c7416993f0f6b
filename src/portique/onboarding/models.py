"""What the onboarding remembers of the mails it sent on its own: the reminders of a letter,
and the HR digests."""

from django.db import models

from portique.accounts.models import Person
from portique.mail.models import OutboundMail


class LetterReminder(models.Model):
    """One reminder of one letter, on one of the PORTIQUE_REMINDER_DAYS: written before its
    mail is queued, in the same transaction, so that the unique constraint lets one run only
    send it, however many run at once."""

    class Outcome(models.TextChoices):
        SENT = "sent", "sent"
        # A later reminder was due at the same run (cron did not run in between): one mail.
        SUPERSEDED = "superseded", "superseded"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders")
    # The letter it reminds of (Person.letter_issued_at then): a reissued letter has its own.
    letter_issued_at = models.DateTimeField()
    day = models.PositiveSmallIntegerField(help_text="Days after the letter.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    at = models.DateTimeField()
    mail = models.ForeignKey(OutboundMail, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "letter_issued_at", "day"], name="one_reminder_per_letter_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} day {self.day} ({self.outcome})"


class HrDigest(models.Model):
    """One HR digest sent; its local day is unique, so that two runs send one."""

    day = models.DateField(unique=True)
    at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField()
    people = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]
        verbose_name = "HR digest"

    def __str__(self) -> str:
        return f"digest of {self.day}"
