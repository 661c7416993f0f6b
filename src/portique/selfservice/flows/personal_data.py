"""« Télécharger mes données » (GDPR articles 15 and 20): everything Portique holds about the
logged-in person, gathered from each app's records, as one JSON document; the PDF is drawn
from the same document (selfservice/data_pdf.py). Nothing about anybody else: the audit
trail is the rows whose subject is the person, with who acted told only as "self" or
"other" (an agent's name is theirs, not the person's); no hash, no token, no mail body."""

import json
from datetime import date, datetime
from typing import Any

from django.db import transaction

from portique.accounts.models import Person
from portique.accounts.stores.base import AccountRecord, AccountStore
from portique.consents.selectors import consents_of
from portique.core import clock
from portique.core.audit import audit_record
from portique.core.models import AuditEvent
from portique.mail.models import OutboundMail
from portique.passwords.selectors import target_outcomes_last
from portique.selfservice.selectors import account_sessions_open
from portique.selfservice.services import account_store, activated_account

# The document's shape, so that whoever reads a file later knows which one it is.
FORMAT = "portique-personal-data/1"
# The audit actions that verified an address, and the data key that names it.
_RECOVERY_VERIFIED = {
    "recovery_email_confirmed": "email",
    "recovery_email_changed": "recovery_email",
}
_FORWARDING_VERIFIED = {
    "forwarding_address_confirmed": "email",
    "forwarding_changed": "forwarding_address",
}


def _moment(value: datetime | None) -> str | None:
    return value.astimezone(clock.local_zone()).isoformat() if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _verified_at(trail: list[AuditEvent], address: str, actions: dict[str, str]) -> datetime | None:
    """When `address` was last verified, as the audit trail tells it (every store alike)."""
    found = None
    for event in trail:
        key = actions.get(event.action)
        if key and str(event.data.get(key, "")).lower() == address.lower():
            found = event.at
    return found


def _identity(account: AccountRecord, person: Person | None) -> dict[str, Any]:
    return {
        "login": account.login,
        "email": account.email,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "category": account.category,
        "hr_id": person.hr_id if person else None,
        "department": person.department if person else None,
        "birth_date": _day(person.birth_date) if person else None,
        "contract_end": _day(person.contract_end) if person else None,
        "activated_at": _moment(account.activated_at),
    }


def _addresses(account: AccountRecord, trail: list[AuditEvent]) -> dict[str, Any]:
    recovery_at = (
        _verified_at(trail, account.recovery_email, _RECOVERY_VERIFIED)
        if account.recovery_email
        else None
    )
    forwarding_at = None
    if account.forwarding_address:
        forwarding_at = _verified_at(trail, account.forwarding_address, _FORWARDING_VERIFIED)
        if forwarding_at is None and account.forwarding_address.lower() == (
            account.recovery_email.lower()
        ):
            # Redirected to the recovery address: its link verified both.
            forwarding_at = recovery_at
    return {
        "recovery_email": {
            "address": account.recovery_email,
            "verified_at": _moment(recovery_at),
        },
        "forwarding": {
            "address": account.forwarding_address,
            "verified_at": _moment(forwarding_at),
            "keep_copy": account.keep_copy,
        },
    }


def _consents(account: AccountRecord) -> dict[str, Any]:
    history: dict[str, list[dict[str, Any]]] = {"charter": [], "directory": []}
    for record in consents_of(account.login):
        history[record.kind].append(
            {
                "version": record.version,
                "choice": record.choice,
                "at": _moment(record.at),
                "where": record.where,
                "ip": record.client_ip,
            }
        )
    return {
        "charter": {
            "version": account.charter_version,
            "accepted_at": _moment(account.charter_accepted_at),
            "history": history["charter"],
        },
        "directory": {
            "consent": account.directory_consent,
            "history": history["directory"],
        },
    }


def personal_data_of(
    *, login: str, session_key: str = "", store: AccountStore | None = None
) -> dict[str, Any]:
    """The document of what Portique holds about the activated account `login`; the session
    whose key is `session_key` is marked as the current one."""
    store = account_store(store)
    account = activated_account(login, store)
    trail = list(AuditEvent.objects.filter(subject=login).order_by("at", "id"))
    return {
        "format": FORMAT,
        "generated_at": _moment(clock.now()),
        "identity": _identity(account, Person.objects.filter(login=login).first()),
        "addresses": _addresses(account, trail),
        "consents": _consents(account),
        "sessions": [
            {
                "browser": line.browser,
                "created_at": _moment(line.created_at),
                "last_seen_at": _moment(line.last_seen_at),
                "current": line.current,
            }
            for line in account_sessions_open(login=login, current_key=session_key)
        ],
        "password_targets": [
            {
                "target": line.target,
                "outcome": line.outcome,
                "attempts": line.attempts,
                "at": _moment(line.at),
            }
            for line in target_outcomes_last(login)
        ],
        "mails": [
            {
                "kind": mail.kind,
                "to": mail.to,
                "subject": mail.subject,
                "status": mail.status,
                "created_at": _moment(mail.created_at),
                "sent_at": _moment(mail.sent_at),
            }
            for mail in OutboundMail.objects.filter(subject_login=login).order_by("created_at")
        ],
        "audit_trail": [
            {
                "at": _moment(event.at),
                "action": event.action,
                "by": "self" if event.actor == login else "other",
                "ip": event.client_ip,
                "details": event.data,
            }
            for event in trail
        ],
    }


def personal_data_export(
    *,
    login: str,
    file_format: str,
    session_key: str = "",
    ip: str | None = None,
    store: AccountStore | None = None,
) -> dict[str, Any]:
    """Return the document of `login` and audit that it was downloaded (`file_format`: json,
    pdf); the audit row comes after the document, which does not show its own download."""
    document = personal_data_of(login=login, session_key=session_key, store=store)
    with transaction.atomic():
        audit_record(
            actor=login, subject=login, action="personal_data_exported", ip=ip,
            format=file_format,
        )  # fmt: skip
    return document


def personal_data_json(document: dict[str, Any]) -> bytes:
    """The document as the JSON file people download: UTF-8, indented for a reader."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
