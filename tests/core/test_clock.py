"""The local day and the deadline of a one-time link, in Europe/Paris, DST days included."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import Settings

from portique.core.clock import end_of_local_day, link_deadline, local_date, local_zone, now

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)
MIN_LIFETIME = timedelta(minutes=60)


@pytest.fixture(autouse=True)
def _paris(settings: Settings) -> None:
    settings.TIME_ZONE = "Europe/Paris"


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=PARIS)


def test_local_zone_is_the_configured_zone() -> None:
    assert local_zone() == PARIS


def test_now_is_aware_and_in_utc() -> None:
    assert now().utcoffset() == timedelta(0)


def test_ordinary_day_ends_at_235959_999999_local() -> None:
    end = end_of_local_day(paris(2026, 5, 12, 10, 0))

    assert end == paris(2026, 5, 12, 23, 59, 59, 999999)


def test_end_of_day_is_that_of_the_local_date_not_the_utc_date() -> None:
    # 22:30 UTC on 12 May is already 00:30 on 13 May in Paris (UTC+2).
    end = end_of_local_day(datetime(2026, 5, 12, 22, 30, tzinfo=UTC))

    assert end == paris(2026, 5, 13, 23, 59, 59, 999999)


def test_local_date_is_the_institutions_calendar_date() -> None:
    # 22:30 UTC on 12 May is already 13 May in Paris.
    assert local_date(datetime(2026, 5, 12, 22, 30, tzinfo=UTC)) == date(2026, 5, 13)


def test_local_date_is_today_by_default() -> None:
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        assert local_date() == date(2027, 1, 1)


def test_midnight_local_belongs_to_the_day_it_starts() -> None:
    assert end_of_local_day(paris(2026, 5, 13, 0, 0)) == paris(2026, 5, 13, 23, 59, 59, 999999)


@pytest.mark.parametrize(
    ("sent_at", "expected"),
    [
        # Early in the day: 23:59 that day.
        (paris(2026, 5, 12, 10, 0), paris(2026, 5, 12, 23, 59, 59, 999999)),
        (paris(2026, 5, 12, 0, 0), paris(2026, 5, 12, 23, 59, 59, 999999)),
        # One hour before midnight still leaves the full hour to 23:59.
        (paris(2026, 5, 12, 22, 59), paris(2026, 5, 12, 23, 59, 59, 999999)),
        # Later: the 60-minute minimum wins and carries the link past midnight.
        (paris(2026, 5, 12, 23, 0), paris(2026, 5, 13, 0, 0)),
        (paris(2026, 5, 12, 23, 58), paris(2026, 5, 13, 0, 58)),
        (paris(2026, 5, 12, 23, 59, 59), paris(2026, 5, 13, 0, 59, 59)),
    ],
    ids=["1000", "0000", "2259", "2300", "2358", "235959"],
)
def test_link_deadline_is_2359_or_sixty_minutes_whichever_is_later(
    sent_at: datetime, expected: datetime
) -> None:
    assert link_deadline(sent_at, min_lifetime=MIN_LIFETIME) == expected


def test_link_sent_at_1000_expires_at_2359_the_same_day() -> None:
    deadline = link_deadline(paris(2026, 5, 12, 10, 0), min_lifetime=MIN_LIFETIME)
    local = deadline.astimezone(PARIS)

    assert (local.date(), local.hour, local.minute) == (paris(2026, 5, 12).date(), 23, 59)


def test_link_sent_at_2358_expires_at_0058_the_next_day() -> None:
    deadline = link_deadline(paris(2026, 5, 12, 23, 58), min_lifetime=MIN_LIFETIME)
    local = deadline.astimezone(PARIS)

    assert (local.date(), local.hour, local.minute) == (paris(2026, 5, 13).date(), 0, 58)


def test_link_sent_at_2358_as_utc_gets_the_sixty_minute_minimum() -> None:
    # The services pass clock.now(), which is in UTC: 21:58 UTC is 23:58 in Paris in May.
    deadline = link_deadline(datetime(2026, 5, 12, 21, 58, tzinfo=UTC), min_lifetime=MIN_LIFETIME)

    assert deadline == paris(2026, 5, 13, 0, 58)


def test_spring_forward_day_lasts_23_hours() -> None:
    day_before = end_of_local_day(paris(2026, 3, 28, 12, 0))
    spring_day = end_of_local_day(paris(2026, 3, 29, 12, 0))

    # Same-zone subtraction in Python is wall-clock arithmetic; elapsed time needs UTC.
    assert spring_day.astimezone(UTC) - day_before.astimezone(UTC) == 23 * HOUR


def test_fall_back_day_lasts_25_hours() -> None:
    day_before = end_of_local_day(paris(2026, 10, 24, 12, 0))
    autumn_day = end_of_local_day(paris(2026, 10, 25, 12, 0))

    assert autumn_day.astimezone(UTC) - day_before.astimezone(UTC) == 25 * HOUR


@pytest.mark.parametrize(
    ("sent_at", "offset"),
    [
        # 29 March 2026: 02:00 becomes 03:00; the evening is in summer time.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), timedelta(hours=2)),  # 01:30 +01:00
        (datetime(2026, 3, 29, 7, 0, tzinfo=UTC), timedelta(hours=2)),  # 09:00 +02:00
        # 25 October 2026: 03:00 becomes 02:00; the evening is in winter time.
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), timedelta(hours=1)),  # 01:30 +02:00
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), timedelta(hours=1)),  # 02:30 +02:00
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), timedelta(hours=1)),  # 02:30 +01:00
        (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), timedelta(hours=1)),  # 09:00 +01:00
    ],
    ids=[
        "march-0130",
        "march-0900",
        "october-0130",
        "october-0230a",
        "october-0230b",
        "october-0900",
    ],
)
def test_link_sent_on_a_dst_day_ends_at_2359_wall_clock_with_the_evening_offset(
    sent_at: datetime, offset: timedelta
) -> None:
    deadline = link_deadline(sent_at, min_lifetime=MIN_LIFETIME)
    sent_local = sent_at.astimezone(PARIS)

    assert deadline.astimezone(PARIS).replace(tzinfo=None) == datetime(
        sent_local.year, sent_local.month, sent_local.day, 23, 59, 59, 999999
    )
    assert deadline.utcoffset() == offset


def test_link_sent_on_29_march_morning_expires_at_2159_utc() -> None:
    deadline = link_deadline(paris(2026, 3, 29, 9, 0), min_lifetime=MIN_LIFETIME)

    assert deadline == datetime(2026, 3, 29, 21, 59, 59, 999999, tzinfo=UTC)


def test_link_sent_on_25_october_morning_expires_at_2259_utc() -> None:
    deadline = link_deadline(paris(2026, 10, 25, 9, 0), min_lifetime=MIN_LIFETIME)

    assert deadline == datetime(2026, 10, 25, 22, 59, 59, 999999, tzinfo=UTC)
