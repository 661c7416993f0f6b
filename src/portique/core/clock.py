"""The one place that tells the time, so tests can move it (time-machine) and code can ask
for "today" in the institution's time zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    """Return the current time, aware, in UTC."""
    return timezone.now()


def local_zone() -> ZoneInfo:
    """Return the institution's time zone (PORTIQUE_TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime | None = None) -> date:
    """Return the institution's calendar date of `moment`, today by default."""
    return (moment or now()).astimezone(local_zone()).date()


def local_midnight(day: date) -> datetime:
    """Return 00:00 of the local `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def end_of_local_day(moment: datetime) -> datetime:
    """Return 23:59:59.999999 of the local day that contains `moment`, as an aware datetime.

    Built from the local date rather than by adding hours, so that the 23- and 25-hour days
    of daylight saving time still end at 23:59 on the wall clock.
    """
    return datetime.combine(local_date(moment), time(23, 59, 59, 999999), tzinfo=local_zone())


def link_deadline(sent_at: datetime, *, min_lifetime: timedelta) -> datetime:
    """Return when a link sent at `sent_at` stops working: 23:59 that day, or later if that
    would leave it less than `min_lifetime`."""
    return max(end_of_local_day(sent_at), sent_at + min_lifetime)
