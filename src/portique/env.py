"""Every setting that comes from the environment, read in one place.

Each PORTIQUE_* variable is listed, with one line of explanation, in .env.example.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()

# The demo and debug modes are the only ones allowed to invent their own secrets.
DEBUG: bool = env.bool("PORTIQUE_DEBUG", default=False)
DEMO: bool = env.bool("PORTIQUE_DEMO", default=False)

VAR_DIR = Path(env.str("PORTIQUE_VAR_DIR", default=str(PROJECT_DIR / "var")))


def _demo_secret_key() -> str:
    """Return the secret key kept in var/, creating it on first use."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only, from the first byte.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def secret_key() -> str:
    """Return PORTIQUE_SECRET_KEY; only debug and demo runs may do without it."""
    value = env.str("PORTIQUE_SECRET_KEY", default="")
    if value:
        return value
    if DEBUG or DEMO:
        return _demo_secret_key()
    raise environ.ImproperlyConfigured(
        "PORTIQUE_SECRET_KEY is required (set PORTIQUE_DEBUG=true or use `portique demo` to "
        "run without one)."
    )


class SmtpSettings:
    """Where and how to reach the SMTP server named by PORTIQUE_EMAIL_URL."""

    def __init__(self, url: str) -> None:
        parsed = urlsplit(url)
        schemes = {"smtp": (False, False), "smtp+starttls": (True, False), "smtps": (False, True)}
        if parsed.scheme not in schemes:
            raise environ.ImproperlyConfigured(
                f"PORTIQUE_EMAIL_URL must start with smtp://, smtp+starttls:// or smtps://, "
                f"not {parsed.scheme}://"
            )
        self.starttls, self.ssl = schemes[parsed.scheme]
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or (465 if self.ssl else 587 if self.starttls else 25)
        self.user = unquote(parsed.username or "")
        self.password = unquote(parsed.password or "")


def smtp_settings(url: str) -> SmtpSettings:
    """Parse PORTIQUE_EMAIL_URL: smtp://, smtp+starttls:// or smtps://, user and password
    optional."""
    return SmtpSettings(url)
