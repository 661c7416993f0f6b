"""The links "Compte Informatique" mails: the token leaves the address bar at once, and a
used or expired link gives the plain link error page with a way back."""

from datetime import datetime

import time_machine
from django.test import Client

from tests.support.after_activation import (
    ACCOUNT_LINK,
    ELSEWHERE,
    NEW_RECOVERY,
    PARIS,
    RECOVERY,
    Activated,
    change_forwarding,
    change_recovery_email,
    follow_account_link,
    link_to,
    logged_in_browser,
    token_of,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

BACK = '<a class="button" href="/compte/">Retour à mon compte</a>'


def test_link_landing_moves_the_token_out_of_the_address_bar(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)
    link = link_to(NEW_RECOVERY, ACCOUNT_LINK)

    landing = signed_in.get(link)

    assert landing.status_code == 302
    assert landing["Location"] == "/compte/lien/"
    assert token_of(link) not in landing["Location"]


def test_link_landing_sends_no_referrer(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)

    landing = signed_in.get(link_to(NEW_RECOVERY, ACCOUNT_LINK))

    assert landing["Referrer-Policy"] == "no-referrer"


def test_confirmation_page_keeps_same_origin_referrers(signed_in: Client) -> None:
    # Not no-referrer: under it browsers send "Origin: null" with the form's POST and CSRF
    # refuses it. The token already left the address at the landing.
    change_recovery_email(signed_in, NEW_RECOVERY)
    signed_in.get(link_to(NEW_RECOVERY, ACCOUNT_LINK))

    page = signed_in.get("/compte/lien/")

    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"


def test_used_link_gives_the_link_error_page_with_a_way_back(signed_in: Client) -> None:
    change_recovery_email(signed_in, NEW_RECOVERY)
    link = link_to(NEW_RECOVERY, ACCOUNT_LINK)
    follow_account_link(signed_in, link)

    signed_in.get(link)
    again = signed_in.get("/compte/lien/")

    assert again.status_code == 410
    assert "Ce lien a déjà été utilisé" in text(again)
    assert BACK in again.content.decode()


def test_used_link_cannot_confirm_again(activated: Activated, signed_in: Client) -> None:
    change_forwarding(signed_in, ELSEWHERE)
    link = link_to(ELSEWHERE, ACCOUNT_LINK)
    follow_account_link(signed_in, link)
    change_forwarding(signed_in, RECOVERY)

    assert follow_account_link(Client(), link).status_code == 410
    assert activated.account.forwarding_address == RECOVERY


def test_expired_link_gives_the_link_error_page_with_a_way_back(activated: Activated) -> None:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, tzinfo=PARIS), tick=False) as clock:
        change_recovery_email(logged_in_browser(activated.login), NEW_RECOVERY)
        link = link_to(NEW_RECOVERY, ACCOUNT_LINK)
        clock.move_to(datetime(2025, 3, 14, 0, 0, 1, tzinfo=PARIS))
        browser = Client()

        browser.get(link)
        expired = browser.get("/compte/lien/")

    assert expired.status_code == 410
    assert "Ce lien a expiré" in text(expired)
    assert BACK in expired.content.decode()


def test_expired_link_changes_nothing(activated: Activated) -> None:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, tzinfo=PARIS), tick=False) as clock:
        change_recovery_email(logged_in_browser(activated.login), NEW_RECOVERY)
        link = link_to(NEW_RECOVERY, ACCOUNT_LINK)
        clock.move_to(datetime(2025, 3, 14, 0, 0, 1, tzinfo=PARIS))

        follow_account_link(Client(), link)

    assert activated.account.recovery_email == RECOVERY


def test_link_still_works_at_2359_the_day_it_was_sent(activated: Activated) -> None:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, tzinfo=PARIS), tick=False) as clock:
        change_recovery_email(logged_in_browser(activated.login), NEW_RECOVERY)
        link = link_to(NEW_RECOVERY, ACCOUNT_LINK)
        clock.move_to(datetime(2025, 3, 13, 23, 59, tzinfo=PARIS))

        follow_account_link(Client(), link)

    assert activated.account.recovery_email == NEW_RECOVERY


def test_made_up_link_gives_the_link_error_page(client: Client, db: None) -> None:
    client.get("/compte/lien/not-a-real-token/")

    page = client.get("/compte/lien/")

    assert page.status_code == 400
    assert "Ce lien n'est pas valable" in text(page)
