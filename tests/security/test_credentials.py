"""Passwords as ASVS V6.2 wants them handled: masked fields that password managers may
fill, checked exactly as typed, long ones allowed, common ones refused; and no account
that comes with the installation."""

import re
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import User

from portique.accounts.models import Account
from tests.factories import DemoPerson
from tests.security.conftest import STEP_2, STEP_3, MakeWalker, attempt, browser, reach_new_password
from tests.support.pages import text

STEP_9 = "/activation/mot-de-passe/"
INPUT = re.compile(r"<input\b[^>]*>")


def inputs(response: Any) -> dict[str, str]:
    """The page's <input> tags, by name."""
    found = {}
    for tag in INPUT.findall(response.content.decode()):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name:
            found[name.group(1)] = tag
    return found


def test_password_fields_mask_what_is_typed(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    walker.identify()
    step_2 = inputs(walker.client.get(STEP_2))
    reach_new_password(walker_for(staff))
    step_9 = inputs(walker.client.get(STEP_9))

    fields = [
        step_2["provisional_password"],
        step_9["new_password"],
        step_9["new_password_confirmation"],
    ]
    assert all('type="password"' in field for field in fields)


def test_password_fields_invite_password_managers(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    step_2 = inputs(walker.client.get(STEP_2))
    reach_new_password(walker_for(staff))
    step_9 = inputs(walker.client.get(STEP_9))

    assert 'autocomplete="current-password"' in step_2["provisional_password"]
    assert 'autocomplete="new-password"' in step_9["new_password"]
    assert 'autocomplete="new-password"' in step_9["new_password_confirmation"]


def test_provisional_password_in_another_case_is_refused(staff: DemoPerson) -> None:
    response = attempt(browser(), staff.login, staff.provisional_password.swapcase())

    assert response.status_code == 200
    assert "Identifiant ou mot de passe provisoire incorrect." in text(response)


def test_provisional_password_with_a_trailing_space_is_refused(staff: DemoPerson) -> None:
    response = attempt(browser(), staff.login, staff.provisional_password + " ")

    assert response.status_code == 200
    assert response.get("Location") != STEP_3


LONG = "Kq7wz3Rm-Tb9x" * 5  # 65 characters, no word, no name


def test_new_password_of_65_characters_is_accepted_and_kept_whole(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_new_password(walker)

    response = walker.set_password(LONG)

    stored = Account.objects.get(login=staff.login).password
    assert response["Location"] == "/activation/termine/"
    assert check_password(LONG, stored)
    assert not check_password(LONG[:64], stored)


def test_new_password_among_the_most_used_is_refused(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_new_password(walker)

    response = walker.set_password("azerty123")

    assert response.status_code == 200
    assert "Ce mot de passe fait partie des plus utilisés." in text(response)
    assert Account.objects.get(login=staff.login).activated_at is None


def test_installation_comes_with_no_account(db: None) -> None:
    assert not User.objects.exists()
    assert not Account.objects.exists()
