"""What "Compte Informatique" lets a person change: the password, the recovery address, the
redirection and the directory consent; each change audited and confirmed by mail."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import DemoPerson
from tests.support.after_activation import (
    ACCOUNT_LINK,
    ELSEWHERE,
    NEW_PASSWORD,
    NEW_RECOVERY,
    PASSWORD,
    RECOVERY,
    WRONG,
    Activated,
    ActivatePerson,
    actions_of,
    change_directory_consent,
    change_forwarding,
    change_password,
    change_recovery_email,
    facts,
    follow_account_link,
    let_in,
    link_to,
    links_to,
    log_in,
    logged_in_browser,
    mails_to,
    notices_to,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

DICTIONARY_MESSAGE = "Le mot de passe ne doit pas contenir un mot du dictionnaire."


def back_on_the_account_page(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == "/compte/"


# --- The password ------------------------------------------------------------------------


def test_wrong_current_password_is_pointed_out_on_the_page(signed_in: Client) -> None:
    response = change_password(signed_in, WRONG, NEW_PASSWORD)

    assert response.status_code == 200
    assert "Mot de passe actuel incorrect." in text(response)


def test_wrong_current_password_leaves_the_password_unchanged(
    activated: Activated, signed_in: Client
) -> None:
    change_password(signed_in, WRONG, NEW_PASSWORD)

    assert let_in(log_in(Client(), activated.login, PASSWORD))
    assert not let_in(log_in(Client(), activated.login, NEW_PASSWORD))


def test_dictionary_word_as_new_password_is_refused_with_the_dictionary_message(
    signed_in: Client,
) -> None:
    response = change_password(signed_in, PASSWORD, "soleil2024")

    assert response.status_code == 200
    assert DICTIONARY_MESSAGE in text(response)


def test_refused_new_password_leaves_the_password_unchanged(
    activated: Activated, signed_in: Client
) -> None:
    change_password(signed_in, PASSWORD, "soleil2024")

    assert let_in(log_in(Client(), activated.login, PASSWORD))


def test_new_password_containing_the_last_name_is_refused(signed_in: Client) -> None:
    response = change_password(signed_in, PASSWORD, "Doe-2031-vert-lune")

    assert "Le mot de passe ne doit pas contenir votre nom ou prénom." in text(response)


def test_different_confirmation_of_the_new_password_is_refused(signed_in: Client) -> None:
    response = change_password(signed_in, PASSWORD, NEW_PASSWORD, "Autre-chose-2031")

    assert "Les deux mots de passe ne sont pas identiques." in text(response)


def test_changed_password_opens_the_account(activated: Activated, signed_in: Client) -> None:
    assert back_on_the_account_page(change_password(signed_in, PASSWORD, NEW_PASSWORD))

    assert let_in(log_in(Client(), activated.login, NEW_PASSWORD))


def test_old_password_is_refused_after_the_change(activated: Activated, signed_in: Client) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert not let_in(log_in(Client(), activated.login, PASSWORD))


def test_password_change_is_announced_on_the_account_page(signed_in: Client) -> None:
    change_password(signed_in, PASSWORD, NEW_PASSWORD)

    assert "Votre mot de passe a été changé." in text(signed_in.get("/compte/"))


# --- The recovery address --------------------------------------------------------------


def test_new_recovery_address_is_sent_a_confirmation_link(signed_in: Client) -> None:
    response = change_recovery_email(signed_in, NEW_RECOVERY)

    assert back_on_the_account_page(response)
    assert links_to(NEW_RECOVERY, ACCOUNT_LINK)


def test_account_page_says_where_the_confirmation_link_went(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    page = text(signed_in.get("/compte/"))

    assert f"Un mail a été envoyé à {NEW_RECOVERY}" in page


def test_recovery_address_is_unchanged_until_the_link_is_followed(
    activated: Activated, signed_in: Client
) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    assert activated.account.recovery_email == RECOVERY
    assert facts(signed_in.get("/compte/"))["Adresse mail de secours"] == RECOVERY


def test_opening_the_link_without_confirming_changes_nothing(
    activated: Activated, signed_in: Client
) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    landing = signed_in.get(link_to(NEW_RECOVERY, ACCOUNT_LINK))
    page = signed_in.get(landing["Location"])

    assert "Vous confirmez votre nouvelle adresse mail de secours" in text(page)
    assert activated.account.recovery_email == RECOVERY


def test_recovery_address_is_changed_once_the_link_is_confirmed(
    activated: Activated, signed_in: Client
) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    confirmed = follow_account_link(signed_in, link_to(NEW_RECOVERY, ACCOUNT_LINK))

    assert back_on_the_account_page(confirmed)
    assert activated.account.recovery_email == NEW_RECOVERY
    assert facts(signed_in.get("/compte/"))["Adresse mail de secours"] == NEW_RECOVERY


def test_recovery_address_link_works_in_another_browser(
    activated: Activated, signed_in: Client
) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    follow_account_link(Client(), link_to(NEW_RECOVERY, ACCOUNT_LINK))

    assert activated.account.recovery_email == NEW_RECOVERY


def test_recovery_address_change_is_announced_to_the_old_address(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)
    follow_account_link(signed_in, link_to(NEW_RECOVERY, ACCOUNT_LINK))

    notices = notices_to(RECOVERY)

    assert len(notices) == 1
    assert f"Votre adresse mail de secours est désormais {NEW_RECOVERY}." in str(notices[0].body)


def test_new_recovery_address_receives_only_the_link(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)
    follow_account_link(signed_in, link_to(NEW_RECOVERY, ACCOUNT_LINK))

    assert notices_to(NEW_RECOVERY) == []
    assert len(mails_to(NEW_RECOVERY)) == 1


def test_university_address_is_refused_as_recovery_address(
    activated: Activated, signed_in: Client
) -> None:
    response = change_recovery_email(signed_in, "jane.autre@umontpellier.fr")

    assert "Veuillez saisir une adresse extérieure à l'université." in text(response)
    assert mails_to("jane.autre@umontpellier.fr") == []


# --- The redirection -------------------------------------------------------------------


def test_redirection_elsewhere_is_sent_a_confirmation_link(signed_in: Client) -> None:
    response = change_forwarding(signed_in, ELSEWHERE)

    assert back_on_the_account_page(response)
    assert links_to(ELSEWHERE, ACCOUNT_LINK)


def test_redirection_elsewhere_is_not_applied_until_the_link_is_followed(
    activated: Activated, signed_in: Client
) -> None:
    change_forwarding(signed_in, ELSEWHERE)

    assert activated.account.forwarding_address == ""
    assert facts(signed_in.get("/compte/"))["Redirection"] == "Aucune"


def test_redirection_elsewhere_is_applied_once_the_link_is_confirmed(
    activated: Activated, signed_in: Client
) -> None:
    change_forwarding(signed_in, ELSEWHERE)

    follow_account_link(signed_in, link_to(ELSEWHERE, ACCOUNT_LINK))

    assert activated.account.forwarding_address == ELSEWHERE
    assert facts(signed_in.get("/compte/"))["Redirection"].startswith(ELSEWHERE)


def test_redirection_to_the_recovery_address_is_applied_at_once(
    activated: Activated, signed_in: Client
) -> None:
    response = change_forwarding(signed_in, RECOVERY)

    assert back_on_the_account_page(response)
    assert activated.account.forwarding_address == RECOVERY
    assert "Modification enregistrée." in text(signed_in.get("/compte/"))


def test_redirection_to_the_recovery_address_mails_no_link(signed_in: Client) -> None:
    change_forwarding(signed_in, RECOVERY)

    assert links_to(RECOVERY, ACCOUNT_LINK) == []


def test_removing_the_redirection_is_applied_at_once(
    staff: DemoPerson, activate: ActivatePerson
) -> None:
    person = activate(staff, forwarding=RECOVERY)
    browser = logged_in_browser(staff.login)

    change_forwarding(browser, wants=False)

    assert person.account.forwarding_address == ""


def test_keep_copy_choice_is_changed(staff: DemoPerson, activate: ActivatePerson) -> None:
    person = activate(staff, forwarding=RECOVERY, keep_copy=True)
    browser = logged_in_browser(staff.login)

    change_forwarding(browser, RECOVERY, keep_copy=False)

    assert person.account.keep_copy is False


@pytest.fixture
def vacataire_browser(vacataire: DemoPerson, activate: ActivatePerson) -> Client:
    activate(vacataire, forwarding=RECOVERY)
    return logged_in_browser(vacataire.login)


def test_vacataire_cannot_remove_the_redirection(
    vacataire: DemoPerson, vacataire_browser: Client
) -> None:
    response = change_forwarding(vacataire_browser, wants=False, keep_copy=False)

    assert response.status_code == 200
    assert "Veuillez saisir l'adresse de la messagerie de redirection." in text(response)
    assert Activated(vacataire).account.forwarding_address == RECOVERY


def test_vacataire_can_change_the_redirection_to_another_address(
    vacataire: DemoPerson, vacataire_browser: Client
) -> None:
    change_forwarding(vacataire_browser, ELSEWHERE, wants=False, keep_copy=False)

    follow_account_link(vacataire_browser, link_to(ELSEWHERE, ACCOUNT_LINK))

    assert Activated(vacataire).account.forwarding_address == ELSEWHERE


# --- The directory consent -------------------------------------------------------------


def test_ticking_the_directory_box_records_the_consent(
    activated: Activated, signed_in: Client
) -> None:
    response = change_directory_consent(signed_in, True)

    assert back_on_the_account_page(response)
    assert activated.account.directory_consent is True


@pytest.mark.parametrize("activated", [True], indirect=True)
def test_unticking_the_directory_box_withdraws_the_consent(
    activated: Activated, signed_in: Client
) -> None:
    change_directory_consent(signed_in, False)

    assert activated.account.directory_consent is False


# --- Every change is audited and confirmed by mail -------------------------------------

Change = Callable[[Client], None]


def new_password(client: Client) -> None:
    change_password(client, PASSWORD, NEW_PASSWORD)


def new_recovery_address(client: Client) -> None:
    change_recovery_email(client, NEW_RECOVERY)
    follow_account_link(client, link_to(NEW_RECOVERY, ACCOUNT_LINK))


def redirection_elsewhere(client: Client) -> None:
    change_forwarding(client, ELSEWHERE)
    follow_account_link(client, link_to(ELSEWHERE, ACCOUNT_LINK))


def redirection_to_the_recovery_address(client: Client) -> None:
    change_forwarding(client, RECOVERY)


def directory_consent(client: Client) -> None:
    change_directory_consent(client, True)


CHANGES: dict[str, tuple[Change, str, str]] = {
    "password": (
        new_password,
        "password_changed",
        "Le mot de passe de votre compte a été changé.",
    ),
    "recovery-address": (
        new_recovery_address,
        "recovery_email_changed",
        f"Votre adresse mail de secours est désormais {NEW_RECOVERY}.",
    ),
    "redirection-elsewhere": (
        redirection_elsewhere,
        "forwarding_changed",
        f"Vos mails sont désormais redirigés vers {ELSEWHERE}.",
    ),
    "redirection-to-recovery": (
        redirection_to_the_recovery_address,
        "forwarding_changed",
        f"Vos mails sont désormais redirigés vers {RECOVERY}.",
    ),
    "directory-consent": (
        directory_consent,
        "directory_consent_changed",
        "Vous apparaissez désormais dans l'annuaire public.",
    ),
}


@pytest.mark.parametrize(("change", "action", "notice"), CHANGES.values(), ids=list(CHANGES))
def test_change_writes_its_audit_event(
    activated: Activated, signed_in: Client, change: Change, action: str, notice: str
) -> None:
    change(signed_in)

    assert actions_of(activated.login)[-1] == action


@pytest.mark.parametrize(("change", "action", "notice"), CHANGES.values(), ids=list(CHANGES))
def test_change_is_confirmed_by_a_notice_to_the_recovery_address(
    signed_in: Client, change: Change, action: str, notice: str
) -> None:
    change(signed_in)

    notices = notices_to(RECOVERY)

    assert len(notices) == 1
    assert notice in str(notices[0].body)
    assert "jane.doe@umontpellier.fr" in str(notices[0].body)
