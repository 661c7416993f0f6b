"""The default account store: accounts kept in Portique's own database."""

from dataclasses import asdict

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q

from portique.accounts.folding import query_words
from portique.accounts.models import Account, Person
from portique.accounts.stores.base import AccountRecord, Activation, DirectoryPage, ProfileChanges
from portique.core import clock
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


class SqlAccountStore:
    def find(self, identifier: str) -> AccountRecord | None:
        key = identifier.strip().lower()
        if not key:
            return None
        account = (
            Account.objects.select_related("person").filter(Q(login=key) | Q(email=key)).first()
        )
        return _record(account) if account else None

    def verify_provisional_password(self, login: str, password: str) -> bool:
        stored = (
            Account.objects.filter(login=login)
            .values_list("provisional_password_hash", flat=True)
            .first()
        )
        return provisional.check(password, stored or "")

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

    def set_provisional_password(self, login: str, provisional_password: str) -> None:
        Account.objects.filter(login=login, activated_at__isnull=True).update(
            provisional_password_hash=provisional.make(provisional_password)
        )

    def activate(self, login: str, activation: Activation) -> None:
        Account.objects.filter(login=login).update(
            password=activation.password_hash or make_password(activation.password),
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
