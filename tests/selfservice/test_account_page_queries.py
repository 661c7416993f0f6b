""" "Compte Informatique" lists the sessions in one query whatever their number, and writes
"last used" at most every five minutes: the page stays as cheap as the activation's pages
(tests/test_query_counts.py counts the same way)."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.after_activation import Activated, logged_in_browser
from tests.test_query_counts import data_queries

pytest_plugins = ["tests.support.after_activation"]

LOGIN_AT = datetime(2025, 3, 13, 8, 15, tzinfo=UTC)
# Load the session, find the account, list the sessions.
SHOWN = 3
# The same, and "last used" moved forward, and the session saved with its new stamp.
SHOWN_AND_SEEN = 5


def queries_of_the_page(browser: Client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get("/compte/").status_code == 200
    return data_queries(captured)


def test_account_page_costs_3_queries_within_five_minutes_of_the_last_use(
    activated: Activated,
) -> None:
    with time_machine.travel(LOGIN_AT, tick=False) as traveller:
        browser = logged_in_browser(activated.login)
        traveller.shift(timedelta(seconds=30))

        assert len(queries_of_the_page(browser)) == SHOWN


def test_account_page_costs_5_queries_when_it_moves_the_last_use_forward(
    activated: Activated,
) -> None:
    with time_machine.travel(LOGIN_AT, tick=False) as traveller:
        browser = logged_in_browser(activated.login)
        traveller.shift(timedelta(minutes=6))

        assert len(queries_of_the_page(browser)) == SHOWN_AND_SEEN


def test_account_page_costs_no_more_with_ten_sessions_open(activated: Activated) -> None:
    with time_machine.travel(LOGIN_AT, tick=False) as traveller:
        browser = logged_in_browser(activated.login)
        for _ in range(9):
            logged_in_browser(activated.login)
        traveller.shift(timedelta(seconds=30))

        assert len(queries_of_the_page(browser)) == SHOWN
