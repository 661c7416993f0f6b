"""One-time links: issue, check and consume.

A link's token has 256 bits of randomness and is stored only as its SHA-256, so lookups are
by hash (no secret is compared byte by byte) and the database never holds a usable link.
Issuing a new link for the same person and purpose revokes the previous ones.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from portique.core import clock, sql
from portique.core.models import OneTimeLink


class LinkError(Exception):
    """The link cannot be used; `reason` says why, for the error page."""

    reason = "invalid"


class LinkInvalid(LinkError):
    reason = "invalid"


class LinkExpired(LinkError):
    reason = "expired"


class LinkUsed(LinkError):
    reason = "used"


class LinkRevoked(LinkError):
    reason = "revoked"


@dataclass(frozen=True)
class IssuedLink:
    token: str
    link: OneTimeLink

    @property
    def expires_at(self) -> datetime:
        return self.link.expires_at


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The two UPDATEs of every mailed link, in plain SQL as core/sql.py explains: built by the
# ORM, each cost more CPU to compile than to run.


def _revoke_pending(*, subject: str, purpose: str, now: datetime) -> None:
    connection = sql.connection_for(OneTimeLink)
    column = partial(sql.columns, OneTimeLink, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, values as parameters:
            f"UPDATE {sql.table(OneTimeLink, connection)} SET {column('revoked_at')} = %s"  # noqa: S608
            f" WHERE {column('subject')} = %s AND {column('purpose')} = %s"
            f" AND {column('used_at')} IS NULL AND {column('revoked_at')} IS NULL",
            sql.prepared(OneTimeLink, connection, revoked_at=now, subject=subject, purpose=purpose),
        )


def _mark_used(pk: int, *, now: datetime) -> int:
    connection = sql.connection_for(OneTimeLink)
    column = partial(sql.columns, OneTimeLink, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, values as parameters:
            f"UPDATE {sql.table(OneTimeLink, connection)} SET {column('used_at')} = %s"  # noqa: S608
            f" WHERE {column('pk')} = %s AND {column('used_at')} IS NULL"
            f" AND {column('revoked_at')} IS NULL AND {column('expires_at')} >= %s",
            sql.prepared(OneTimeLink, connection, used_at=now, pk=pk, expires_at=now),
        )
        return cursor.rowcount


def link_issue(
    *, subject: str, purpose: str, email: str, flow_id: UUID | None = None
) -> IssuedLink:
    """Create a link for `subject` and `purpose`, revoking the earlier ones still pending."""
    now = clock.now()
    _revoke_pending(subject=subject, purpose=purpose, now=now)
    token = secrets.token_urlsafe(32)
    min_lifetime = timedelta(minutes=settings.PORTIQUE_LINK_MIN_LIFETIME_MINUTES)
    link = OneTimeLink(
        token_hash=_hash(token),
        purpose=purpose,
        subject=subject,
        flow_id=flow_id,
        email=email,
        created_at=now,
        expires_at=clock.link_deadline(now, min_lifetime=min_lifetime),
    )
    sql.insert(link)
    return IssuedLink(token=token, link=link)


def _link_of(token_hash: str, purpose: str | None) -> OneTimeLink | None:
    # Every link followed reads it twice (its page, then its form): written in SQL
    # (core/sql.py), as OneTimeLink.objects.filter(token_hash=.., purpose=..).get() would
    # write it; the hash is unique.
    connection = sql.connection_for(OneTimeLink, write=False)
    column = partial(sql.columns, OneTimeLink, connection=connection)
    where = f"{column('token_hash')} = %s"
    params = sql.prepared(OneTimeLink, connection, token_hash=token_hash)
    if purpose is not None:
        where += f" AND {column('purpose')} = %s"
        params += sql.prepared(OneTimeLink, connection, purpose=purpose)
    return cast(OneTimeLink | None, sql.first(OneTimeLink, where, params, connection=connection))


def link_check(*, token: str, purpose: str | None = None) -> OneTimeLink:
    """Return the pending link for `token` (of `purpose`, when given), or raise the
    LinkError that says why not."""
    link = _link_of(_hash(token), purpose)
    if link is None:
        raise LinkInvalid()
    if link.used_at is not None:
        raise LinkUsed()
    if link.revoked_at is not None:
        raise LinkRevoked()
    if clock.now() > link.expires_at:
        raise LinkExpired()
    return link


def link_consume(*, token: str, purpose: str | None = None) -> OneTimeLink:
    """Mark the link used and return it; of two concurrent calls, exactly one succeeds."""
    link = link_check(token=token, purpose=purpose)
    now = clock.now()
    # The conditional UPDATE is the arbiter: of two concurrent callers, one sees a row change.
    won = _mark_used(link.pk, now=now)
    if not won:
        raise LinkUsed()
    link.used_at = now
    return link


def link_pending(*, subject: str, purpose: str) -> OneTimeLink | None:
    """Return the link for `subject` and `purpose` that can still be used, if any."""
    # Each "a link was sent" page asks it: written in SQL (core/sql.py), as the ORM writes
    # OneTimeLink.objects.filter(subject=.., purpose=.., used_at__isnull=True,
    # revoked_at__isnull=True, expires_at__gte=now).order_by("-created_at").first().
    connection = sql.connection_for(OneTimeLink, write=False)
    column = partial(sql.columns, OneTimeLink, connection=connection)
    link = sql.first(
        OneTimeLink,
        f"{column('subject')} = %s AND {column('purpose')} = %s AND {column('used_at')} IS NULL"
        f" AND {column('revoked_at')} IS NULL AND {column('expires_at')} >= %s",
        sql.prepared(
            OneTimeLink, connection, subject=subject, purpose=purpose, expires_at=clock.now()
        ),
        order_by=f"{column('created_at')} DESC",
        connection=connection,
    )
    return cast(OneTimeLink | None, link)


def links_sent_since(since: datetime, *, subject: str, purpose: str, email: str) -> tuple[int, int]:
    """Return how many links were sent since `since` to this person for this purpose, and
    how many to this address (whatever its case), whoever asked."""
    # One query, on every page that mails a link, whose two halves each read an index of
    # their own: the table holds every link of the retention period. The rows it finds are
    # few (the limit stops each count just past it), so they are told apart here: counting
    # them in SQL with two filtered aggregates cost twice the CPU to build.
    # Written in SQL (core/sql.py) as the ORM writes OneTimeLink.objects.annotate(address=
    # Lower("email")).filter(Q(subject=.., purpose=.., created_at__gte=since) | Q(address=..,
    # created_at__gte=since)).values_list("subject", "purpose", "address"): LOWER() of the
    # column, as the index link_address_sent is made.
    address = email.lower()
    connection = sql.connection_for(OneTimeLink, write=False)
    column = partial(sql.columns, OneTimeLink, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column('subject', 'purpose')}, LOWER({column('email')})"  # noqa: S608 (names quoted by the backend)
            f" FROM {sql.table(OneTimeLink, connection)}"
            f" WHERE ({column('subject')} = %s AND {column('purpose')} = %s"
            f" AND {column('created_at')} >= %s)"
            f" OR (LOWER({column('email')}) = %s AND {column('created_at')} >= %s)",
            [
                *sql.prepared(
                    OneTimeLink,
                    connection,
                    subject=subject,
                    purpose=purpose,
                    created_at=since,
                    email=address,
                ),
                *sql.prepared(OneTimeLink, connection, created_at=since),
            ],
        )
        rows = cursor.fetchall()
    per_person = per_address = 0
    for row_subject, row_purpose, row_address in rows:
        per_person += row_subject == subject and row_purpose == purpose
        per_address += row_address == address
    return per_person, per_address


def links_purge() -> int:
    """Delete the links used, revoked or expired longer ago than
    PORTIQUE_LINK_RETENTION_DAYS; returns how many."""
    cutoff = clock.now() - timedelta(days=settings.PORTIQUE_LINK_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = OneTimeLink.objects.filter(
            Q(used_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
        ).delete()
    return deleted
