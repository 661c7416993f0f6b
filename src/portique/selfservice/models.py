"""The sessions of each account: so that a password reset can end all of them, and so that
the person can see them on "Compte Informatique" and end those they do not recognise."""

from django.db import models

# At most this much of the User-Agent header is kept: enough to name the browser and the
# system, and a bound on what a client can make the table hold.
USER_AGENT_MAX_LENGTH = 200


class AccountSession(models.Model):
    login = models.CharField(max_length=150, db_index=True)
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    # Moved forward by the account pages at most every few minutes, never on each request.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.login} ({self.created_at:%Y-%m-%d %H:%M})"
