"""Sessions: a new id when trust rises, an idle and an absolute timeout, cookie flags, and
CSRF on every form."""

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.accounts.models import Account
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent, OneTimeLink
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.security.conftest import (
    ELSEWHERE,
    NEW_PASSWORD,
    RECOVERY,
    STEP_1,
    STEP_3,
    MakeWalker,
    reach_forwarding_sent,
    reach_new_password,
)
from tests.support.mail import last_link
from tests.support.pages import text
from tests.support.walkers import Walker

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 12, 8, 0, tzinfo=PARIS), tick=False) as t:
        yield t


def session_id(client: Client) -> str:
    return client.cookies["sessionid"].value


# --- A new session id when trust rises --------------------------------------------------


def test_session_id_changes_when_the_provisional_password_is_accepted(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    before = session_id(walker.client)

    assert walker.give_provisional_password()["Location"] == STEP_3
    assert session_id(walker.client) != before


def test_session_id_changes_when_a_link_is_confirmed(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    walker.client.get(last_link(RECOVERY))
    before = session_id(walker.client)

    assert walker.client.post("/activation/lien/")["Location"] == "/activation/charte/"
    assert session_id(walker.client) != before


def test_session_id_given_before_the_provisional_password_is_worthless_after_it(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    planted = Client()
    planted.cookies["sessionid"] = session_id(walker.client)
    walker.give_provisional_password()

    assert planted.get("/activation/")["Location"] == STEP_1


def test_session_id_has_more_than_128_bits_of_randomness(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()

    # 32 characters from 36 symbols: 165 bits, drawn by Django from `secrets`.
    assert re.fullmatch(r"[a-z0-9]{32}", session_id(walker.client))


# --- Timeouts ---------------------------------------------------------------------------


@pytest.fixture
def at_step_3(staff: DemoPerson, walker_for: MakeWalker, clock: time_machine.Traveller) -> Walker:
    walker = walker_for(staff)
    walker.identify()
    assert walker.give_provisional_password()["Location"] == STEP_3
    return walker


def test_session_idle_for_31_minutes_is_gone(
    at_step_3: Walker, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=31))

    assert at_step_3.client.get("/activation/")["Location"] == STEP_1


def test_session_idle_for_29_minutes_is_kept(
    at_step_3: Walker, clock: time_machine.Traveller
) -> None:
    clock.shift(timedelta(minutes=29))

    assert at_step_3.client.get("/activation/")["Location"] == STEP_3


def test_session_active_every_20_minutes_ends_8_hours_after_it_began(
    at_step_3: Walker, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.PORTIQUE_SESSION_ABSOLUTE_HOURS = 8
    for _ in range(24):  # up to 8 h 00, every answer still at step 3
        clock.shift(timedelta(minutes=20))
        assert at_step_3.client.get("/activation/")["Location"] == STEP_3
    clock.shift(timedelta(minutes=10))

    assert at_step_3.client.get("/activation/")["Location"] == STEP_1


# --- Cookie flags -----------------------------------------------------------------------


@pytest.fixture
def cookies(db: None, client: Client) -> Any:
    """The cookies of a browser that has given an identifier."""
    client.get(STEP_1)
    client.post(STEP_1, {"identifier": "jane.doe"})
    return client.cookies


@pytest.mark.parametrize("name", ["sessionid", "csrftoken"])
def test_cookie_is_sent_over_https_only(cookies: Any, name: str) -> None:
    assert cookies[name]["secure"] is True


def test_session_cookie_is_hidden_from_scripts(cookies: Any) -> None:
    assert cookies["sessionid"]["httponly"] is True


@pytest.mark.parametrize("name", ["sessionid", "csrftoken"])
def test_cookie_is_samesite_lax(cookies: Any, name: str) -> None:
    assert cookies[name]["samesite"] == "Lax"


# --- CSRF on every form -----------------------------------------------------------------

Reach = Callable[[Walker], None]
Data = Callable[[DemoPerson], dict[str, str]]


def _nowhere(walker: Walker) -> None:
    pass


def _identified(walker: Walker) -> None:
    walker.identify()


def _at_recovery_email(walker: Walker) -> None:
    walker.identify()
    walker.give_provisional_password()


def _at_recovery_email_sent(walker: Walker) -> None:
    _at_recovery_email(walker)
    walker.give_recovery_email(RECOVERY)


def _holding_a_link(walker: Walker) -> None:
    _at_recovery_email_sent(walker)
    walker.client.get(last_link(RECOVERY))


def _at_charter(walker: Walker) -> None:
    walker.reach_charter(RECOVERY)


def _at_directory(walker: Walker) -> None:
    walker.reach_charter(RECOVERY)
    walker.accept_charter()


def _at_forwarding(walker: Walker) -> None:
    _at_directory(walker)
    walker.choose_directory(False)


def _at_forwarding_sent(walker: Walker) -> None:
    reach_forwarding_sent(walker)


FORMS: list[tuple[str, Reach, Data]] = [
    ("/", _nowhere, lambda p: {"username": p.login, "password": NEW_PASSWORD}),
    (STEP_1, _nowhere, lambda p: {"identifier": p.login}),
    (
        "/activation/mot-de-passe-provisoire/",
        _identified,
        lambda p: {"provisional_password": p.provisional_password},
    ),
    (
        STEP_3,
        _at_recovery_email,
        lambda p: {"recovery_email": RECOVERY, "recovery_email_confirmation": RECOVERY},
    ),
    ("/activation/mail-de-secours/envoye/", _at_recovery_email_sent, lambda p: {}),
    ("/activation/lien/", _holding_a_link, lambda p: {}),
    ("/activation/charte/", _at_charter, lambda p: {"accept": "on"}),
    ("/activation/modifier/mail-de-secours/", _at_charter, lambda p: {}),
    ("/activation/annuaire/", _at_directory, lambda p: {"directory_consent": "on"}),
    (
        "/activation/messagerie/",
        _at_forwarding,
        lambda p: {
            "wants_forwarding": "on",
            "forwarding_address": ELSEWHERE,
            "forwarding_address_confirmation": ELSEWHERE,
        },
    ),
    ("/activation/messagerie/envoye/", _at_forwarding_sent, lambda p: {}),
    (
        "/activation/mot-de-passe/",
        reach_new_password,
        lambda p: {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD},
    ),
    ("/activation/mot-de-passe/regles/", reach_new_password, lambda p: {"password": "x"}),
]
FORM_IDS = [path.strip("/") or "home" for path, _, _ in FORMS]


def _strict_browser(walker: Walker) -> Client:
    """A browser that checks CSRF, holding the same cookies (session and CSRF) as `walker`."""
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = walker.client.cookies
    # A page with a form gives the browser its CSRF cookie, as it would in real life: the
    # refusals below are for the missing token, not for a missing cookie.
    strict.get("/")
    assert "csrftoken" in strict.cookies
    return strict


def _state(client: Client) -> dict[str, Any]:
    """Everything a form could change."""
    return {
        "flows": list(ActivationFlow.objects.order_by("pk").values()),
        "accounts": list(Account.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
        "mails": OutboundMail.objects.count(),
        "links": list(OneTimeLink.objects.order_by("pk").values("pk", "used_at", "revoked_at")),
        # Client.session would create a session where there is none: read only a real one.
        "session": dict(client.session.items()) if "sessionid" in client.cookies else None,
    }


@pytest.mark.parametrize(("path", "reach", "data"), FORMS, ids=FORM_IDS)
def test_form_posted_without_csrf_token_is_refused_with_the_plain_page(
    staff: DemoPerson, walker_for: MakeWalker, path: str, reach: Reach, data: Data
) -> None:
    walker = walker_for(staff)
    reach(walker)

    response = _strict_browser(walker).post(path, data(staff))

    assert response.status_code == 403
    assert "Page expirée" in text(response)


@pytest.mark.parametrize(("path", "reach", "data"), FORMS, ids=FORM_IDS)
def test_form_posted_without_csrf_token_changes_nothing(
    staff: DemoPerson, walker_for: MakeWalker, path: str, reach: Reach, data: Data
) -> None:
    walker = walker_for(staff)
    reach(walker)
    strict = _strict_browser(walker)
    before = _state(strict)

    strict.post(path, data(staff))

    assert _state(strict) == before


@pytest.mark.parametrize(("path", "reach", "data"), FORMS, ids=FORM_IDS)
def test_form_posted_with_its_csrf_token_is_accepted(
    staff: DemoPerson, walker_for: MakeWalker, path: str, reach: Reach, data: Data
) -> None:
    # The counterpart of the refusals above: the strict browser is not refused for another
    # reason.
    walker = walker_for(staff)
    reach(walker)
    strict = _strict_browser(walker)

    response = strict.post(
        path, {**data(staff), "csrfmiddlewaretoken": strict.cookies["csrftoken"].value}
    )

    assert response.status_code != 403
