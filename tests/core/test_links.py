"""One-time links: what is stored, single use, revocation, expiry at 23:59 local, and the race
between two clicks."""

import hashlib
import re
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portique.core import links
from portique.core.links import (
    IssuedLink,
    LinkError,
    LinkExpired,
    LinkInvalid,
    LinkRevoked,
    LinkUsed,
    link_check,
    link_consume,
    link_issue,
    link_pending,
)
from portique.core.models import OneTimeLink
from tests.support.at_once import at_once

PARIS = ZoneInfo("Europe/Paris")
RECOVERY = OneTimeLink.Purpose.RECOVERY_EMAIL
FORWARDING = OneTimeLink.Purpose.FORWARDING_ADDRESS


def issue(subject: str = "jane.doe", purpose: str = RECOVERY) -> IssuedLink:
    return link_issue(subject=subject, purpose=purpose, email="perso@example.com")


@pytest.mark.django_db
def test_token_has_at_least_43_urlsafe_characters() -> None:
    token = issue().token

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)


@pytest.mark.django_db
def test_database_stores_the_sha256_of_the_token() -> None:
    issued = issue()

    stored = OneTimeLink.objects.get(pk=issued.link.pk)
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()


@pytest.mark.django_db
def test_token_appears_in_no_column() -> None:
    issued = issue()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {OneTimeLink._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert rows
    assert not [value for row in rows for value in row if issued.token in str(value)]


@pytest.mark.django_db
def test_two_links_get_different_tokens() -> None:
    assert issue("jane.doe").token != issue("paul.martin").token


@pytest.mark.django_db
def test_fresh_link_passes_the_check() -> None:
    issued = issue()

    assert link_check(token=issued.token, purpose=RECOVERY).pk == issued.link.pk


@pytest.mark.django_db
def test_checking_a_link_does_not_use_it() -> None:
    issued = issue()
    link_check(token=issued.token)

    assert link_consume(token=issued.token).pk == issued.link.pk


@pytest.mark.django_db
def test_link_is_consumed_once() -> None:
    issued = issue()

    consumed = link_consume(token=issued.token, purpose=RECOVERY)

    assert consumed.pk == issued.link.pk
    assert consumed.used_at is not None


@pytest.mark.django_db
def test_consumed_link_is_refused_as_used_by_consume() -> None:
    issued = issue()
    link_consume(token=issued.token)

    with pytest.raises(LinkUsed):
        link_consume(token=issued.token)


@pytest.mark.django_db
def test_consumed_link_is_refused_as_used_by_check() -> None:
    issued = issue()
    link_consume(token=issued.token)

    with pytest.raises(LinkUsed):
        link_check(token=issued.token)


@pytest.mark.django_db
def test_second_issue_revokes_the_first_link() -> None:
    first = issue()
    issue()

    with pytest.raises(LinkRevoked):
        link_check(token=first.token)


@pytest.mark.django_db
def test_second_issue_gives_a_working_link() -> None:
    issue()
    second = issue()

    assert link_consume(token=second.token).pk == second.link.pk


@pytest.mark.django_db
def test_issue_for_another_purpose_leaves_the_first_link_working() -> None:
    first = issue(purpose=RECOVERY)
    issue(purpose=FORWARDING)

    assert link_check(token=first.token).pk == first.link.pk


@pytest.mark.django_db
def test_issue_for_another_subject_leaves_the_first_link_working() -> None:
    first = issue("jane.doe")
    issue("paul.martin")

    assert link_check(token=first.token).pk == first.link.pk


@pytest.mark.django_db
def test_link_checked_for_another_purpose_is_invalid() -> None:
    issued = issue(purpose=RECOVERY)

    with pytest.raises(LinkInvalid):
        link_check(token=issued.token, purpose=FORWARDING)


@pytest.mark.django_db
def test_link_consumed_for_another_purpose_is_invalid_and_stays_usable() -> None:
    issued = issue(purpose=RECOVERY)

    with pytest.raises(LinkInvalid):
        link_consume(token=issued.token, purpose=FORWARDING)
    assert link_consume(token=issued.token, purpose=RECOVERY).pk == issued.link.pk


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "not-a-token", "A" * 43])
def test_unknown_token_is_invalid(token: str) -> None:
    issue()

    with pytest.raises(LinkInvalid):
        link_check(token=token)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (LinkInvalid, "invalid"),
        (LinkExpired, "expired"),
        (LinkUsed, "used"),
        (LinkRevoked, "revoked"),
    ],
)
def test_each_link_error_names_its_reason(error: type[LinkError], reason: str) -> None:
    assert error().reason == reason


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def issue_at(moment: datetime) -> IssuedLink:
    with time_machine.travel(moment, tick=False):
        return issue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("issued_at", "used_at"),
    [
        (paris(2026, 5, 12, 14, 0), paris(2026, 5, 12, 23, 59)),
        (paris(2026, 5, 12, 14, 0), paris(2026, 5, 12, 23, 59, 59)),
        (paris(2026, 5, 12, 23, 58), paris(2026, 5, 13, 0, 30)),
        (paris(2026, 5, 12, 23, 58), paris(2026, 5, 13, 0, 58)),
    ],
    ids=["1400-used-2359", "1400-used-235959", "2358-used-0030", "2358-used-0058"],
)
def test_link_works_until_its_deadline(issued_at: datetime, used_at: datetime) -> None:
    issued = issue_at(issued_at)

    with time_machine.travel(used_at, tick=False):
        assert link_consume(token=issued.token).pk == issued.link.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("issued_at", "used_at"),
    [
        (paris(2026, 5, 12, 14, 0), paris(2026, 5, 13, 0, 0, 1)),
        (paris(2026, 5, 12, 23, 58), paris(2026, 5, 13, 0, 59)),
        (paris(2026, 5, 12, 14, 0), paris(2026, 5, 14, 10, 0)),
    ],
    ids=["1400-refused-000001", "2358-refused-0059", "1400-refused-two-days-later"],
)
def test_link_is_refused_as_expired_after_its_deadline(
    issued_at: datetime, used_at: datetime
) -> None:
    issued = issue_at(issued_at)

    with time_machine.travel(used_at, tick=False), pytest.raises(LinkExpired):
        link_check(token=issued.token)


@pytest.mark.django_db
def test_expired_link_cannot_be_consumed() -> None:
    issued = issue_at(paris(2026, 5, 12, 14, 0))

    with time_machine.travel(paris(2026, 5, 13, 0, 0, 1), tick=False), pytest.raises(LinkExpired):
        link_consume(token=issued.token)


@pytest.mark.django_db
def test_link_issued_on_spring_forward_morning_works_at_2359_local() -> None:
    issued = issue_at(paris(2026, 3, 29, 9, 0))

    with time_machine.travel(paris(2026, 3, 29, 23, 59), tick=False):
        assert link_consume(token=issued.token).pk == issued.link.pk


@pytest.mark.django_db
def test_link_issued_on_fall_back_morning_is_refused_at_000001_local() -> None:
    issued = issue_at(paris(2026, 10, 25, 9, 0))

    with time_machine.travel(paris(2026, 10, 26, 0, 0, 1), tick=False), pytest.raises(LinkExpired):
        link_check(token=issued.token)


def consume_from_two_threads(token: str) -> list[object]:
    """Start two link_consume calls at the same instant; return what each returned or raised."""

    def click(barrier: threading.Barrier) -> object:
        barrier.wait()
        return link_consume(token=token)

    return at_once(click)


def assert_exactly_one_winner(outcomes: list[object], link: OneTimeLink) -> None:
    assert len(outcomes) == 2
    winners = [o for o in outcomes if isinstance(o, OneTimeLink)]
    losers = [o for o in outcomes if not isinstance(o, OneTimeLink)]
    assert [w.pk for w in winners] == [link.pk]
    assert [type(loser) for loser in losers] == [LinkUsed], losers
    assert OneTimeLink.objects.get(pk=link.pk).used_at is not None


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_consumes_exactly_one_wins() -> None:
    issued = issue()

    outcomes = consume_from_two_threads(issued.token)

    assert_exactly_one_winner(outcomes, issued.link)


@pytest.mark.django_db(transaction=True)
def test_when_both_clicks_pass_the_check_the_conditional_update_lets_one_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hold both threads after link_check, so that both saw an unused link and only the
    # conditional UPDATE can tell them apart.
    issued = issue()
    both_checked = threading.Barrier(2, timeout=10)
    real_check = links.link_check

    def check_then_wait(**kwargs: str | None) -> OneTimeLink:
        link = real_check(**kwargs)  # type: ignore[arg-type]
        both_checked.wait()
        return link

    monkeypatch.setattr(links, "link_check", check_then_wait)

    outcomes = consume_from_two_threads(issued.token)

    assert_exactly_one_winner(outcomes, issued.link)


@pytest.mark.django_db
def test_link_pending_returns_the_live_link() -> None:
    issued = issue()

    pending = link_pending(subject="jane.doe", purpose=RECOVERY)

    assert pending is not None
    assert pending.pk == issued.link.pk


@pytest.mark.django_db
def test_link_pending_returns_the_newest_link_after_a_resend() -> None:
    issue()
    second = issue()

    pending = link_pending(subject="jane.doe", purpose=RECOVERY)

    assert pending is not None
    assert pending.pk == second.link.pk


@pytest.mark.django_db
def test_link_pending_returns_none_once_the_link_is_used() -> None:
    issued = issue()
    link_consume(token=issued.token)

    assert link_pending(subject="jane.doe", purpose=RECOVERY) is None


@pytest.mark.django_db
def test_link_pending_returns_none_once_the_link_has_expired() -> None:
    issue_at(paris(2026, 5, 12, 14, 0))

    with time_machine.travel(paris(2026, 5, 13, 0, 0, 1), tick=False):
        assert link_pending(subject="jane.doe", purpose=RECOVERY) is None


@pytest.mark.django_db
def test_link_pending_returns_none_for_another_purpose() -> None:
    issue(purpose=RECOVERY)

    assert link_pending(subject="jane.doe", purpose=FORWARDING) is None


@pytest.mark.django_db
def test_links_sent_since_counts_per_person_and_per_address_whatever_its_case() -> None:
    with time_machine.travel(datetime(2025, 3, 12, 9, 0, tzinfo=PARIS), tick=False):
        link_issue(subject="jane.doe", purpose=RECOVERY, email="Perso@Example.com")
    with time_machine.travel(datetime(2025, 3, 12, 10, 0, tzinfo=PARIS), tick=False):
        link_issue(subject="jane.doe", purpose=RECOVERY, email="perso@example.com")
        link_issue(subject="jane.doe", purpose=FORWARDING, email="ailleurs@example.org")
        link_issue(subject="paul.martin", purpose=RECOVERY, email="PERSO@example.com")

    since = datetime(2025, 3, 12, 9, 30, tzinfo=PARIS)
    counts = links.links_sent_since(
        since, subject="jane.doe", purpose=RECOVERY, email="perso@EXAMPLE.com"
    )

    assert counts == (1, 2)


@pytest.mark.django_db
def test_the_resend_limit_reads_indexes_not_the_whole_table() -> None:
    # Every page that mails a link counts the links sent lately; the table holds every link
    # of the retention period, tens of thousands in the first week of the year.
    queries = CaptureQueriesContext(connection)
    with queries:
        links.links_sent_since(
            datetime(2025, 3, 12, tzinfo=PARIS),
            subject="jane.doe",
            purpose=RECOVERY,
            email="perso@example.com",
        )
    (count,) = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a nearly empty table PostgreSQL rightly prefers reading it all: ask it
            # whether it could do without reading it all.
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN {'QUERY PLAN ' if connection.vendor == 'sqlite' else ''}{count['sql']}"
        )
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "link_address_sent" in plan
    assert "Seq Scan" not in plan  # PostgreSQL
    assert "SCAN core_onetimelink" not in plan  # SQLite (an index read is a SEARCH)


@pytest.mark.django_db
def test_link_pending_read_in_sql_has_the_values_the_orm_reads() -> None:
    issue(purpose=FORWARDING)
    issued = issue()

    pending = link_pending(subject="jane.doe", purpose=RECOVERY)

    by_orm = OneTimeLink.objects.get(pk=issued.link.pk)
    assert pending is not None
    assert {f.attname: getattr(pending, f.attname) for f in OneTimeLink._meta.concrete_fields} == {
        f.attname: getattr(by_orm, f.attname) for f in OneTimeLink._meta.concrete_fields
    }


@pytest.mark.django_db
def test_the_link_checked_in_sql_has_the_values_the_orm_reads() -> None:
    issued = issue()

    checked = link_check(token=issued.token, purpose=RECOVERY)

    by_orm = OneTimeLink.objects.get(pk=issued.link.pk)
    assert {f.attname: getattr(checked, f.attname) for f in OneTimeLink._meta.concrete_fields} == {
        f.attname: getattr(by_orm, f.attname) for f in OneTimeLink._meta.concrete_fields
    }
