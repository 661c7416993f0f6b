"""Write consent records. Callers run inside the transaction of the change they record,
beside its audit row."""

from django.conf import settings

from portique.consents.models import DIRECTORY_NOTICE_VERSION, ConsentRecord
from portique.core import clock, sql

Kind = ConsentRecord.Kind
Choice = ConsentRecord.Choice
Where = ConsentRecord.Where


def consent_record(
    *, login: str, kind: str, version: str, accepted: bool, where: str, ip: str | None = None
) -> ConsentRecord:
    """Append one consent record, timed by the clock."""
    record = ConsentRecord(
        login=login,
        kind=kind,
        version=version,
        choice=Choice.ACCEPTED if accepted else Choice.REFUSED,
        at=clock.now(),
        where=where,
        client_ip=ip,
    )
    # Written at two of the activation's steps: plain SQL saves the ORM's compiling.
    sql.insert(record)
    return record


def consent_record_charter(
    *, login: str, accepted: bool, where: str, ip: str | None = None, version: str = ""
) -> ConsentRecord:
    """Record the acceptance or refusal of the charter, of the current version unless told."""
    return consent_record(
        login=login,
        kind=Kind.CHARTER,
        version=version or settings.PORTIQUE_CHARTER_VERSION,
        accepted=accepted,
        where=where,
        ip=ip,
    )


def consent_record_directory(
    *, login: str, consent: bool, where: str, ip: str | None = None
) -> ConsentRecord:
    """Record the person's choice to appear in the public directory, or not, under the
    current directory notice."""
    return consent_record(
        login=login,
        kind=Kind.DIRECTORY,
        version=DIRECTORY_NOTICE_VERSION,
        accepted=consent,
        where=where,
        ip=ip,
    )
