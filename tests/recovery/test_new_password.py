""" "Problème de connexion": the link from the mail, the new password under the full policy,
and what a reset ends (sessions, the lock) and announces."""

from typing import Any

import pytest
from django.test import Client

from tests.support.after_activation import (
    NEW_PASSWORD,
    PASSWORD,
    RECOVERY,
    RESET_LINK,
    WRONG,
    Activated,
    actions_of,
    let_in,
    link_to,
    log_in,
    logged_in_browser,
    notices_to,
    token_of,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

NEW_PASSWORD_PAGE = "/probleme-de-connexion/nouveau-mot-de-passe/"
DONE = "/probleme-de-connexion/termine/"
DICTIONARY_MESSAGE = "Le mot de passe ne doit pas contenir un mot du dictionnaire."


def set_new_password(client: Client, password: str, confirmation: str | None = None) -> Any:
    return client.post(
        NEW_PASSWORD_PAGE,
        {
            "new_password": password,
            "new_password_confirmation": password if confirmation is None else confirmation,
        },
    )


@pytest.fixture
def reset_link(activated: Activated) -> str:
    """Jane asked for a link on "Problème de connexion"; the path of the link she got."""
    Client().post("/probleme-de-connexion/", {"identifier": activated.login})
    return link_to(RECOVERY, RESET_LINK)


@pytest.fixture
def on_new_password_page(reset_link: str) -> Client:
    """A browser that opened the link and is on the new-password page."""
    client = Client()
    assert client.get(reset_link)["Location"] == NEW_PASSWORD_PAGE
    return client


def reset(client: Client, password: str = NEW_PASSWORD) -> Any:
    response = set_new_password(client, password)
    assert response.status_code == 302 and response["Location"] == DONE, "reset refused"
    return response


# --- The link ------------------------------------------------------------------------


def test_link_moves_the_token_out_of_the_address_bar(reset_link: str, client: Client) -> None:
    landing = client.get(reset_link)

    assert landing.status_code == 302
    assert landing["Location"] == NEW_PASSWORD_PAGE
    assert token_of(reset_link) not in landing["Location"]


def test_link_landing_sends_no_referrer(reset_link: str, client: Client) -> None:
    assert client.get(reset_link)["Referrer-Policy"] == "no-referrer"


def test_link_opens_the_new_password_page(on_new_password_page: Client) -> None:
    page = on_new_password_page.get(NEW_PASSWORD_PAGE)

    assert page.status_code == 200
    assert "Choisir un nouveau mot de passe" in text(page)
    assert "jane.doe@umontpellier.fr" in text(page)
    # Same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with the
    # form's POST and CSRF refuses it. The token already left the address at the landing.
    assert page["Referrer-Policy"] == "same-origin"


def test_new_password_page_without_a_link_gives_the_link_error_page(
    client: Client, db: None
) -> None:
    page = client.get(NEW_PASSWORD_PAGE)

    assert page.status_code == 400
    assert "Demander un nouveau lien" in text(page)


# --- The new password ------------------------------------------------------------------


def test_dictionary_word_is_refused_with_the_dictionary_message(
    on_new_password_page: Client,
) -> None:
    response = set_new_password(on_new_password_page, "soleil2024")

    assert response.status_code == 200
    assert DICTIONARY_MESSAGE in text(response)


def test_too_short_password_is_refused(on_new_password_page: Client) -> None:
    response = set_new_password(on_new_password_page, "Ab1-x")

    assert "Le mot de passe doit contenir au minimum 8 caractères." in text(response)


def test_empty_form_says_what_is_missing(on_new_password_page: Client) -> None:
    response = on_new_password_page.post(NEW_PASSWORD_PAGE, {})

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)


def test_refused_password_leaves_the_old_one_working(
    activated: Activated, on_new_password_page: Client
) -> None:
    set_new_password(on_new_password_page, "soleil2024")

    assert let_in(log_in(Client(), activated.login, PASSWORD))


def test_link_is_still_usable_after_a_refused_password(on_new_password_page: Client) -> None:
    set_new_password(on_new_password_page, "soleil2024")

    response = set_new_password(on_new_password_page, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == DONE


def test_new_password_opens_the_account(activated: Activated, on_new_password_page: Client) -> None:
    reset(on_new_password_page)

    assert let_in(log_in(Client(), activated.login, NEW_PASSWORD))


def test_old_password_is_refused_after_the_reset(
    activated: Activated, on_new_password_page: Client
) -> None:
    reset(on_new_password_page)

    assert not let_in(log_in(Client(), activated.login, PASSWORD))


def test_done_page_invites_to_log_in(on_new_password_page: Client) -> None:
    reset(on_new_password_page)

    page = text(on_new_password_page.get(DONE))

    assert "Votre nouveau mot de passe est enregistré." in page
    assert "Connectez-vous" in page


def test_used_link_gives_the_link_error_page_with_a_way_back(
    reset_link: str, on_new_password_page: Client
) -> None:
    reset(on_new_password_page)
    again = Client()

    again.get(reset_link)
    page = again.get(NEW_PASSWORD_PAGE)

    assert page.status_code == 410
    assert "Ce lien a déjà été utilisé" in text(page)
    assert '<a class="button" href="/probleme-de-connexion/">' in page.content.decode()


def test_newer_link_revokes_the_older_one(
    activated: Activated, reset_link: str, client: Client
) -> None:
    Client().post("/probleme-de-connexion/", {"identifier": activated.login})

    client.get(reset_link)

    assert "Ce lien n'est plus valable" in text(client.get(NEW_PASSWORD_PAGE))


# --- What a reset ends and announces -----------------------------------------------------


def test_reset_ends_a_session_opened_before_it(
    activated: Activated, on_new_password_page: Client
) -> None:
    earlier = logged_in_browser(activated.login)

    reset(on_new_password_page)

    assert earlier.get("/compte/")["Location"] == "/"


def test_reset_ends_every_session_of_the_account(
    activated: Activated, on_new_password_page: Client
) -> None:
    browsers = [logged_in_browser(activated.login) for _ in range(3)]

    reset(on_new_password_page)

    assert [browser.get("/compte/")["Location"] for browser in browsers] == ["/"] * 3


def test_reset_leaves_other_peoples_sessions_alone(
    activated: Activated, activate: Any, vacataire: Any, on_new_password_page: Client
) -> None:
    other = activate(vacataire, forwarding=RECOVERY)
    their_browser = logged_in_browser(other.login)

    reset(on_new_password_page)

    assert their_browser.get("/compte/").status_code == 200


def test_reset_mails_a_notice_to_the_recovery_address(on_new_password_page: Client) -> None:
    reset(on_new_password_page)

    notices = notices_to(RECOVERY)

    assert len(notices) == 1
    assert "Le mot de passe de votre compte a été changé." in str(notices[0].body)


def test_reset_writes_a_password_reset_audit_event(
    activated: Activated, on_new_password_page: Client
) -> None:
    reset(on_new_password_page)

    assert actions_of(activated.login)[-1] == "password_reset"


def test_reset_unlocks_a_locked_account(activated: Activated, reset_link: str) -> None:
    locked_out = Client()
    for _ in range(10):
        log_in(locked_out, activated.login, WRONG)
    assert not let_in(log_in(locked_out, activated.login, PASSWORD)), "not locked"
    browser = Client()
    browser.get(reset_link)

    reset(browser)

    assert let_in(log_in(Client(), activated.login, NEW_PASSWORD))
