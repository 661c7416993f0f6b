"""Charter versions: when the institution publishes a new charter, a person who accepted an
older one accepts the new one at their next login, before anything else."""

from typing import Any

import pytest
from django.test import Client

from portique.consents.models import ConsentRecord
from tests.support.after_activation import (
    ACTIVATED_AT,
    Activated,
    actions_of,
    change_directory_consent,
    facts,
    logged_in_browser,
    logged_out,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

NEW_VERSION = "2026-01"


@pytest.fixture
def new_charter(activated: Activated, settings: Any) -> Client:
    """The institution publishes a new charter after Jane's activation and asks for its
    re-acceptance; she logs in."""
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    settings.PORTIQUE_CHARTER_REACCEPT = True
    return logged_in_browser(activated.login)


def accept(client: Client) -> Any:
    return client.post("/compte/charte/", {"accept": "on"})


def test_account_page_sends_to_the_new_charter(new_charter: Client) -> None:
    response = new_charter.get("/compte/")

    assert response.status_code == 302
    assert response["Location"] == "/compte/charte/"


def test_charter_page_names_the_new_version(new_charter: Client) -> None:
    page = text(new_charter.get("/compte/charte/"))

    assert f"La charte informatique a changé (version {NEW_VERSION})" in page


def test_not_ticking_the_box_keeps_the_person_on_the_charter_page(new_charter: Client) -> None:
    refused = new_charter.post("/compte/charte/", {})

    assert refused.status_code == 200
    assert "Vous devez accepter la charte informatique pour poursuivre." in text(refused)
    assert new_charter.get("/compte/")["Location"] == "/compte/charte/"


def test_not_ticking_the_box_records_nothing(activated: Activated, new_charter: Client) -> None:
    before = actions_of(activated.login).count("charter_accepted")

    new_charter.post("/compte/charte/", {})

    assert activated.account.charter_version == "2024-09"
    assert actions_of(activated.login).count("charter_accepted") == before


def test_changes_wait_for_the_new_charter(activated: Activated, new_charter: Client) -> None:
    response = change_directory_consent(new_charter, True)

    assert response["Location"] == "/compte/charte/"
    assert activated.account.directory_consent is False


def test_acceptance_leads_to_the_account_page(new_charter: Client) -> None:
    response = accept(new_charter)

    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    assert new_charter.get("/compte/").status_code == 200


def test_acceptance_stores_the_new_version(activated: Activated, new_charter: Client) -> None:
    accept(new_charter)

    assert activated.account.charter_version == NEW_VERSION


def test_acceptance_stores_a_new_acceptance_time(activated: Activated, new_charter: Client) -> None:
    accept(new_charter)

    accepted_at = activated.account.charter_accepted_at
    assert accepted_at is not None
    assert accepted_at > ACTIVATED_AT


def test_acceptance_writes_a_charter_accepted_audit_event(
    activated: Activated, new_charter: Client
) -> None:
    accept(new_charter)

    assert actions_of(activated.login)[-1] == "charter_accepted"


def test_account_page_shows_the_new_version_after_acceptance(new_charter: Client) -> None:
    accept(new_charter)

    shown = facts(new_charter.get("/compte/"))["Charte informatique"]

    assert shown.startswith(f"version {NEW_VERSION}, acceptée le ")


def test_person_with_the_current_version_is_not_asked_again(signed_in: Client) -> None:
    assert signed_in.get("/compte/").status_code == 200


def test_new_version_is_asked_for_by_default(activated: Activated, settings: Any) -> None:
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    browser = logged_in_browser(activated.login)

    assert browser.get("/compte/")["Location"] == "/compte/charte/"


def test_new_version_is_not_asked_for_when_the_setting_is_off(
    activated: Activated, settings: Any
) -> None:
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    settings.PORTIQUE_CHARTER_REACCEPT = False
    browser = logged_in_browser(activated.login)

    assert browser.get("/compte/").status_code == 200


def test_acceptance_writes_a_consent_record_of_the_new_version(
    activated: Activated, new_charter: Client
) -> None:
    accept(new_charter)

    record = ConsentRecord.objects.filter(login=activated.login, kind="charter").last()
    assert record is not None
    assert (record.version, record.choice) == (NEW_VERSION, "accepted")
    assert record.where == "reacceptance"
    assert record.client_ip == "127.0.0.1"


def test_own_data_can_be_downloaded_before_accepting(new_charter: Client) -> None:
    assert new_charter.get("/compte/mes-donnees.pdf").status_code == 200


def test_the_page_asked_for_is_opened_after_the_acceptance(new_charter: Client) -> None:
    asked_for = "/compte/mes-donnees.json"
    page = new_charter.get(f"/compte/charte/?next={asked_for}").content.decode()

    accepted = new_charter.post("/compte/charte/", {"accept": "on", "next": asked_for})

    assert f'name="next" value="{asked_for}"' in page
    assert accepted["Location"] == asked_for


def test_a_next_page_elsewhere_is_not_followed(new_charter: Client) -> None:
    accepted = new_charter.post(
        "/compte/charte/", {"accept": "on", "next": "https://evil.example/"}
    )

    assert accepted["Location"] == "/compte/"


def test_refusal_logs_the_person_out(new_charter: Client) -> None:
    refused = new_charter.post("/compte/charte/refuser/")

    assert refused["Location"] == "/"
    assert logged_out(new_charter)


def test_refusal_writes_a_refused_record_and_an_audit_row(
    activated: Activated, new_charter: Client
) -> None:
    new_charter.post("/compte/charte/refuser/")

    record = ConsentRecord.objects.filter(login=activated.login, kind="charter").last()
    assert record is not None
    assert (record.version, record.choice) == (NEW_VERSION, "refused")
    assert actions_of(activated.login)[-2:] == ["charter_refused", "logout"]
    assert activated.account.charter_version == "2024-09"


def test_after_a_refusal_the_next_login_asks_again(
    activated: Activated, new_charter: Client
) -> None:
    new_charter.post("/compte/charte/refuser/")

    again = logged_in_browser(activated.login)

    assert again.get("/compte/")["Location"] == "/compte/charte/"


def test_login_through_the_single_sign_on_goes_to_the_new_charter_first(
    activated: Activated, settings: Any
) -> None:
    settings.PORTIQUE_CHARTER_VERSION = NEW_VERSION
    settings.PORTIQUE_CHARTER_REACCEPT = True
    settings.PORTIQUE_AUTH = "remote_user"
    settings.PORTIQUE_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.1"]
    browser = Client()

    landed = browser.get("/sso/retour/", headers={"X-Remote-User": activated.login}, follow=True)

    assert landed.redirect_chain[-1][0] == "/compte/charte/"
    assert f"La charte informatique a changé (version {NEW_VERSION})" in text(landed)
