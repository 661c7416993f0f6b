"""Done when: a person activated yesterday logs in, changes the redirection and sees it
confirmed, forgets the password and sets a new one from the mail, and appears in the
public directory only if they consented. One walk through the test client."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.factories import DemoPerson
from tests.support.after_activation import (
    ACCOUNT_LINK,
    ELSEWHERE,
    NEW_PASSWORD,
    PARIS,
    PASSWORD,
    RECOVERY,
    RESET_LINK,
    change_forwarding,
    facts,
    follow_account_link,
    let_in,
    link_to,
    log_in,
    notices_to,
    walk_activation,
)
from tests.support.pages import text
from tests.support.walkers import Walker

pytest_plugins = ["tests.support.after_activation"]

DAY_D = datetime(2025, 6, 2, 16, 30, tzinfo=PARIS)


@pytest.mark.parametrize("consent", [True, False], ids=["consented", "declined"])
def test_person_activated_yesterday_uses_the_account_and_is_listed_as_chosen(
    staff: DemoPerson, walker_for: Callable[..., Walker], consent: bool
) -> None:
    with time_machine.travel(DAY_D, tick=False) as clock:
        walk_activation(walker_for(staff, Client()), directory_consent=consent)

        clock.move_to(DAY_D + timedelta(days=1, hours=-7))
        browser = Client()
        assert let_in(log_in(browser, staff.login, PASSWORD))
        assert facts(browser.get("/compte/"))["Compte activé le"] == "2 juin 2025 à 16:30"

        # The redirection, confirmed by the link mailed to the new address.
        assert change_forwarding(browser, ELSEWHERE)["Location"] == "/compte/"
        follow_account_link(browser, link_to(ELSEWHERE, ACCOUNT_LINK))
        page = browser.get("/compte/")
        assert "Adresse confirmée : la modification est enregistrée." in text(page)
        assert facts(page)["Redirection"].startswith(ELSEWHERE)
        assert any(ELSEWHERE in str(notice.body) for notice in notices_to(RECOVERY))

        # The password forgotten: a link to the recovery address, a new password.
        forgetful = Client()
        forgetful.post("/probleme-de-connexion/", {"identifier": staff.login})
        forgetful.get(link_to(RECOVERY, RESET_LINK))
        done = forgetful.post(
            "/probleme-de-connexion/nouveau-mot-de-passe/",
            {"new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD},
        )
        assert done["Location"] == "/probleme-de-connexion/termine/"
        assert browser.get("/compte/")["Location"] == "/", "the earlier session survived"
        assert not let_in(log_in(Client(), staff.login, PASSWORD))
        assert let_in(log_in(Client(), staff.login, NEW_PASSWORD))

        # The public directory, as anyone sees it.
        found = text(Client().get("/annuaire/", {"q": "Doe"}))
        assert (staff.email in found) is consent
