"""The default account store: accounts kept in Portique's own database."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import partial
from itertools import islice
from typing import cast

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q

from portique.accounts.folding import query_words
from portique.accounts.models import Account, Person
from portique.accounts.stores.base import (
    AccountRecord,
    Activation,
    DirectoryPage,
    NewAccount,
    PreparedPassword,
    ProfileChanges,
)
from portique.core import clock, sql
from portique.passwords import provisional


def _record(account: Account) -> AccountRecord:
    person = account.person
    return AccountRecord(
        login=account.login,
        email=account.email,
        first_name=person.first_name,
        last_name=person.last_name,
        category=person.category,
        activated=account.activated_at is not None,
        recovery_email=account.recovery_email,
        forwarding_address=account.forwarding_address,
        keep_copy=account.keep_copy,
        directory_consent=account.directory_consent,
        charter_version=account.charter_version,
        charter_accepted_at=account.charter_accepted_at,
        activated_at=account.activated_at,
    )


_DIRECTORY_FIELDS = (
    "login", "email", "person__first_name", "person__last_name", "person__category",
)  # fmt: skip


def _directory_record(account: Account) -> AccountRecord:
    """The public part of an account the directory search matched; its filter took only the
    activated people who consented."""
    person = account.person
    return AccountRecord(
        login=account.login,
        email=account.email,
        first_name=person.first_name,
        last_name=person.last_name,
        category=person.category,
        activated=True,
        directory_consent=True,
    )


# Rows per bulk statement, and keys per IN (...) list (SQLite's limit on parameters is
# 32,766; Oracle's IN lists stop at 1,000).
_BATCH = 1000


def _batched(items: Sequence[str], size: int = _BATCH) -> list[list[str]]:
    iterator = iter(items)
    return list(iter(lambda: list(islice(iterator, size)), []))


class SqlAccountStore:
    """Accounts as rows of Portique's database: they roll back with its transactions."""

    rolls_back_with_database = True

    def find(self, identifier: str) -> AccountRecord | None:
        key = identifier.strip().lower()
        if not key:
            return None
        # Every login, recovery and activation asks this first: written in SQL (core/sql.py),
        # as Account.objects.select_related("person").filter(Q(login=key) | Q(email=key))
        # .first() would write it, without compiling it each time.
        connection = sql.connection_for(Account, write=False)
        account = partial(sql.columns, Account, connection=connection, qualified=True)
        person = partial(sql.columns, Person, connection=connection, qualified=True)
        row = sql.fetch_one(
            connection,
            f"SELECT {sql.fields(Account, connection, qualified=True)},"  # noqa: S608 (names quoted by the backend)
            f" {sql.fields(Person, connection, qualified=True)}"
            f" FROM {sql.table(Account, connection)}"
            f" INNER JOIN {sql.table(Person, connection)} ON {account('person')} = {person('pk')}"
            f" WHERE {account('login')} = %s OR {account('email')} = %s"
            f" ORDER BY {account('pk')} LIMIT 1",
            sql.prepared(Account, connection, login=key, email=key),
        )
        if row is None:
            return None
        found = cast(Account, sql.instance(Account, row[: sql.width(Account)], connection))
        found.person = cast(Person, sql.instance(Person, row[sql.width(Account) :], connection))
        return _record(found)

    def verify_provisional_password(self, login: str, password: str) -> bool:
        connection = sql.connection_for(Account, write=False)
        column = partial(sql.columns, Account, connection=connection)
        row = sql.fetch_one(
            connection,
            f"SELECT {column('provisional_password_hash')} FROM {sql.table(Account, connection)}"  # noqa: S608 (names quoted by the backend)
            f" WHERE {column('login')} = %s",
            sql.prepared(Account, connection, login=login),
        )
        return provisional.check(password, (row[0] if row else "") or "")

    def create(
        self,
        *,
        login: str,
        first_name: str,
        last_name: str,
        category: str,
        provisional_password: str,
    ) -> AccountRecord:
        person, _ = Person.objects.get_or_create(
            login=login,
            defaults={"first_name": first_name, "last_name": last_name, "category": category},
        )
        account = Account.objects.create(
            person=person,
            login=login,
            email=f"{login}@{settings.PORTIQUE_MAIL_DOMAIN}",
            provisional_password_hash=provisional.make(provisional_password),
        )
        return _record(account)

    def create_many(self, accounts: Sequence[NewAccount]) -> None:
        # An import has written the people already; create() makes those that are missing.
        people: dict[str, int] = {}
        for chunk in _batched([account.login for account in accounts]):
            people.update(Person.objects.filter(login__in=chunk).values_list("login", "pk"))
        missing = [account for account in accounts if account.login not in people]
        if missing:
            Person.objects.bulk_create(
                Person(
                    login=account.login,
                    first_name=account.first_name,
                    last_name=account.last_name,
                    category=account.category,
                )
                for account in missing
            )
            for chunk in _batched([account.login for account in missing]):
                people.update(Person.objects.filter(login__in=chunk).values_list("login", "pk"))
        Account.objects.bulk_create(
            (
                Account(
                    person_id=people[account.login],
                    login=account.login,
                    email=f"{account.login}@{settings.PORTIQUE_MAIL_DOMAIN}",
                    provisional_password_hash=provisional.make(account.provisional_password),
                )
                for account in accounts
            ),
            batch_size=_BATCH,
        )

    def set_provisional_passwords(self, passwords: Mapping[str, str]) -> None:
        for chunk in _batched(list(passwords)):
            accounts = list(
                Account.objects.filter(login__in=chunk, activated_at__isnull=True).only(
                    "pk", "login"
                )
            )
            for account in accounts:
                account.provisional_password_hash = provisional.make(passwords[account.login])
            Account.objects.bulk_update(accounts, ["provisional_password_hash"])

    def activation_states(self, logins: Sequence[str]) -> dict[str, bool]:
        states: dict[str, bool] = {}
        for chunk in _batched(logins):
            rows = Account.objects.filter(login__in=chunk).values_list("login", "activated_at")
            states.update((login, activated_at is not None) for login, activated_at in rows)
        return states

    def taken_logins(self) -> set[str]:
        # Every account here was made by Portique: one read answers for the whole import.
        return set(Account.objects.values_list("login", flat=True))

    def prepare_password(self, password: str) -> PreparedPassword:
        return PreparedPassword(make_password(password))

    def set_provisional_password(self, login: str, provisional_password: str) -> None:
        Account.objects.filter(login=login, activated_at__isnull=True).update(
            provisional_password_hash=provisional.make(provisional_password)
        )

    def activate(self, login: str, activation: Activation) -> None:
        Account.objects.filter(login=login).update(
            password=activation.password.value,
            recovery_email=activation.recovery_email,
            recovery_email_verified_at=activation.recovery_email_verified_at,
            forwarding_address=activation.forwarding_address,
            forwarding_verified_at=activation.forwarding_verified_at,
            keep_copy=activation.keep_copy,
            directory_consent=activation.directory_consent,
            charter_version=activation.charter_version,
            charter_accepted_at=activation.charter_accepted_at,
            activated_at=activation.activated_at,
        )

    def verify_password(self, login: str, password: str) -> bool:
        stored = (
            Account.objects.filter(login=login, activated_at__isnull=False)
            .values_list("password", flat=True)
            .first()
        )
        # check_password() runs the hasher even without a stored hash (Django's own
        # defence against timing), so an unknown login costs the same.
        return bool(password) and check_password(password, stored or "")

    def set_password(self, login: str, password: str) -> None:
        Account.objects.filter(login=login, activated_at__isnull=False).update(
            password=make_password(password)
        )

    def update_profile(self, login: str, changes: ProfileChanges) -> None:
        fields = {name: value for name, value in asdict(changes).items() if value is not None}
        if "recovery_email" in fields:
            fields["recovery_email_verified_at"] = clock.now()
        if "forwarding_address" in fields:
            fields["forwarding_verified_at"] = clock.now() if fields["forwarding_address"] else None
        if fields:
            Account.objects.filter(login=login, activated_at__isnull=False).update(**fields)

    def search_directory(self, query: str, *, offset: int, limit: int) -> DirectoryPage:
        words = query_words(query)
        if not words:
            return DirectoryPage(entries=[], total=0)
        found = (
            Account.objects.select_related("person")
            .filter(
                *(Q(person__search_key__contains=word) for word in words),
                activated_at__isnull=False,
                directory_consent=True,
            )
            # Folded names: Éluard among the E, de La Fontaine among the D.
            .order_by("person__last_name_key", "person__search_key", "login")
            # The public part only: the addresses a person keeps for themself are not read.
            .only(*_DIRECTORY_FIELDS)
        )
        return DirectoryPage(
            entries=[_directory_record(a) for a in found[offset : offset + limit]],
            total=found.count(),
        )
