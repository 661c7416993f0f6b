"""Write the audit trail. Callers run inside the transaction of the change they record."""

from typing import Any

from django.http import HttpRequest

from portique.core import clock
from portique.core.models import AuditEvent

# Keys that must never reach an audit row, whatever a caller passes by mistake.
_SECRET_KEYS = frozenset({"password", "provisional_password", "token", "new_password"})


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's address as the server saw it (behind a proxy, see deploy docs)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *, actor: str, subject: str, action: str, ip: str | None = None, **data: Any
) -> AuditEvent:
    """Append one audit row; secret-looking keys are refused rather than stored."""
    leaked = _SECRET_KEYS.intersection(data)
    if leaked:
        raise ValueError(f"refusing to audit secret fields: {sorted(leaked)}")
    return AuditEvent.objects.create(
        at=clock.now(), actor=actor, subject=subject, action=action, client_ip=ip, data=data
    )
