"""Settings for the test suite: production settings, with throwaway secrets and paths."""

import os
import tempfile

os.environ.setdefault("PORTIQUE_SECRET_KEY", "tests-only-" + "k" * 50)
os.environ["PORTIQUE_VAR_DIR"] = tempfile.mkdtemp(prefix="portique-tests-")
os.environ.setdefault("PORTIQUE_BASE_URL", "https://portail.example.org")
os.environ.setdefault("PORTIQUE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.pop("PORTIQUE_EMAIL_URL", None)
# The test client speaks plain http; the redirect to https has its own test.
os.environ.setdefault("PORTIQUE_SSL_REDIRECT", "false")

from portique.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: there, concurrent writers get "table
    # is locked" at once instead of waiting for the lock as they do in production.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["PORTIQUE_VAR_DIR"], "test.sqlite3")
    }
