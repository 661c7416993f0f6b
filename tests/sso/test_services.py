"""The single sign-on's records of sessions, without a provider."""

import pytest
from django.contrib.sessions.backends.db import SessionStore

from portique.sso import services
from portique.sso.models import SsoSession

pytestmark = pytest.mark.django_db


def test_purge_forgets_the_sessions_that_ended_and_keeps_the_open_ones() -> None:
    alive = SessionStore()
    alive["account_login"] = "jane.doe"
    alive.create()
    for key in (alive.session_key or "", "ended-long-ago"):
        services.sso_session_register(
            protocol="cas", session_index=f"ST-{key}", session_key=key, login="jane.doe"
        )

    assert services.sso_sessions_purge() == 1
    assert list(SsoSession.objects.values_list("session_key", flat=True)) == [alive.session_key]


def test_single_logout_of_an_unknown_ticket_ends_nothing() -> None:
    services.sso_session_register(
        protocol="cas", session_index="ST-1", session_key="k1", login="jane.doe"
    )

    assert services.sso_single_logout(protocol="cas", session_index="ST-2") == 0
    assert services.sso_single_logout(protocol="oidc", session_index="ST-1") == 0
    assert SsoSession.objects.count() == 1
