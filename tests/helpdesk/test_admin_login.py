"""The admin's login (/admin/login/), behind the portal's throttle: failures lock the username
after PORTIQUE_LOCK_FAILURES for PORTIQUE_LOCK_MINUTES, the right password included, and the
address after PORTIQUE_IP_FAILURES across usernames; every success, refusal and lock is in
the audit trail with the client's address. Django's own answer is kept for everything else."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.helpdesk.conftest import NOW, make_agent
from tests.security.conftest import WRONG, attempt
from tests.support.pages import text

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "Pupitre-vert-jeudi-17"
LOCKED = "Trop de tentatives : la connexion est temporairement verrouillée. Réessayez plus tard."
# Django's own answer to a wrong password at the admin's login, in French (its end).
INVALID = "et « mot de passe » d'un compte autorisé."
AGENT_IP = "198.51.100.20"
ATTACKER = "198.51.100.66"
PERSON_IP = "203.0.113.30"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """Passwords hashed in microseconds: these tests judge dozens of them, and what they
    check is the counting, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def agent(db: None) -> User:
    user = make_agent("m.dupont", "helpdesk")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def browser(ip: str = AGENT_IP, **headers: Any) -> Client:
    return Client(REMOTE_ADDR=ip, **headers)


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client: Client, username: str, times: int) -> Any:
    """Log in with a wrong password `times` times; returns the last answer."""
    response = None
    for _ in range(times):
        response = log_in(client, username, WRONG)
    return response


def errornote(response: Any) -> str:
    """The error the admin's login page shows above its form, as a person reads it."""
    notes = re.findall(r'<p class="errornote">(.*?)</p>', response.content.decode(), re.S)
    return " ".join(html.unescape(" ".join(notes)).split())


# --- Per username -----------------------------------------------------------------------


def test_right_password_signs_the_agent_in(agent: User) -> None:
    assert signed_in(log_in(browser(), "m.dupont", PASSWORD))


def test_nine_wrong_passwords_leave_the_username_open(agent: User) -> None:
    client = browser()
    fail(client, "m.dupont", 9)

    assert signed_in(log_in(client, "m.dupont", PASSWORD))


def test_tenth_wrong_password_locks_the_username_and_says_so(agent: User) -> None:
    client = browser()
    ninth = fail(client, "m.dupont", 9)

    tenth = log_in(client, "m.dupont", WRONG)

    assert INVALID in text(ninth) and LOCKED not in text(ninth)
    assert LOCKED in text(tenth)


def test_lock_is_counted_by_the_metrics_apart_from_the_portal_accounts(agent: User) -> None:
    fail(browser(), "m.dupont", 10)

    scraped = Client().get("/metrics").content.decode()

    assert "portique_admin_login_locks_total 1.0" in scraped.splitlines()
    assert "portique_account_locks_total 0.0" in scraped.splitlines()


def test_locked_username_is_refused_the_right_password(agent: User) -> None:
    fail(browser(), "m.dupont", 10)

    right = log_in(browser(), "m.dupont", PASSWORD)

    assert not signed_in(right)
    assert LOCKED in text(right)
    assert "_auth_user_id" not in right.wsgi_request.session


def test_lock_still_holds_14_minutes_later(agent: User, frozen: time_machine.Traveller) -> None:
    fail(browser(), "m.dupont", 10)
    frozen.shift(timedelta(minutes=14))

    assert LOCKED in text(log_in(browser(), "m.dupont", PASSWORD))


def test_right_password_works_again_16_minutes_after_the_lock(
    agent: User, frozen: time_machine.Traveller
) -> None:
    fail(browser(), "m.dupont", 10)
    frozen.shift(timedelta(minutes=16))

    assert signed_in(log_in(browser(), "m.dupont", PASSWORD))


def test_success_forgets_the_username_failures(agent: User) -> None:
    client = browser()
    fail(client, "m.dupont", 9)
    log_in(client, "m.dupont", PASSWORD)
    fail(browser(), "m.dupont", 9)

    assert signed_in(log_in(browser(), "m.dupont", PASSWORD))


def test_spellings_of_a_username_share_one_failure_counter(agent: User) -> None:
    for spelling in ["M.Dupont", "m.dupont", " M.DUPONT "] * 3 + ["m.Dupont"]:
        log_in(browser(), spelling, WRONG)

    assert LOCKED in text(log_in(browser(), "m.dupont", PASSWORD))


# --- Per address ------------------------------------------------------------------------


def test_failures_from_one_address_across_usernames_lock_the_address(
    agent: User, settings: Any
) -> None:
    settings.PORTIQUE_IP_FAILURES = 6
    attacker = browser(ATTACKER)
    for username in ["a.martin", "b.durand", "c.petit", "d.moreau", "e.simon", "f.laurent"]:
        log_in(attacker, username, WRONG)

    assert LOCKED in text(log_in(attacker, "m.dupont", PASSWORD))


def test_locked_address_leaves_other_addresses_alone(agent: User, settings: Any) -> None:
    settings.PORTIQUE_IP_FAILURES = 6
    attacker = browser(ATTACKER)
    for username in ["a.martin", "b.durand", "c.petit", "d.moreau", "e.simon", "f.laurent"]:
        log_in(attacker, username, WRONG)

    assert signed_in(log_in(browser(AGENT_IP), "m.dupont", PASSWORD))


# --- The audit trail --------------------------------------------------------------------


def test_success_is_audited_with_the_client_address_behind_the_proxy(
    agent: User, settings: Any, frozen: time_machine.Traveller
) -> None:
    settings.PORTIQUE_TRUSTED_PROXIES = ["10.0.0.2"]
    proxied = browser("10.0.0.2", HTTP_X_FORWARDED_FOR=AGENT_IP)

    log_in(proxied, "m.dupont", PASSWORD)

    event = AuditEvent.objects.get(action="admin_login_succeeded")
    assert (event.actor, event.subject, event.client_ip) == ("m.dupont", "m.dupont", AGENT_IP)
    assert event.at == NOW


def test_failure_is_audited_with_its_reason_and_the_client_address(agent: User) -> None:
    log_in(browser(ATTACKER), "m.dupont", WRONG)

    event = AuditEvent.objects.get(action="admin_login_refused")
    assert (event.subject, event.client_ip, event.data) == (
        "m.dupont",
        ATTACKER,
        {"reason": "wrong"},
    )


def test_lock_is_audited_once_and_attempts_during_it_as_refused_for_the_lock(
    agent: User,
) -> None:
    fail(browser(ATTACKER), "m.dupont", 10)
    log_in(browser(AGENT_IP), "m.dupont", PASSWORD)

    lock = AuditEvent.objects.get(action="admin_login_locked")
    during = AuditEvent.objects.filter(action="admin_login_refused").order_by("id").last()
    assert (lock.actor, lock.subject, lock.client_ip) == ("system", "m.dupont", ATTACKER)
    assert during is not None
    assert (during.client_ip, during.data) == (AGENT_IP, {"reason": "locked"})


def test_no_audit_row_holds_the_password(agent: User) -> None:
    log_in(browser(), "m.dupont", WRONG)
    log_in(browser(), "m.dupont", PASSWORD)

    rows = list(AuditEvent.objects.values_list("actor", "subject", "data"))
    assert rows and not any(WRONG in str(row) or PASSWORD in str(row) for row in rows)


# --- Nothing to probe -------------------------------------------------------------------


def test_non_staff_user_with_the_right_password_gets_the_wrong_password_answer(
    agent: User,
) -> None:
    User.objects.create_user(username="curious", password=PASSWORD)
    wrong = log_in(browser(), "curious", WRONG)

    right = log_in(browser(), "curious", PASSWORD)

    assert not signed_in(right)
    assert right.status_code == wrong.status_code == 200
    assert INVALID in errornote(right)
    assert errornote(right) == errornote(wrong)


def test_non_staff_user_with_the_right_password_counts_as_a_failure(agent: User) -> None:
    User.objects.create_user(username="curious", password=PASSWORD)
    fail(browser(), "curious", 9)

    tenth = log_in(browser(), "curious", PASSWORD)

    assert LOCKED in text(tenth)
    assert AuditEvent.objects.filter(
        action="admin_login_refused", data__reason="not_staff"
    ).exists()


def test_unknown_username_locks_exactly_as_a_real_one(agent: User) -> None:
    real = fail(browser(), "m.dupont", 10)
    unknown = fail(browser(), "n.personne", 10)

    assert LOCKED in errornote(unknown)
    assert errornote(unknown) == errornote(real)


# --- Apart from the portal's login ------------------------------------------------------


def test_admin_failures_do_not_lock_the_portal_account_of_the_same_login(
    staff: DemoPerson,
) -> None:
    fail(browser(), staff.login, 10)

    response = attempt(browser(PERSON_IP), staff.login, staff.provisional_password)

    assert response.status_code == 302 and response["Location"] == "/activation/mail-de-secours/"


def test_portal_failures_do_not_lock_the_admin_login_of_the_same_username(agent: User) -> None:
    portal = browser(ATTACKER)
    for _ in range(10):
        attempt(portal, "m.dupont", WRONG)

    assert signed_in(log_in(browser(), "m.dupont", PASSWORD))


def test_lock_message_is_english_for_an_english_browser(agent: User) -> None:
    fail(browser(), "m.dupont", 10)

    response = log_in(browser(HTTP_ACCEPT_LANGUAGE="en"), "m.dupont", PASSWORD)

    assert "Too many attempts: signing in is temporarily locked. Please try again later." in text(
        response
    )
