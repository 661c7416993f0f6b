"""HR onboarding: import people from HR's file, and reissue or revoke the provisional
passwords printed on their PASS'UM letters.

On a store that rolls back with the database (SQL) an import is one transaction of bulk
writes. Another store (LDAP) cannot roll back, so there each person is written in a
transaction of their own, one by one: an import cut short leaves the people already written,
and running it again (it is idempotent on hr_id) finishes the job. The accounts are the
store's to write (AccountStore.create_many and the like); this module writes the people.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from portique.accounts.models import Person
from portique.accounts.services import (
    account_reissue_provisional_password,
    person_create,
    provisional_password_expiry,
)
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore, NewAccount
from portique.activation.services import flows_end
from portique.core import clock
from portique.core.audit import audit_record, audit_record_many
from portique.onboarding.importers import (
    CheckedRows,
    LoginAllocator,
    PersonRow,
    Rejection,
    check_rows,
    login_base,
    read_csv,
)
from portique.onboarding.letters import Letter, render_letters
from portique.passwords import provisional

# Reports how many people are done, out of how many.
Progress = Callable[[int, int], None]
T = TypeVar("T")

# What a re-import may change; the login never changes, the credentials only on request.
_NAME_FIELDS = ("first_name", "last_name", "category")
_OPTIONAL_FIELDS = ("birth_date", "department", "contract_end", "personal_email")
# Rows written per bulk statement group, and keys per IN (...) list (SQLite's limit on
# parameters is 32,766; Oracle's IN lists stop at 1,000).
_BATCH = 1000


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """itertools.batched, which needs Python 3.12."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class ImportedPerson:
    line: int
    hr_id: str
    login: str


@dataclass
class ImportReport:
    """What an import did, line by line. `written` is False when invalid lines stopped it
    before anything was written."""

    created: list[ImportedPerson] = field(default_factory=list)
    updated: list[ImportedPerson] = field(default_factory=list)
    unchanged: list[ImportedPerson] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # The provisional passwords issued, in clear and in file order, for the letters only:
    # never stored, never logged.
    credentials: list[Letter] = field(default_factory=list, repr=False)
    written: bool = True

    def summary(self) -> str:
        return _(
            "Créés : %(created)s, mis à jour : %(updated)s, inchangés : %(unchanged)s, "
            "rejetés : %(rejected)s"
        ) % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }


class CannotReissue(Exception):
    """Some of the people have no provisional password to reissue: their account is already
    activated, or missing from the account store. Nothing was changed."""

    def __init__(self, *, activated: Sequence[str], missing: Sequence[str]) -> None:
        self.activated, self.missing = list(activated), list(missing)
        parts = []
        if activated:
            parts.append(_("compte déjà activé : %(logins)s") % {"logins": ", ".join(activated)})
        if missing:
            parts.append(_("aucun compte : %(logins)s") % {"logins": ", ".join(missing)})
        super().__init__(" ; ".join(parts))


def store_transaction(store: AccountStore | None = None) -> AbstractContextManager[object]:
    """Return a transaction for an import and what follows it (writing its letters) when
    the account store rolls back with the database (SQL). With another store, nothing: rolling
    back Portique's side alone would leave directory entries without their people, and the
    next import would give those people numbered logins."""
    store = store or get_account_store()
    return transaction.atomic() if store.rolls_back_with_database else nullcontext()


@dataclass(frozen=True)
class _Planned:
    row: PersonRow
    person: Person | None  # None: a new person
    login: str


def _read_rows(
    rows: Iterable[Mapping[str, str]] | None, file: bytes | IO[bytes] | None
) -> CheckedRows:
    if file is not None and rows is None:
        data = file if isinstance(file, bytes) else file.read()
        return check_rows(read_csv(data))
    if rows is not None and file is None:
        return check_rows((number, row) for number, row in enumerate(rows, 1))
    raise TypeError("people_import() takes rows or file, one of them")


def _people_by_hr_id(hr_ids: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in _batched(hr_ids, _BATCH):
        found.update((p.hr_id, p) for p in Person.objects.filter(hr_id__in=chunk) if p.hr_id)
    return found


def _flows_end(logins: list[str], *, actor: str) -> None:
    """End the activations in progress of these people: a flow opened with a provisional
    password must not outlive it (someone who found a lost letter is stopped too)."""
    flows_end(logins=logins, actor=actor, reason="activation_ended_with_letter")


def _plan(checked: CheckedRows, store: AccountStore) -> tuple[list[_Planned], list[Rejection]]:
    """Match each valid row with the person of its hr_id, check the logins the file gives
    against the database, and make logins for the new people who have none, in file order."""
    existing = _people_by_hr_id([row.hr_id for row in checked.valid])
    taken = set(Person.objects.values_list("login", flat=True))
    # A directory may hold entries that Portique did not create: the store answers.
    in_store = store.taken_logins()

    def is_taken(login: str) -> bool:
        return login in taken or login in in_store

    rejected = list(checked.rejected)
    kept: list[PersonRow] = []
    for row in checked.valid:
        person = existing.get(row.hr_id)
        if row.login and person is not None and row.login != person.login:
            reason = _(
                "le nom de connexion ne change pas à la réimportation (actuel : %(login)s)"
            ) % {"login": person.login}
            rejected.append(Rejection(row.line, row.hr_id, (reason,)))
        elif row.login and person is None and is_taken(row.login):
            reason = _("nom de connexion « %(login)s » déjà attribué") % {"login": row.login}
            rejected.append(Rejection(row.line, row.hr_id, (reason,)))
        else:
            kept.append(row)
    allocator = LoginAllocator(is_taken)
    for row in kept:
        if row.login:
            allocator.reserve(row.login)
    planned = []
    for row in kept:
        person = existing.get(row.hr_id)
        if person is not None:
            login = person.login
        else:
            login = row.login or allocator.allocate(login_base(row.first_name, row.last_name))
        planned.append(_Planned(row=row, person=person, login=login))
    rejected.sort(key=lambda rejection: rejection.line)
    return planned, rejected


def _changes(person: Person, row: PersonRow) -> list[str]:
    """Set on `person` what the row changes; return the names of the fields changed."""
    names = list(_NAME_FIELDS) + [name for name in _OPTIONAL_FIELDS if name in row.given]
    changed = [name for name in names if getattr(person, name) != getattr(row, name)]
    for name in changed:
        setattr(person, name, getattr(row, name))
    return changed


def _letter(person: Person, password: str, expires_at: datetime) -> Letter:
    return Letter(
        first_name=person.first_name,
        last_name=person.last_name,
        login=person.login,
        provisional_password=password,
        expires_at=expires_at,
    )


# Error reports (the debug page, mails to ADMINS) must not show the passwords in clear.
@sensitive_variables()
def _write_bulk(
    planned: list[_Planned],
    report: ImportReport,
    *,
    reissue: bool,
    actor: str,
    progress: Progress | None,
    store: AccountStore,
) -> None:
    """Write the import with a few statements per thousand people, in the caller's
    transaction, which the store's writes share."""
    now = clock.now()
    expires_at = provisional_password_expiry(now)
    existing_logins = [item.login for item in planned if item.person is not None]
    states = store.activation_states(existing_logins) if reissue else {}
    reissued_logins: list[str] = []
    done = 0
    for chunk in _batched(planned, _BATCH):
        new_people: list[Person] = []
        changed_people: list[Person] = []
        new_passwords: dict[str, str] = {}
        renewed_passwords: dict[str, str] = {}
        audits: list[tuple[str, str, dict[str, Any]]] = []
        for item in chunk:
            row, entry = item.row, ImportedPerson(item.row.line, item.row.hr_id, item.login)
            if item.person is None:
                person = Person(
                    hr_id=row.hr_id,
                    login=item.login,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    category=row.category,
                    birth_date=row.birth_date,
                    department=row.department,
                    contract_end=row.contract_end,
                    personal_email=row.personal_email,
                    provisional_password_expires_at=expires_at,
                    letter_issued_at=now,
                )
                new_people.append(person)
                new_passwords[item.login] = password = provisional.generate()
                report.created.append(entry)
                report.credentials.append(_letter(person, password, expires_at))
                audits.append(
                    (item.login, "person_created", {"category": row.category, "hr_id": row.hr_id})
                )
                continue
            person = item.person
            fields = _changes(person, row)
            # Only an account awaiting activation has a provisional password to renew.
            renew = states.get(item.login) is False
            if fields:
                audits.append((item.login, "person_updated", {"fields": fields}))
            if renew:
                person.provisional_password_expires_at = expires_at
                person.letter_issued_at = now
                renewed_passwords[item.login] = password = provisional.generate()
                report.credentials.append(_letter(person, password, expires_at))
                audits.append((item.login, "provisional_password_reissued", {}))
            if fields or renew:
                changed_people.append(person)
                report.updated.append(entry)
            else:
                report.unchanged.append(entry)

        Person.objects.bulk_create(new_people)
        store.create_many(
            [
                NewAccount(
                    login=person.login,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    category=person.category,
                    provisional_password=new_passwords[person.login],
                )
                for person in new_people
            ]
        )
        if changed_people:
            Person.objects.bulk_update(
                changed_people,
                [
                    *_NAME_FIELDS,
                    *_OPTIONAL_FIELDS,
                    "provisional_password_expires_at",
                    "letter_issued_at",
                ],
            )
        if renewed_passwords:
            store.set_provisional_passwords(renewed_passwords)
            reissued_logins.extend(renewed_passwords)
        audit_record_many(actor=actor, events=audits)
        done += len(chunk)
        if progress is not None:
            progress(done, len(planned))
    _flows_end(reissued_logins, actor=actor)


@sensitive_variables()
def _write_one_by_one(
    planned: list[_Planned],
    report: ImportReport,
    *,
    reissue: bool,
    actor: str,
    progress: Progress | None,
    store: AccountStore,
) -> None:
    """Write the import through the store's own methods, one person at a time."""
    for done, item in enumerate(planned, 1):
        row, entry = item.row, ImportedPerson(item.row.line, item.row.hr_id, item.login)
        if item.person is None:
            credentials = person_create(
                login=item.login,
                first_name=row.first_name,
                last_name=row.last_name,
                category=row.category,
                hr_id=row.hr_id,
                birth_date=row.birth_date,
                department=row.department,
                contract_end=row.contract_end,
                personal_email=row.personal_email,
                actor=actor,
                store=store,
            )
            person = Person.objects.get(login=credentials.login)
            report.created.append(entry)
            report.credentials.append(
                _letter(person, credentials.provisional_password, credentials.expires_at)
            )
        else:
            person = item.person
            with transaction.atomic():
                fields = _changes(person, row)
                if fields:
                    person.save(update_fields=fields)
                    audit_record(
                        actor=actor, subject=item.login, action="person_updated", fields=fields
                    )
                record = store.find(item.login) if reissue else None
                renew = record is not None and not record.activated
                if renew:
                    issued = account_reissue_provisional_password(
                        login=item.login, actor=actor, store=store
                    )
                    person.provisional_password_expires_at = issued.expires_at
                    report.credentials.append(
                        _letter(person, issued.provisional_password, issued.expires_at)
                    )
                    _flows_end([item.login], actor=actor)
            (report.updated if fields or renew else report.unchanged).append(entry)
        if progress is not None and (done % 100 == 0 or done == len(planned)):
            progress(done, len(planned))


@sensitive_variables()
def people_import(
    *,
    rows: Iterable[Mapping[str, str]] | None = None,
    file: bytes | IO[bytes] | None = None,
    reissue: bool = False,
    skip_invalid: bool = False,
    actor: str,
    progress: Progress | None = None,
    source: str = "",
    store: AccountStore | None = None,
) -> ImportReport:
    """Create or update the people of HR's file (`file`, CSV bytes) or of `rows` (dicts
    keyed by column, numbered from 1), matched on hr_id. New people, and with `reissue` those
    awaiting activation, get a provisional password, returned in file order for their
    letters. With an invalid line and no `skip_invalid`, nothing is written."""
    checked = _read_rows(rows, file)
    store = store or get_account_store()
    # One transaction of bulk writes where the store's writes roll back with it.
    bulk = store.rolls_back_with_database
    with store_transaction(store):
        planned, rejected = _plan(checked, store)
        report = ImportReport(rejected=rejected)
        if rejected and not skip_invalid:
            report.written = False
            return report
        if bulk:
            _write_bulk(
                planned, report, reissue=reissue, actor=actor, progress=progress, store=store
            )
        else:
            _write_one_by_one(
                planned, report, reissue=reissue, actor=actor, progress=progress, store=store
            )
        audit_record(
            actor=actor, subject=source[:150], action="people_imported", reissue=reissue,
            created=len(report.created), updated=len(report.updated),
            unchanged=len(report.unchanged), rejected=len(report.rejected),
        )  # fmt: skip
    return report


@sensitive_variables()
def credentials_reissue(
    *, people: list[Person], actor: str, store: AccountStore | None = None
) -> bytes:
    """Give these people new provisional passwords (the old ones stop working) and return
    the PDF of their letters, one page each in the given order. Raises CannotReissue, having
    changed nothing, when one of them has no account awaiting activation."""
    store = store or get_account_store()
    states = store.activation_states([person.login for person in people])
    activated = [p.login for p in people if states.get(p.login) is True]
    missing = [p.login for p in people if p.login not in states]
    if activated or missing:
        raise CannotReissue(activated=activated, missing=missing)
    with transaction.atomic():
        letters = []
        for person in people:
            issued = account_reissue_provisional_password(
                login=person.login, actor=actor, store=store
            )
            person.provisional_password_expires_at = issued.expires_at
            letters.append(_letter(person, issued.provisional_password, issued.expires_at))
        _flows_end([person.login for person in people], actor=actor)
        # Rendered inside the transaction: if it fails, the old letters keep working.
        return render_letters(letters)


@sensitive_variables()
def credentials_revoke(
    *, people: list[Person], actor: str, store: AccountStore | None = None
) -> int:
    """Make the provisional passwords of these people stop working now (a random one
    replaces each, and nobody ever sees it); return how many were revoked. People already
    activated, or without an account, are left as they are."""
    store = store or get_account_store()
    states = store.activation_states([person.login for person in people])
    revocable = [person for person in people if states.get(person.login) is False]
    now = clock.now()
    with transaction.atomic():
        for person in revocable:
            store.set_provisional_password(person.login, provisional.generate())
            Person.objects.filter(pk=person.pk).update(provisional_password_expires_at=now)
            person.provisional_password_expires_at = now
            audit_record(actor=actor, subject=person.login, action="provisional_password_revoked")
        _flows_end([person.login for person in revocable], actor=actor)
    return len(revocable)
