"""The helpdesk finds a person by the name given on the phone, however it is typed."""

import pytest
from django.test import Client

from tests.factories import PersonFactory
from tests.support.pages import text

HELPDESK_SEARCH = "/admin/helpdesk/personfile/"
PEOPLE_SEARCH = "/admin/accounts/person/"


@pytest.fixture
def helene(db: None) -> None:
    # Logins that hold no part of the names: only the names can be found.
    PersonFactory(login="hlf042", first_name="Hélène", last_name="Lefèvre")
    PersonFactory(login="mdu017", first_name="Marc", last_name="Durand")


@pytest.mark.parametrize("typed", ["helene lefevre", "HÉLÈNE", "lefevre", "Hélène Lefèvre"])
def test_agent_finds_a_name_without_its_accents_or_case(
    helene: None, agent_browser: Client, typed: str
) -> None:
    found = text(agent_browser.get(HELPDESK_SEARCH, {"q": typed}))

    assert "hlf042" in found
    assert "mdu017" not in found


def test_agent_still_finds_by_login_and_each_word_must_match(
    helene: None, agent_browser: Client
) -> None:
    assert "mdu017" in text(agent_browser.get(HELPDESK_SEARCH, {"q": "mdu017"}))
    nobody = text(agent_browser.get(HELPDESK_SEARCH, {"q": "helene durand"}))
    assert "hlf042" not in nobody and "mdu017" not in nobody


def test_administrator_finds_a_name_without_its_accents_among_people(
    helene: None, admin_browser: Client
) -> None:
    found = text(admin_browser.get(PEOPLE_SEARCH, {"q": "helene"}))

    assert "hlf042" in found
    assert "mdu017" not in found
