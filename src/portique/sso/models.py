"""What the single sign-on remembers of a login: which Portique session the identity
provider's session opened, so that the provider's single logout can end it."""

from django.db import models


class SsoSession(models.Model):
    """A Portique session opened by the SSO, with the provider's name for it (CAS: the
    service ticket, which the server's logoutRequest gives as its SessionIndex)."""

    protocol = models.CharField(max_length=16)
    session_index = models.CharField(max_length=255, db_index=True)
    session_key = models.CharField(max_length=64, unique=True)
    login = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.protocol} session of {self.login}"
