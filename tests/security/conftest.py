"""What the security tests share: reading pages, walking a person to a step, and a
browser seen from a given client address."""

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from tests.support.mail import last_link
from tests.support.walkers import Walker

REFUSAL = "Identifiant ou mot de passe provisoire incorrect."
WRONG = "Wrong-0000-Pass"
RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"
NEW_PASSWORD = "Velo-rouge-mardi-42"

STEP_1 = "/activation/identifiant/"
STEP_2 = "/activation/mot-de-passe-provisoire/"
STEP_3 = "/activation/mail-de-secours/"

MakeWalker = Callable[..., Walker]

_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def without_csrf_value(body: str) -> str:
    """The page with its per-response CSRF token value blanked out."""
    return _CSRF_VALUE.sub(r"\1…\2", body)


def token_of(link_path: str) -> str:
    return link_path.rstrip("/").rsplit("/", 1)[-1]


def browser(ip: str = "127.0.0.1", **defaults: Any) -> Client:
    """A fresh browser whose requests come from `ip`."""
    return Client(REMOTE_ADDR=ip, **defaults)


def attempt(client: Client, identifier: str, password: str) -> Any:
    """Steps 1 and 2 as a person types them; returns the answer to step 2."""
    client.post(STEP_1, {"identifier": identifier})
    return client.post(STEP_2, {"provisional_password": password})


def reach_new_password(walker: Walker) -> None:
    """Steps 1 to 8, without a redirection: the flow waits for the new password."""
    walker.reach_charter(RECOVERY)
    walker.accept_charter()
    walker.choose_directory(False)
    walker.choose_forwarding(wants=False)


def activate(walker: Walker) -> None:
    """A whole activation, down to the done page."""
    reach_new_password(walker)
    response = walker.set_password(NEW_PASSWORD)
    assert response["Location"] == "/activation/termine/", "the activation did not finish"


def reach_forwarding_sent(walker: Walker) -> str:
    """Steps 1 to 8 with a redirection elsewhere; returns the redirection link's path."""
    walker.reach_charter(RECOVERY)
    walker.accept_charter()
    walker.choose_directory(False)
    walker.choose_forwarding(ELSEWHERE)
    return last_link(ELSEWHERE)
