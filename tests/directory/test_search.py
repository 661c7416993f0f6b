"""The public directory at /annuaire/: activated people who consented, found by name, a
page at a time, and not to be scraped."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from portique.accounts.models import Account
from portique.onboarding.services import people_import
from tests.factories import DemoPerson
from tests.support.after_activation import (
    ACTIVATED_AT,
    PARIS,
    Activated,
    ActivatePerson,
    listed_person,
)
from tests.support.pages import text

pytest_plugins = ["tests.support.after_activation"]

ENTRY = re.compile(
    r'<tr><td>(.*?)</td><td><a href="mailto:[^"]+">(.*?)</a></td><td>(.*?)</td></tr>'
)


def entries(response: Any) -> list[tuple[str, str, str]]:
    """The rows of the results table: name, university address, category."""
    assert response.status_code == 200
    return [
        (" ".join(name.split()), address, category)
        for name, address, category in ENTRY.findall(response.content.decode())
    ]


def addresses(response: Any) -> list[str]:
    return [address for _name, address, _category in entries(response)]


def search(client: Client, query: str, page: int | None = None) -> Any:
    params: dict[str, str | int] = {"q": query}
    if page is not None:
        params["page"] = page
    return client.get("/annuaire/", params)


JANE = "jane.doe@umontpellier.fr"
consenting = pytest.mark.parametrize("activated", [True], indirect=True)


# --- Who is found ----------------------------------------------------------------------


@consenting
def test_consenting_person_is_found_with_name_address_and_category(
    activated: Activated, client: Client
) -> None:
    assert entries(search(client, "Doe")) == [("DOE Jane", JANE, "Personnel")]


@consenting
def test_person_is_found_by_first_name(activated: Activated, client: Client) -> None:
    assert addresses(search(client, "Jane")) == [JANE]


@consenting
def test_search_ignores_case(activated: Activated, client: Client) -> None:
    assert addresses(search(client, "dOE")) == [JANE]


@consenting
def test_search_finds_part_of_a_name(activated: Activated, client: Client) -> None:
    assert addresses(search(client, "do")) == [JANE]


@consenting
def test_person_matching_every_word_is_found(activated: Activated, client: Client) -> None:
    assert addresses(search(client, "jane DOE")) == [JANE]


@consenting
def test_person_matching_only_some_words_is_not_found(activated: Activated, client: Client) -> None:
    listed_person("paul.martin", first_name="Paul", last_name="Martin")

    assert addresses(search(client, "Jane Martin")) == []


@pytest.mark.parametrize("query", ["élodie", "LEFÈVRE"])
def test_search_ignores_the_case_of_accented_letters(client: Client, db: None, query: str) -> None:
    listed_person("elodie.lefevre", first_name="Élodie", last_name="Lefèvre")

    assert addresses(search(client, query)) == ["elodie.lefevre@umontpellier.fr"]


@pytest.mark.parametrize("query", ["helene", "LEFEVRE", "hélene lefévre"])
def test_search_ignores_the_accents_of_the_name(client: Client, db: None, query: str) -> None:
    listed_person("helene.lefevre", first_name="Hélène", last_name="Lefèvre")

    assert addresses(search(client, query)) == ["helene.lefevre@umontpellier.fr"]


def test_search_with_accents_finds_a_name_written_without(client: Client, db: None) -> None:
    listed_person("elodie.martin", first_name="Elodie", last_name="MARTIN")

    assert addresses(search(client, "Élodie")) == ["elodie.martin@umontpellier.fr"]


def test_person_renamed_by_an_hr_import_is_found_by_the_new_name(client: Client, db: None) -> None:
    row = {"hr_id": "20250042", "first_name": "Helene", "last_name": "Martin", "category": "staff"}
    people_import(rows=[row], actor="hr.agent")
    # The second import renames her in bulk, as HR's file of the next day would.
    people_import(rows=[{**row, "first_name": "Hélène", "last_name": "Lefèvre"}], actor="hr.agent")
    Account.objects.filter(login="helene.martin").update(
        activated_at=ACTIVATED_AT, directory_consent=True
    )

    assert addresses(search(client, "lefevre")) == ["helene.martin@umontpellier.fr"]


def test_student_is_listed_as_student(client: Client, db: None) -> None:
    listed_person("lea.bernard", first_name="Léa", last_name="Bernard", category="student")

    assert entries(search(client, "Bernard")) == [
        ("BERNARD Léa", "lea.bernard@umontpellier.fr", "Étudiant")
    ]


def test_activated_person_who_declined_never_appears(activated: Activated, client: Client) -> None:
    page = search(client, "Doe")

    assert addresses(page) == []
    assert JANE not in text(page)


def test_person_not_yet_activated_never_appears(staff: DemoPerson, client: Client) -> None:
    page = search(client, "Doe")

    assert addresses(page) == []
    assert JANE not in text(page)


def test_unactivated_account_marked_as_consenting_never_appears(client: Client, db: None) -> None:
    listed_person("jean.doe", first_name="Jean", last_name="Doe", activated=False)

    assert addresses(search(client, "Doe")) == []


def test_only_the_consenting_one_of_three_namesakes_appears(
    staff: DemoPerson, activate: ActivatePerson, client: Client
) -> None:
    activate(staff, directory_consent=True)
    listed_person("john.doe", first_name="John", last_name="Doe", consent=False)
    listed_person("jean.doe", first_name="Jean", last_name="Doe", activated=False)

    assert addresses(search(client, "Doe")) == [JANE]


@consenting
@pytest.mark.parametrize("query", ["", "   ", "D", " d "], ids=["empty", "spaces", "D", "d"])
def test_empty_or_one_letter_query_lists_nobody(
    activated: Activated, client: Client, query: str
) -> None:
    page = search(client, query)

    assert addresses(page) == []
    assert "Saisissez au moins deux lettres" in text(page)


def test_results_say_how_many_people_were_found(client: Client, db: None) -> None:
    listed_person("jane.doe", first_name="Jane", last_name="Doe")
    listed_person("john.doe", first_name="John", last_name="Doe")

    assert "2 personnes trouvées" in text(search(client, "Doe"))


# --- A page at a time --------------------------------------------------------------------


@pytest.fixture
def twenty_five_duponts(db: None) -> None:
    for number in range(1, 26):
        listed_person(f"dupont{number:02d}", first_name=f"Prénom{number:02d}", last_name="Dupont")


def test_first_page_shows_twenty_people(twenty_five_duponts: None, client: Client) -> None:
    assert len(entries(search(client, "Dupont"))) == 20


def test_second_page_shows_the_last_five(twenty_five_duponts: None, client: Client) -> None:
    assert addresses(search(client, "Dupont", page=2)) == [
        f"dupont{number:02d}@umontpellier.fr" for number in range(21, 26)
    ]


def test_first_page_says_page_1_of_2(twenty_five_duponts: None, client: Client) -> None:
    page = text(search(client, "Dupont"))

    assert "Page 1 sur 2" in page
    assert "25 personnes trouvées" in page


def test_first_page_links_to_the_second(twenty_five_duponts: None, client: Client) -> None:
    assert 'href="?q=Dupont&amp;page=2"' in search(client, "Dupont").content.decode()


def test_pages_together_list_everyone_once(twenty_five_duponts: None, client: Client) -> None:
    both = addresses(search(client, "Dupont")) + addresses(search(client, "Dupont", page=2))

    assert sorted(both) == [f"dupont{number:02d}@umontpellier.fr" for number in range(1, 26)]


def test_page_beyond_the_last_lists_the_people_of_the_last(
    twenty_five_duponts: None, client: Client
) -> None:
    page = search(client, "Dupont", page=9)

    assert len(entries(page)) == 5
    assert "Page 2 sur 2" in text(page)


# --- Not to be scraped -------------------------------------------------------------------


@pytest.fixture
def three_per_minute(settings: Any) -> None:
    settings.PORTIQUE_DIRECTORY_SEARCHES_PER_MINUTE = 3


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2025, 3, 13, 10, 0, 5, tzinfo=PARIS), tick=False) as t:
        yield t


def searches(client: Client, times: int) -> list[int]:
    return [search(client, "Doe").status_code for _ in range(times)]


def test_fourth_search_within_a_minute_is_refused_with_429(
    three_per_minute: None, clock: time_machine.Traveller, db: None
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")

    assert searches(client, 4) == [200, 200, 200, 429]


def test_refused_search_says_to_wait_a_minute(
    three_per_minute: None, clock: time_machine.Traveller, db: None
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    searches(client, 3)

    assert "réessayez dans une minute" in text(search(client, "Doe"))


@consenting
def test_refused_search_lists_nobody(
    activated: Activated, three_per_minute: None, clock: time_machine.Traveller
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    searches(client, 3)

    assert JANE not in search(client, "Doe").content.decode()


def test_another_address_is_not_limited(
    three_per_minute: None, clock: time_machine.Traveller, db: None
) -> None:
    searches(Client(REMOTE_ADDR="203.0.113.7"), 4)

    assert searches(Client(REMOTE_ADDR="198.51.100.9"), 1) == [200]


def test_searches_are_allowed_again_a_minute_later(
    three_per_minute: None, clock: time_machine.Traveller, db: None
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    searches(client, 4)

    clock.shift(timedelta(seconds=61))

    assert searches(client, 3) == [200, 200, 200]


def test_queries_too_short_to_search_are_not_counted(
    three_per_minute: None, clock: time_machine.Traveller, db: None
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        search(client, "D")

    assert searches(client, 3) == [200, 200, 200]


def test_search_limit_is_thirty_per_minute_by_default(
    clock: time_machine.Traveller, db: None
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")

    assert searches(client, 31)[-2:] == [200, 429]
