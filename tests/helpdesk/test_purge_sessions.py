"""`portique purge` forgets the account sessions that ended without a logout (timed out, or
gone from the session store) and keeps the open ones, with sessions in the database (the
default) and in the cache (PORTIQUE_SESSION_STORE=cache)."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from portique.core import clock
from portique.selfservice.models import AccountSession
from tests.support.after_activation import (
    QUICK_PASSWORD_HASHERS,
    Activated,
    logged_in_browser,
    session_key,
)

pytest_plugins = ["tests.support.after_activation"]

CACHE_ENGINE = "django.contrib.sessions.backends.cache"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS


def purge() -> list[str]:
    out = StringIO()
    call_command("purge", stdout=out)
    return out.getvalue().splitlines()


def listed(client: Client) -> bool:
    return AccountSession.objects.filter(session_key=session_key(client)).exists()


# --- Sessions in the database -----------------------------------------------------------


def test_purge_forgets_a_session_gone_from_the_database(activated: Activated) -> None:
    gone = logged_in_browser(activated.login)
    Session.objects.filter(session_key=session_key(gone)).delete()

    purge()

    assert not listed(gone)


def test_purge_forgets_a_session_expired_but_still_in_the_database(
    activated: Activated,
) -> None:
    idle = logged_in_browser(activated.login)
    Session.objects.filter(session_key=session_key(idle)).update(
        expire_date=clock.now() - timedelta(seconds=1)
    )

    purge()

    assert not listed(idle)


def test_purge_keeps_an_open_session(activated: Activated) -> None:
    open_ = logged_in_browser(activated.login)

    purge()

    assert listed(open_)
    assert open_.get("/compte/").status_code == 200


def test_purge_says_how_many_sessions_it_forgot(activated: Activated) -> None:
    logged_in_browser(activated.login)
    for _ in range(2):
        Session.objects.filter(session_key=session_key(logged_in_browser(activated.login))).delete()

    assert "account sessions: 2 deleted" in purge()


# --- Sessions in the cache --------------------------------------------------------------


@pytest.fixture
def cache_sessions(settings: Any) -> None:
    """Sessions in the cache, for the browsers opened from now on."""
    settings.SESSION_ENGINE = CACHE_ENGINE


def test_purge_forgets_a_session_gone_from_the_cache(
    activated: Activated, cache_sessions: None
) -> None:
    gone = logged_in_browser(activated.login)
    caches["default"].delete(f"django.contrib.sessions.cache{session_key(gone)}")

    purge()

    assert not listed(gone)


def test_purge_keeps_an_open_session_in_the_cache(
    activated: Activated, cache_sessions: None
) -> None:
    open_ = logged_in_browser(activated.login)

    purge()

    assert listed(open_)
    assert open_.get("/compte/").status_code == 200
