"""Mailed links: bound to one account and one purpose, never written to a log, never passed
on in a Referer header, out of the address bar on first use."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config

from portique.activation.machine import State
from portique.core import links
from portique.core.gunicorn import RedactingLogger, redact
from tests.factories import DemoPerson
from tests.security.conftest import (
    ELSEWHERE,
    RECOVERY,
    MakeWalker,
    reach_forwarding_sent,
    token_of,
)
from tests.support.flows import flow_of
from tests.support.mail import last_link

LINK_CONFIRM = "/activation/lien/"


# --- One account, one purpose -----------------------------------------------------------


def test_recovery_link_of_one_person_does_not_confirm_another_persons_flow(
    staff: DemoPerson, student: DemoPerson, walker_for: MakeWalker
) -> None:
    jane = walker_for(staff, Client())
    jane.identify()
    jane.give_provisional_password()
    jane.give_recovery_email("jane.perso@example.com")
    janes_link = last_link("jane.perso@example.com")
    lea = walker_for(student, Client())
    lea.identify()
    lea.give_provisional_password()
    lea.give_recovery_email("lea.perso@example.com")

    lea.follow_link(janes_link)

    leas_flow = flow_of(student)
    assert leas_flow.current_state == State.AWAITING_RECOVERY_EMAIL_CONFIRMATION
    assert leas_flow.recovery_email_verified_at is None


def test_recovery_link_sent_to_the_redirection_address_does_not_confirm_the_redirection(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_forwarding_sent(walker)
    flow = flow_of(staff)
    wrong_purpose = links.link_issue(
        subject=staff.login, purpose="recovery_email", email=ELSEWHERE, flow_id=flow.pk
    )

    walker.client.get(f"/activation/lien/{wrong_purpose.token}/")
    response = walker.client.post(LINK_CONFIRM)

    assert response.status_code == 400
    flow.refresh_from_db()
    assert flow.current_state == State.AWAITING_FORWARDING_CONFIRMATION
    assert flow.forwarding_verified_at is None


def test_recovery_token_fails_the_check_for_the_redirection_purpose(db: None) -> None:
    issued = links.link_issue(subject="jane.doe", purpose="recovery_email", email=RECOVERY)

    with pytest.raises(links.LinkInvalid):
        links.link_check(token=issued.token, purpose="forwarding_address")


# --- Never in a log ---------------------------------------------------------------------


def test_link_token_appears_in_no_log_record(
    staff: DemoPerson, walker_for: MakeWalker, caplog: pytest.LogCaptureFixture
) -> None:
    # Every logger at DEBUG, so that nothing the walk writes escapes the search.
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    walker = walker_for(staff)

    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    link = last_link(RECOVERY)
    walker.client.get(link)
    assert walker.client.post(LINK_CONFIRM)["Location"] == "/activation/charte/"
    walker.client.get("/activation/charte/")

    token = token_of(link)
    assert caplog.records, "nothing was logged: the search proves nothing"
    leaks = [
        record.name
        for record in caplog.records
        if token in record.getMessage() or token in repr(vars(record))
    ]
    assert leaks == []


ACCESS = "GET /activation/lien/abcDEF_123/ HTTP/1.1"


def test_access_log_redaction_removes_the_token_from_a_request_line() -> None:
    assert redact(ACCESS) == "GET /activation/lien/…/ HTTP/1.1"


def _atoms() -> dict[str, object]:
    """What gunicorn's access log is formatted from, for a request to a link."""
    response = SimpleNamespace(status="302 Found", headers=[("Location", LINK_CONFIRM)], sent=0)
    request = SimpleNamespace(headers=[("Host", "portail.example.org")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/activation/lien/abcDEF_123/",
        "PATH_INFO": "/activation/lien/abcDEF_123/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
    }
    return RedactingLogger(Config()).atoms(response, request, environ, timedelta(seconds=0.01))


def test_access_log_request_atom_holds_no_token() -> None:
    assert _atoms()["r"] == "GET /activation/lien/…/ HTTP/1.1"


def test_access_log_path_atom_holds_no_token() -> None:
    assert _atoms()["U"] == "/activation/lien/…/"


def test_access_log_line_in_the_default_format_holds_no_token() -> None:
    line = Config().access_log_format % _atoms()

    assert "abcDEF_123" not in line
    assert "/activation/lien/" in line


# --- Never in a Referer header, out of the address bar ----------------------------------


@pytest.fixture
def link(staff: DemoPerson, walker_for: MakeWalker) -> str:
    """The path of a recovery link mailed to a person at step 4."""
    walker = walker_for(staff)
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    return last_link(RECOVERY)


def test_link_landing_sends_no_referrer(link: str, client: Client) -> None:
    assert client.get(link)["Referrer-Policy"] == "no-referrer"


def test_link_confirmation_page_lets_its_form_send_its_origin(link: str, client: Client) -> None:
    # Under "no-referrer", browsers send "Origin: null" with the page's POST and the CSRF
    # check refuses it (tests/e2e, in Chromium). The page's address holds no token.
    client.get(link)

    response = client.get(LINK_CONFIRM)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"


def test_link_error_page_sends_no_referrer(db: None, client: Client) -> None:
    client.get("/activation/lien/not-a-real-token/")

    response = client.get(LINK_CONFIRM)

    assert response.status_code == 400
    assert response["Referrer-Policy"] == "no-referrer"


def test_link_takes_its_token_out_of_the_address_bar_on_first_use(
    link: str, client: Client
) -> None:
    response = client.get(link)

    assert (response.status_code, response["Location"]) == (302, LINK_CONFIRM)
    assert token_of(link) not in response["Location"]
