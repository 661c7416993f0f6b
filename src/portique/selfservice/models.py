"""The sessions of each account, so that a password reset can end all of them."""

from django.db import models


class AccountSession(models.Model):
    login = models.CharField(max_length=150, db_index=True)
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.login} ({self.created_at:%Y-%m-%d %H:%M})"
