"""The dashboard's figures, computed by selectors against known data (see known_data),
and the page that draws them as SVG on the server."""

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from portique.core import clock
from portique.helpdesk.selectors import counts as count_selectors
from portique.helpdesk.selectors import funnel as funnel_selectors
from tests.helpdesk.conftest import make_flow

STEPS = [
    "people",
    "provisional_password_accepted",
    "recovery_email_given",
    "recovery_email_confirmed",
    "charter_accepted",
    "directory_chosen",
    "forwarding_chosen",
    "activated",
]


def counts(funnel: funnel_selectors.Funnel) -> dict[str, int]:
    return {stage.key: stage.count for stage in funnel.stages}


# --- Selectors --------------------------------------------------------------------------


def test_last_import_is_the_day_the_newest_people_were_created(known_data: None) -> None:
    assert funnel_selectors.last_import_day() == date(2025, 3, 10)


def test_funnel_of_the_last_import_counts_each_person_once_at_their_furthest(
    known_data: None,
) -> None:
    funnel = funnel_selectors.funnel_last_import()

    assert funnel.since == date(2025, 3, 10)
    assert [stage.key for stage in funnel.stages] == STEPS
    assert list(counts(funnel).values()) == [6, 5, 4, 3, 2, 2, 1, 1]


def test_funnel_of_this_week_counts_the_people_who_began_since_monday(known_data: None) -> None:
    funnel = funnel_selectors.funnel_this_week()

    assert funnel.since == date(2025, 3, 10)
    assert list(counts(funnel).values()) == [6, 6, 4, 3, 2, 2, 1, 1]


def test_funnel_without_anyone_is_all_zeros(db: None) -> None:
    funnel = funnel_selectors.funnel_last_import()

    assert funnel.since is None
    assert set(counts(funnel).values()) == {0}


def test_activations_per_day_cover_30_local_days_ending_today(known_data: None) -> None:
    days = count_selectors.activations_per_day(days=30)

    assert len(days) == 30
    assert (days[0].day, days[-1].day) == (date(2025, 2, 11), date(2025, 3, 12))
    assert {day.day: day.count for day in days if day.count} == {
        date(2025, 2, 11): 1,
        # 00:30 in Paris is still the day before in UTC: the local day counts.
        date(2025, 3, 7): 1,
        date(2025, 3, 11): 1,
        date(2025, 3, 12): 1,
    }


def test_mail_backlog_counts_queued_and_failed_mails(known_data: None) -> None:
    assert count_selectors.mail_backlog() == count_selectors.MailBacklog(queued=2, failed=1)


def test_open_flows_are_counted_by_state_expired_and_finished_ones_left_out(
    known_data: None,
) -> None:
    assert {k: v for k, v in count_selectors.open_flows_by_state().items() if v} == {
        "awaiting_recovery_email": 2,
        "awaiting_recovery_email_confirmation": 2,
        "awaiting_charter_acceptance": 1,
    }


def test_a_person_who_went_back_still_counts_at_the_step_they_had_reached(db: None) -> None:
    from tests.helpdesk.conftest import people_created_at

    people_created_at(clock.now(), "back")
    make_flow("back", "awaiting_recovery_email", recovery_email="", directory_consent=True)

    assert counts(funnel_selectors.funnel_last_import())["directory_chosen"] == 1


# --- The page ---------------------------------------------------------------------------


@pytest.fixture
def dashboard(known_data: None, agent_browser: Client) -> Any:
    response = agent_browser.get("/helpdesk/")
    assert response.status_code == 200
    return response


def section(response: Any, element_id: str) -> str:
    body = response.content.decode()
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</section>", start)]


def table_counts(html: str) -> list[int]:
    return [
        int(n)
        for n in re.findall(r'<tr data-stage="\w+"><th scope="row">[^<]*</th><td>(\d+)', html)
    ]


def test_dashboard_shows_both_funnels(dashboard: Any) -> None:
    assert table_counts(section(dashboard, "funnel-last-import")) == [6, 5, 4, 3, 2, 2, 1, 1]
    assert table_counts(section(dashboard, "funnel-this-week")) == [6, 6, 4, 3, 2, 2, 1, 1]


def test_dashboard_shows_the_mail_backlog(dashboard: Any) -> None:
    body = dashboard.content.decode()

    assert '<dd id="mails-queued">2</dd>' in body
    assert '<dd id="mails-failed">1</dd>' in body


def test_dashboard_draws_the_funnel_as_svg_bars_scaled_to_the_largest(dashboard: Any) -> None:
    chart = section(dashboard, "funnel-last-import")
    widths = [
        float(w) for w in re.findall(r'<rect class="chart__bar" [^>]*width="([\d.]+)"', chart)
    ]

    assert "<svg" in chart
    assert widths[0] == 400.0
    assert widths == [round(400 * n / 6, 1) for n in (6, 5, 4, 3, 2, 2, 1, 1)]


def test_dashboard_draws_30_days_of_activations(dashboard: Any) -> None:
    chart = section(dashboard, "activations-per-day")

    assert chart.count('<rect class="chart__bar"') == 30
    assert "4 activations en 30 jours." in chart
    assert '<tr data-day="2025-03-07"><th scope="row">07/03/2025</th><td>1</td>' in chart


def test_dashboard_needs_no_script_no_inline_style_and_nothing_from_elsewhere(
    dashboard: Any,
) -> None:
    body = dashboard.content.decode()
    ours = body[body.index('id="helpdesk-dashboard"') :]

    assert "style=" not in ours
    assert "<script" not in ours
    # The SVG namespace is a name, not an address anything is fetched from.
    assert set(re.findall(r"https?://[^\"' ]+", ours)) == {"http://www.w3.org/2000/svg"}
    assert "'unsafe-inline'" not in dashboard["Content-Security-Policy"]


def test_dashboard_numbers_are_not_localised_inside_the_svg(
    dashboard: Any, agent_browser: Client
) -> None:
    # In French a decimal comma would break every coordinate.
    chart = section(dashboard, "funnel-last-import")

    assert re.search(r'width="\d+,\d"', chart) is None
    assert 'width="333.3"' in chart


def test_dashboard_speaks_english_to_an_english_browser(
    known_data: None, agent_browser: Client
) -> None:
    page = agent_browser.get("/helpdesk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Activation dashboard" in page
    assert "Recovery address confirmed" in page
    assert "4 activations in 30 days." in page
