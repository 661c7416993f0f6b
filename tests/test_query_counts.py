"""No page of the activation costs more than 10 database queries: each step's page and form,
the link pages, the resend buttons and the last page, walked as a browser walks them.

A query here is a statement that reads or writes data. Transaction control (BEGIN, and the
SAVEPOINT and RELEASE that each transaction becomes inside a test's own transaction) is left
out of the count: PostgreSQL's driver sends BEGIN without Django seeing it, SQLite's is a
statement, and a test case turns each transaction into a savepoint pair; counting them would
measure the backend and the test harness, not the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import DemoPerson
from tests.support.mail import last_link

MAX_QUERIES = 10
A = "/activation/"
RECOVERY = "perso@example.com"
FORWARDING = "ailleurs@example.org"
PASSWORD = "Velo-rouge-mardi-42"
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]


class CountingBrowser:
    """A test client that notes how many queries each request cost, under its page's name."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.counts: dict[str, list[str]] = {}

    def _request(self, name: str, send: Callable[[], Any], expect: int) -> Any:
        with CaptureQueriesContext(connection) as captured:
            response = send()
        assert response.status_code == expect, f"{name}: {response.status_code}"
        queries = data_queries(captured)
        if name not in self.counts or len(queries) > len(self.counts[name]):
            self.counts[name] = queries
        return response

    def get(self, path: str, *, name: str = "", expect: int = 200) -> Any:
        return self._request(f"GET {name or path}", lambda: self.client.get(path), expect)

    def post(
        self, path: str, data: dict[str, str] | None = None, *, name: str = "", expect: int = 302
    ) -> Any:
        return self._request(
            f"POST {name or path}", lambda: self.client.post(path, data or {}), expect
        )

    def step(self, path: str, data: dict[str, str] | None = None) -> str:
        """Show the page, post its form; return where the form sent the browser."""
        self.get(path)
        return str(self.post(path, data)["Location"])

    def follow_link(self, link: str) -> str:
        self.get(link, name=A + "lien/<token>/", expect=302)
        return self.step(A + "lien/")

    def over_the_limit(self) -> dict[str, int]:
        return {name: len(queries) for name, queries in self.counts.items() if len(queries) > 10}


def walk_the_activation(browser: CountingBrowser, person: DemoPerson) -> None:
    """Steps 1 to 10 with a redirection to another address (so step 8 too), a resent mail
    at steps 4 and 8, and one "Modifier" on the way."""
    assert browser.step(A + "identifiant/", {"identifier": person.login}) == (
        A + "mot-de-passe-provisoire/"
    )
    assert browser.step(
        A + "mot-de-passe-provisoire/", {"provisional_password": person.provisional_password}
    ) == (A + "mail-de-secours/")
    address = {"recovery_email": RECOVERY, "recovery_email_confirmation": RECOVERY}
    assert browser.step(A + "mail-de-secours/", address) == A + "mail-de-secours/envoye/"
    assert browser.step(A + "mail-de-secours/envoye/") == A + "mail-de-secours/envoye/"
    assert browser.follow_link(last_link(RECOVERY)) == A + "charte/"
    assert browser.step(A + "charte/", {"accept": "on"}) == A + "annuaire/"
    assert browser.step(A + "annuaire/", {"directory_consent": "on"}) == A + "messagerie/"
    assert browser.post(A + "modifier/annuaire/")["Location"] == A + "annuaire/"
    assert browser.step(A + "annuaire/", {}) == A + "messagerie/"
    forwarding = {
        "wants_forwarding": "on",
        "forwarding_address": FORWARDING,
        "forwarding_address_confirmation": FORWARDING,
        "keep_copy": "on",
    }
    assert browser.step(A + "messagerie/", forwarding) == A + "messagerie/envoye/"
    assert browser.step(A + "messagerie/envoye/") == A + "messagerie/envoye/"
    assert browser.follow_link(last_link(FORWARDING)) == A + "mot-de-passe/"
    browser.get(A + "mot-de-passe/")
    browser.post(A + "mot-de-passe/regles/", {"password": PASSWORD}, expect=200)
    new_password = {"new_password": PASSWORD, "new_password_confirmation": PASSWORD}
    assert browser.post(A + "mot-de-passe/", new_password)["Location"] == A + "termine/"
    browser.get(A + "termine/")


@pytest.mark.django_db
def test_no_page_of_the_activation_costs_more_than_10_queries(
    staff: DemoPerson, client: Client
) -> None:
    browser = CountingBrowser(client)

    walk_the_activation(browser, staff)

    assert len(browser.counts) == 24, sorted(browser.counts)
    assert browser.over_the_limit() == {}, "\n\n".join(
        f"{name}:\n  " + "\n  ".join(browser.counts[name]) for name in browser.over_the_limit()
    )


@pytest.mark.django_db
def test_no_page_costs_more_than_10_queries_for_a_person_who_comes_back(
    staff: DemoPerson, client: Client
) -> None:
    first = CountingBrowser(client)
    first.step(A + "identifiant/", {"identifier": staff.login})
    first.step(A + "mot-de-passe-provisoire/", {"provisional_password": staff.provisional_password})
    again = CountingBrowser(Client())

    walk_the_activation(again, staff)

    assert again.over_the_limit() == {}
