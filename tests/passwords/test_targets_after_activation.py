"""The password targets on "Problème de connexion" and on the account page: a target that
fails or refuses leaves the old password in place and the reset link usable; the person is
told, and trying again once it answers sets every target."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.support.after_activation import (
    NEW_PASSWORD,
    PASSWORD,
    QUICK_PASSWORD_HASHERS,
    RECOVERY,
    RESET_LINK,
    Activated,
    change_password,
    let_in,
    link_to,
    log_in,
    logged_in_browser,
)
from tests.support.pages import text
from tests.support.password_targets import HOOK, REFUSAL, REFUSING, failing_hook

pytest_plugins = ["tests.support.after_activation"]

NEW_PASSWORD_PAGE = "/probleme-de-connexion/nouveau-mot-de-passe/"


@pytest.fixture(autouse=True)
def _quick(settings: Any) -> None:
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS
    settings.PORTIQUE_PASSWORD_TARGET_ATTEMPTS = 2
    settings.PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS = 0


def on_new_password_page(activated: Activated) -> Client:
    Client().post("/probleme-de-connexion/", {"identifier": activated.login})
    browser = Client()
    assert browser.get(link_to(RECOVERY, RESET_LINK))["Location"] == NEW_PASSWORD_PAGE
    return browser


def reset(browser: Client, password: str = NEW_PASSWORD) -> Any:
    return browser.post(
        NEW_PASSWORD_PAGE, {"new_password": password, "new_password_confirmation": password}
    )


def can_log_in(login: str, password: str) -> bool:
    return let_in(log_in(Client(), login, password))


def test_a_reset_a_target_refuses_shows_why_and_the_link_still_works(
    activated: Activated, settings: Any
) -> None:
    browser = on_new_password_page(activated)
    settings.PORTIQUE_PASSWORD_TARGETS = [REFUSING]
    refused = reset(browser)
    assert refused.status_code == 200
    assert REFUSAL in text(refused)
    assert can_log_in(activated.login, PASSWORD)
    settings.PORTIQUE_PASSWORD_TARGETS = []
    assert reset(browser).status_code == 302
    assert can_log_in(activated.login, NEW_PASSWORD)


def test_a_reset_with_a_failing_target_answers_503_and_the_same_link_finishes_it(
    activated: Activated, settings: Any, tmp_path: Path
) -> None:
    browser = on_new_password_page(activated)
    failing = failing_hook(tmp_path)
    settings.PORTIQUE_PASSWORD_TARGETS = [{"class": HOOK, "options": {"command": str(failing)}}]
    assert reset(browser).status_code == 503
    assert can_log_in(activated.login, PASSWORD)
    settings.PORTIQUE_PASSWORD_TARGETS = [{"class": HOOK, "options": {"command": "/bin/true"}}]
    assert reset(browser).status_code == 302
    assert can_log_in(activated.login, NEW_PASSWORD)


def test_an_account_page_change_a_target_refuses_shows_why_and_keeps_the_password(
    activated: Activated, settings: Any
) -> None:
    browser = logged_in_browser(activated.login)
    settings.PORTIQUE_PASSWORD_TARGETS = [REFUSING]
    refused = change_password(browser, PASSWORD, NEW_PASSWORD)
    assert refused.status_code == 200
    assert REFUSAL in text(refused)
    assert can_log_in(activated.login, PASSWORD)


def test_an_account_page_change_with_a_failing_target_answers_503_and_keeps_the_password(
    activated: Activated, settings: Any, tmp_path: Path
) -> None:
    browser = logged_in_browser(activated.login)
    failing = failing_hook(tmp_path)
    settings.PORTIQUE_PASSWORD_TARGETS = [{"class": HOOK, "options": {"command": str(failing)}}]
    assert change_password(browser, PASSWORD, NEW_PASSWORD).status_code == 503
    assert can_log_in(activated.login, PASSWORD)
    assert not can_log_in(activated.login, NEW_PASSWORD)
