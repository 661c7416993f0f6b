"""Write the audit trail. Callers run inside the transaction of the change they record."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest

from portique.core import clock, sql
from portique.core.models import AuditEvent

# Keys that must never reach an audit row, whatever a caller passes by mistake.
_SECRET_KEYS = frozenset({"password", "provisional_password", "token", "new_password"})


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's address. Behind reverse proxies listed in
    PORTIQUE_TRUSTED_PROXIES, it is the last address of X-Forwarded-For that is not one of
    them; otherwise the connection's address, since anyone can write that header."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.PORTIQUE_TRUSTED_PROXIES
    if remote is None or remote not in trusted:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in chain if a]):
        if address not in trusted:
            return address
    return remote


def audit_record(
    *, actor: str, subject: str, action: str, ip: str | None = None, **data: Any
) -> AuditEvent:
    """Append one audit row; secret-looking keys are refused rather than stored."""
    leaked = _SECRET_KEYS.intersection(data)
    if leaked:
        raise ValueError(f"refusing to audit secret fields: {sorted(leaked)}")
    event = AuditEvent(
        at=clock.now(), actor=actor, subject=subject, action=action, client_ip=ip, data=data
    )
    # Every POST writes one or more: plain SQL saves the ORM's compiling (see core/sql.py).
    sql.insert(event)
    return event


def audit_record_many(
    *, actor: str, events: Iterable[tuple[str, str, dict[str, Any]]], ip: str | None = None
) -> None:
    """Append one audit row per (subject, action, data) in a few bulk inserts, for use cases
    that change thousands of people at once (an HR import); the same refusal of
    secret-looking keys."""
    now = clock.now()
    rows = []
    for subject, action, data in events:
        leaked = _SECRET_KEYS.intersection(data)
        if leaked:
            raise ValueError(f"refusing to audit secret fields: {sorted(leaked)}")
        rows.append(
            AuditEvent(at=now, actor=actor, subject=subject, action=action, client_ip=ip, data=data)
        )
    AuditEvent.objects.bulk_create(rows, batch_size=500)


def audit_purge() -> dict[str, int]:
    """Delete the audit rows older than PORTIQUE_AUDIT_RETENTION_DAYS and return how many of
    each action went, so that the caller, in the same transaction, can add them to counts
    computed from the trail."""
    old = AuditEvent.objects.filter(
        at__lt=clock.now() - timedelta(days=settings.PORTIQUE_AUDIT_RETENTION_DAYS)
    )
    counts = dict(old.values_list("action").annotate(n=Count("id")).order_by())
    old.delete()
    return counts
