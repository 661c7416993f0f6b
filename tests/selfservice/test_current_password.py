"""The changes that ask for the current password ("Mot de passe actuel") on "Compte
Informatique": the recovery address (password resets go there), the redirection (it
receives the university mail) and the password. A wrong password is refused on its field,
audited, and counted by the same lock as the login's; a locked account is refused even the
right password, in the same words."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from portique.core.models import AuditEvent
from tests.support.after_activation import (
    ACCOUNT_LINK,
    ELSEWHERE,
    NEW_PASSWORD,
    NEW_RECOVERY,
    PASSWORD,
    RECOVERY,
    WRONG,
    Activated,
    actions_of,
    change_forwarding,
    change_password,
    change_recovery_email,
    let_in,
    links_to,
    log_in,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

WRONG_PASSWORD = "Mot de passe actuel incorrect."

Post = Callable[[Client, str], Any]


def new_recovery_address(client: Client, current_password: str) -> Any:
    return change_recovery_email(client, NEW_RECOVERY, current_password)


def redirection_elsewhere(client: Client, current_password: str) -> Any:
    return change_forwarding(client, ELSEWHERE, current_password=current_password)


def new_password(client: Client, current_password: str) -> Any:
    return change_password(client, current_password, NEW_PASSWORD)


# Each form: how to post it with a given current password, the audit action of a refusal,
# and the id of its "Mot de passe actuel" field.
FORMS: dict[str, tuple[Post, str, str]] = {
    "recovery-address": (
        new_recovery_address,
        "recovery_email_change_refused",
        "recovery_current_password",
    ),
    "redirection": (
        redirection_elsewhere,
        "forwarding_change_refused",
        "forwarding_current_password",
    ),
    "password": (new_password, "password_change_refused", "id_current_password"),
}


@pytest.fixture(params=list(FORMS))
def form(request: pytest.FixtureRequest) -> tuple[Post, str, str]:
    return FORMS[request.param]


def fail(client: Client, post: Post, times: int) -> None:
    for _ in range(times):
        assert post(client, WRONG).status_code == 200, "a wrong password was not refused"


def field_errors(response: Any, field_id: str) -> list[str]:
    """The errors shown under one field."""
    found = re.search(
        rf'<ul class="field__errors" id="{field_id}_error">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def refusals(login: str, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject=login, action=action).order_by("id"))


# --- Every form asks for it ----------------------------------------------------------------


def test_form_has_a_current_password_field_of_its_own(
    signed_in: Client, form: tuple[Post, str, str]
) -> None:
    _, _, field_id = form

    page = signed_in.get("/compte/").content.decode()

    assert f'<label for="{field_id}">Mot de passe actuel</label>' in page
    assert page.count(f'id="{field_id}"') == 1


def test_current_password_field_invites_the_password_manager(
    signed_in: Client, form: tuple[Post, str, str]
) -> None:
    _, _, field_id = form

    page = signed_in.get("/compte/").content.decode()

    field = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', page)
    assert field is not None
    assert 'type="password"' in field.group(0)
    assert 'autocomplete="current-password"' in field.group(0)


# --- A wrong password ------------------------------------------------------------------


def test_wrong_current_password_is_pointed_out_on_the_password_field(
    signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, field_id = form

    response = post(signed_in, WRONG)

    assert response.status_code == 200
    assert field_errors(response, field_id) == [WRONG_PASSWORD]


def test_wrong_current_password_is_audited_as_wrong(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, action, _ = form

    post(signed_in, WRONG)

    assert [event.data["reason"] for event in refusals(activated.login, action)] == ["wrong"]


def test_refusal_audit_event_holds_no_password(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, action, _ = form

    post(signed_in, WRONG)

    (event,) = refusals(activated.login, action)
    assert WRONG not in str(event.data)
    assert PASSWORD not in str(event.data)


def test_recovery_address_change_with_a_wrong_password_mails_no_link(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY, WRONG)

    assert links_to(NEW_RECOVERY, ACCOUNT_LINK) == []


def test_recovery_address_change_without_a_password_mails_no_link(signed_in: Client) -> None:
    response = change_recovery_email(signed_in, NEW_RECOVERY, "")

    assert "Mot de passe actuel" in text(response)
    assert links_to(NEW_RECOVERY, ACCOUNT_LINK) == []


def test_recovery_address_refusal_audit_names_the_address_asked_for(
    activated: Activated, signed_in: Client
) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY, WRONG)

    (event,) = refusals(activated.login, "recovery_email_change_refused")
    assert event.data["recovery_email"] == NEW_RECOVERY


def test_redirection_elsewhere_with_a_wrong_password_mails_no_link(signed_in: Client) -> None:
    change_forwarding(signed_in, ELSEWHERE, current_password=WRONG)

    assert links_to(ELSEWHERE, ACCOUNT_LINK) == []


def test_redirection_to_the_recovery_address_with_a_wrong_password_is_not_applied(
    activated: Activated, signed_in: Client
) -> None:
    change_forwarding(signed_in, RECOVERY, current_password=WRONG)

    assert activated.account.forwarding_address == ""


def test_redirection_refusal_audit_names_the_address_asked_for(
    activated: Activated, signed_in: Client
) -> None:
    change_forwarding(signed_in, ELSEWHERE, current_password=WRONG)

    (event,) = refusals(activated.login, "forwarding_change_refused")
    assert event.data["forwarding_address"] == ELSEWHERE


# --- The login's lock ------------------------------------------------------------------


def test_ten_wrong_current_passwords_lock_the_login(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    fail(signed_in, post, 10)

    assert not let_in(log_in(Client(), activated.login, PASSWORD))


def test_nine_wrong_current_passwords_leave_the_login_working(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    fail(signed_in, post, 9)

    assert let_in(log_in(Client(), activated.login, PASSWORD))


def test_failed_logins_and_wrong_current_passwords_share_one_counter(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    for _ in range(5):
        assert not let_in(log_in(Client(), activated.login, WRONG))
    fail(signed_in, post, 5)

    assert not let_in(log_in(Client(), activated.login, PASSWORD))


def test_lock_caused_on_the_account_page_writes_an_account_locked_audit_event(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    fail(signed_in, post, 10)

    assert actions_of(activated.login)[-1] == "account_locked"


def test_locked_account_is_refused_the_change_even_with_the_right_password(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, action, field_id = form
    fail(signed_in, post, 10)

    response = post(signed_in, PASSWORD)

    assert field_errors(response, field_id) == [WRONG_PASSWORD]
    assert refusals(activated.login, action)[-1].data["reason"] == "locked"


def test_right_password_while_locked_reads_exactly_as_a_wrong_one(
    signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    fail(signed_in, post, 9)
    wrong = post(signed_in, WRONG)

    right = post(signed_in, PASSWORD)

    assert text(right) == text(wrong)


def test_attempts_during_the_lock_are_not_counted(
    activated: Activated, signed_in: Client, form: tuple[Post, str, str]
) -> None:
    post, _, _ = form
    fail(signed_in, post, 10)

    fail(signed_in, post, 3)

    assert actions_of(activated.login).count("account_locked") == 1


def test_right_current_password_forgets_the_earlier_failures(
    activated: Activated, signed_in: Client
) -> None:
    fail(signed_in, new_recovery_address, 9)
    change_recovery_email(signed_in, NEW_RECOVERY, PASSWORD)

    fail(signed_in, new_recovery_address, 1)

    assert let_in(log_in(Client(), activated.login, PASSWORD))
