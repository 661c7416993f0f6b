"""The charter's consent records as CSV, for a CNIL or internal audit: who accepted (or
refused) which charter version, when, where and from which address. Streamed row by row
from the database (consents/selectors.charter_records reads it in chunks), so that a whole
university's history never sits in memory."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portique.consents.selectors import charter_records
from portique.core import clock
from portique.core.audit import audit_record


class _Line:
    """csv.writer's file: hands back what it was given, one line at a time."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(records: Iterable[dict[str, Any]], header: list[str]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in records:
        at: datetime = row["at"]
        yield writer.writerow(
            [
                row["login"],
                row["first_name"] or "",
                row["last_name"] or "",
                row["version"],
                row["choice"],
                at.astimezone(clock.local_zone()).isoformat(timespec="seconds"),
                row["where"],
                row["client_ip"] or "",
            ]
        )


def consents_export(
    *,
    actor: str,
    since: date | None = None,
    until: date | None = None,
    version: str = "",
    ip: str | None = None,
) -> Iterator[str]:
    """Audit the export by `actor` with its filters, then return its CSV lines, to be read
    as they are sent."""
    with transaction.atomic():
        audit_record(
            actor=actor, subject=actor, action="consents_exported", ip=ip,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            version=version,
        )  # fmt: skip
    header = [
        _("identifiant"), _("prénom"), _("nom"), _("version"), _("choix"), _("date"),
        _("lieu"), _("adresse IP"),
    ]  # fmt: skip
    return _csv_lines(charter_records(since=since, until=until, version=version), header)
