"""Settings for the test suite: production settings, with throwaway secrets and paths.

The suite runs against a SQLite file by default. PORTIQUE_TEST_DATABASE_URL (for instance
postgres://postgres@127.0.0.1:5432/test, from which Django creates and drops test_test)
runs it against PostgreSQL, and PORTIQUE_TEST_CACHE_URL (redis://127.0.0.1:6379/15) puts
the cache, and so the failure counters, in Redis, under a key prefix of this run's own.
The suite never reads PORTIQUE_DATABASE_URL or PORTIQUE_CACHE_URL: a shell set up for a
real portal must not point the tests at it.
"""

import os
import secrets
import tempfile

os.environ.setdefault("PORTIQUE_SECRET_KEY", "tests-only-" + "k" * 50)
os.environ["PORTIQUE_VAR_DIR"] = tempfile.mkdtemp(prefix="portique-tests-")
os.environ.setdefault("PORTIQUE_BASE_URL", "https://portail.example.org")
os.environ.setdefault("PORTIQUE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.pop("PORTIQUE_EMAIL_URL", None)
# No test asks the real DNS about the addresses it types: those of the domain check turn it
# on against their own DNS server (tests/dns_server.py). Forced, whatever the shell says;
# the portals the tests start in other processes get it from test_cli.portique_env.
os.environ["PORTIQUE_EMAIL_DNS_CHECK"] = "false"
os.environ.pop("PORTIQUE_DNS_NAMESERVERS", None)
# The test client speaks plain http; the redirect to https has its own test.
os.environ.setdefault("PORTIQUE_SSL_REDIRECT", "false")
os.environ["PORTIQUE_DATABASE_URL"] = os.environ.get("PORTIQUE_TEST_DATABASE_URL") or (
    f"sqlite:///{os.environ['PORTIQUE_VAR_DIR']}/portique.sqlite3"
)
os.environ["PORTIQUE_CACHE_URL"] = os.environ.get("PORTIQUE_TEST_CACHE_URL", "")

from portique.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's shared in-memory database: there, concurrent writers get "table
    # is locked" at once instead of waiting for the lock as they do in production.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["PORTIQUE_VAR_DIR"], "test.sqlite3")
    }

PORTIQUE_TEST_CACHE_IS_REDIS = CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"  # noqa: F405
if PORTIQUE_TEST_CACHE_IS_REDIS:
    # Keys of this run only: conftest.py deletes them before each test (the database cache
    # is emptied by each test's rollback), and another run on the same Redis is left alone.
    CACHES["default"]["KEY_PREFIX"] = f"portique-test-{secrets.token_hex(4)}"  # noqa: F405
