"""Read consent records: one person's history, and the charter's records for an audit."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery

from portique.accounts.models import Person
from portique.consents.models import ConsentRecord
from portique.core import clock

# Rows read from the database at a time by the export: its memory does not grow with it.
EXPORT_CHUNK = 2000


def consents_of(login: str) -> QuerySet[ConsentRecord]:
    """The consent records of `login`, oldest first."""
    return ConsentRecord.objects.filter(login=login).order_by("at", "id")


def charter_versions() -> list[str]:
    """The charter versions that have records, newest first by name."""
    return sorted(
        ConsentRecord.objects.filter(kind=ConsentRecord.Kind.CHARTER)
        .values_list("version", flat=True)
        .distinct(),
        reverse=True,
    )


def charter_records(
    *, since: date | None = None, until: date | None = None, version: str = ""
) -> Iterator[dict[str, object]]:
    """The charter's records from the local day `since` to the local day `until` included
    (either open), of one version or all, oldest first, with the person's names when HR
    declared them; read in chunks, so that a whole university's history fits."""
    records = ConsentRecord.objects.filter(kind=ConsentRecord.Kind.CHARTER)
    if since is not None:
        records = records.filter(at__gte=clock.local_midnight(since))
    if until is not None:
        records = records.filter(at__lt=clock.local_midnight(until + timedelta(days=1)))
    if version:
        records = records.filter(version=version)
    people = Person.objects.filter(login=OuterRef("login"))
    return (
        records.annotate(
            first_name=Subquery(people.values("first_name")[:1]),
            last_name=Subquery(people.values("last_name")[:1]),
        )
        .order_by("at", "id")
        .values("login", "first_name", "last_name", "version", "choice", "at", "where", "client_ip")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
