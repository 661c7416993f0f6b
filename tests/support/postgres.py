"""A PostgreSQL database of its own for a test that starts Portique processes."""

import contextlib
import secrets
from collections.abc import Iterator

import pytest

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def postgres_missing() -> str | None:
    """What to say when PostgreSQL does not answer on 127.0.0.1:5432, or None."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return f"PostgreSQL on 127.0.0.1:5432 (start it: {START_POSTGRES})"
    return None


def require_postgres() -> None:
    missing = postgres_missing()
    if missing:
        # A developer without it skips; in CI, conftest.py turns the skip into a failure.
        pytest.skip("needs " + missing)


@contextlib.contextmanager
def dedicated_database(prefix: str = "portique_twoinstances") -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards (even with connections still
    open to it); yields its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
