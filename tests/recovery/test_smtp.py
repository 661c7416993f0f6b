"""The forgotten password once with a real SMTP server (aiosmtpd): the link is taken from
the message the server received, as the person would read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.test import Client

from tests.support.after_activation import (
    LINK_RE,
    NEW_PASSWORD,
    RECOVERY,
    RESET_LINK,
    Activated,
    let_in,
    log_in,
)

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp", "tests.support.after_activation"]

RESET_SUBJECT = "Université de Montpellier : choisissez un nouveau mot de passe"


@pytest.fixture
def mail_server(activated: Activated, smtp_settings: SmtpServer) -> SmtpServer:
    """The SMTP server, switched on once Jane is activated: the Walker reads the
    activation's links from Django's outbox."""
    return smtp_settings


def reset_link_received(server: SmtpServer, to: str) -> str:
    """Run the worker and return the path of the reset link the server received for `to`."""
    call_command("worker", batch=True, verbosity=0)
    (received,) = server.received_by(to)
    assert received.subject == RESET_SUBJECT
    found = LINK_RE.search(received.text())
    assert found and found.group(1).startswith(RESET_LINK), "no reset link in the mail"
    return found.group(1)


@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
def test_forgotten_password_is_replaced_from_the_link_the_mail_server_received(
    activated: Activated, mail_server: SmtpServer
) -> None:
    browser = Client()
    browser.post("/probleme-de-connexion/", {"identifier": activated.login})
    browser.get(reset_link_received(mail_server, RECOVERY))

    done = browser.post(
        "/probleme-de-connexion/nouveau-mot-de-passe/",
        {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD},
    )

    assert done["Location"] == "/probleme-de-connexion/termine/"
    assert let_in(log_in(Client(), activated.login, NEW_PASSWORD))
