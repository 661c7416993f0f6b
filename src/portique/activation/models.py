"""The persisted activation flow: one row per person walking through the steps."""

import uuid

from django.db import models

from portique.activation.machine import INITIAL, State


class ActivationFlow(models.Model):
    """Where a person is in the activation and what they have answered so far. The account
    store is written only at the last step, all at once, from these answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    login = models.CharField(max_length=150, db_index=True)
    email = models.EmailField(help_text="University address.")
    category = models.CharField(max_length=16)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    # Keyed hash of the provisional password given at step 2 (see PasswordSubject).
    provisional_password_digest = models.CharField(max_length=128, blank=True)
    state = models.CharField(
        max_length=64, choices=[(s.value, s.value) for s in State], default=INITIAL.value
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    recovery_email = models.EmailField(blank=True)
    recovery_email_verified_at = models.DateTimeField(null=True, blank=True)
    charter_version = models.CharField(max_length=64, blank=True)
    charter_accepted_at = models.DateTimeField(null=True, blank=True)
    directory_consent = models.BooleanField(null=True, blank=True)
    wants_forwarding = models.BooleanField(null=True, blank=True)
    forwarding_address = models.EmailField(blank=True)
    forwarding_verified_at = models.DateTimeField(null=True, blank=True)
    keep_copy = models.BooleanField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.login}: {self.state}"

    @property
    def current_state(self) -> State:
        return State(self.state)
