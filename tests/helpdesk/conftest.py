"""What the helpdesk tests share: agents of each role signed in to their own browser, and
records laid out at known times."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core import clock
from portique.helpdesk.services import agent_create
from portique.mail.models import OutboundMail

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday: the week began on Monday 10 March.
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)
AGENT_IP = "192.0.2.10"


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_agent(username: str, role: str) -> User:
    return agent_create(username=username, email=f"{username}@univ.example", role=role).user


@pytest.fixture
def agent(db: None) -> User:
    return make_agent("agent.smith", "helpdesk")


@pytest.fixture
def administrator(db: None) -> User:
    return make_agent("root.admin", "admin")


def signed_in(user: User) -> Client:
    browser = Client(REMOTE_ADDR=AGENT_IP)
    browser.force_login(user)
    return browser


@pytest.fixture
def agent_browser(agent: User) -> Client:
    return signed_in(agent)


@pytest.fixture
def admin_browser(administrator: User) -> Client:
    return signed_in(administrator)


def make_flow(login: str, state: State = State.AWAITING_RECOVERY_EMAIL, **fields: Any) -> Any:
    """An activation flow row as the activation leaves it, begun now unless told."""
    now = fields.pop("created_at", clock.now())
    values: dict[str, Any] = {
        "email": f"{login}@umontpellier.fr",
        "category": "staff",
        "updated_at": now,
        "expires_at": now + timedelta(days=30),
        **fields,
    }
    return ActivationFlow.objects.create(login=login, state=state, created_at=now, **values)


def make_mail(status: str, *, login: str = "someone", **fields: Any) -> OutboundMail:
    return OutboundMail.objects.create(
        kind="recovery_email",
        subject_login=login,
        to="perso@example.com",
        subject="Confirmez votre adresse",
        status=status,
        created_at=fields.pop("created_at", clock.now()),
        **fields,
    )


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=PARIS)


def people_created_at(moment: datetime, *logins: str) -> None:
    from tests.factories import PersonFactory

    with time_machine.travel(moment, tick=False):
        for login in logins:
            PersonFactory(login=login)


@pytest.fixture
def known_data(db: None) -> Iterator[None]:
    """People of two imports and their activations, laid out so that each figure of the
    dashboard is known; the clock then stands at NOW (Wednesday 12 March 2025, 10:00).

    Last import (Monday 10 March): p1 has not begun; p2 gave their provisional password; p3
    their recovery address; p4 confirmed it; p5 accepted the charter and chose for the
    directory, then went back to change their address; p6 is activated (after a first
    activation that expired). The import before (3 March): old1, activated last week;
    old2, who began this week.
    """
    people_created_at(at(3, 9), "old1", "old2")
    people_created_at(at(10, 8), "p1", "p2", "p3", "p4", "p5", "p6")
    recovery = {"recovery_email": "perso@example.com"}
    confirmed = {**recovery, "recovery_email_verified_at": at(11, 9, 5)}
    done = {
        **confirmed,
        "charter_accepted_at": at(11, 9, 6),
        "directory_consent": True,
        "wants_forwarding": False,
        "keep_copy": True,
    }
    make_flow("old1", State.ACTIVATED, created_at=at(5, 10), activated_at=at(7, 0, 30), **done)
    make_flow("old2", created_at=at(11, 9))
    make_flow("p2", created_at=at(11, 9))
    make_flow("p3", State.AWAITING_RECOVERY_EMAIL_CONFIRMATION, created_at=at(11, 9), **recovery)
    make_flow("p4", State.AWAITING_CHARTER_ACCEPTANCE, created_at=at(11, 9), **confirmed)
    make_flow(
        "p5",
        State.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
        created_at=at(11, 9),
        charter_accepted_at=at(11, 9, 6),
        directory_consent=False,
        **recovery,
    )
    make_flow("p6", created_at=at(10, 9), expires_at=at(10, 10))
    make_flow("p6", State.ACTIVATED, created_at=at(11, 8), activated_at=at(11, 9), **done)
    # Activations of people from older imports, on the edges of the last 30 days.
    make_flow("x1", State.ACTIVATED, created_at=at(8, 9), activated_at=at(12, 0, 30), **done)
    make_flow("x2", State.ACTIVATED, created_at=at(1, 9, month=2), activated_at=at(1, 10, month=2))
    make_flow("x3", State.ACTIVATED, created_at=at(10, 9, month=2), activated_at=at(11, 8, month=2))
    for status in ("queued", "queued", "failed", "sent", "sent", "sent"):
        make_mail(status)
    with time_machine.travel(NOW, tick=False):
        yield
