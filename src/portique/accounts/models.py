"""People (the HR record) and their accounts (the IT identity, when the SQL store keeps it)."""

from collections.abc import Collection, Iterable
from typing import Any

from django.db import models

from portique.accounts.folding import fold, search_key

_NAME_FIELDS = frozenset({"first_name", "last_name"})
# What the names give, written with them (see Person.search_key and Person.last_name_key).
_KEY_FIELDS = ["search_key", "last_name_key"]


def _fill_keys(person: "Person") -> None:
    person.search_key = search_key(person.first_name, person.last_name)
    person.last_name_key = fold(person.last_name)


class Category(models.TextChoices):
    STUDENT = "student", "étudiant"
    STAFF = "staff", "personnel"
    VACATAIRE = "vacataire", "personnel vacataire"


class PersonQuerySet(models.QuerySet["Person"]):
    """Bulk writes that keep each person's keys in step with their names, as save() does:
    the HR import creates and updates people in bulk."""

    def bulk_create(
        self,
        objs: Iterable["Person"],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list["Person"]:
        people = list(objs)
        for person in people:
            _fill_keys(person)
        if update_fields is not None and _NAME_FIELDS & set(update_fields):
            update_fields = [*update_fields, *_KEY_FIELDS]
        return super().bulk_create(
            people,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )

    def bulk_update(
        self, objs: Iterable["Person"], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        people, fields = list(objs), list(fields)
        if _NAME_FIELDS & set(fields):
            for person in people:
                _fill_keys(person)
            fields.extend(_KEY_FIELDS)
        return super().bulk_update(people, fields, batch_size=batch_size)

    def update(self, **kwargs: Any) -> int:
        # No database folds accents in SQL: names updated without their keys would leave them
        # stale. bulk_update() comes through here with both.
        if _NAME_FIELDS & kwargs.keys() and not kwargs.keys() >= set(_KEY_FIELDS):
            raise TypeError("change names with save() or bulk_update(), which keep the keys")
        return super().update(**kwargs)


class Person(models.Model):
    """Someone HR or the registrar declared: the input of the activation, never changed by it."""

    hr_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    login = models.CharField(max_length=150, unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    category = models.CharField(max_length=16, choices=Category.choices)
    birth_date = models.DateField(null=True, blank=True)
    department = models.CharField(max_length=150, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    # When the provisional password of the last letter stops working (None: no limit, as for
    # people created before letters had one). Step 2 refuses it afterwards.
    provisional_password_expires_at = models.DateTimeField(null=True, blank=True)
    # When the last letter was issued (created or reissued): the reminders count from it.
    # None for people whose letter predates reminders: they get none.
    letter_issued_at = models.DateTimeField(null=True, blank=True)
    # HR's address for the person outside the university, where reminders go (optional).
    personal_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The names folded (lower case, no accents), which the directory search matches with a
    # plain LIKE on every database: SQLite folds the case of ASCII letters only, and no
    # database drops accents by itself. Written by save() and PersonQuerySet.
    search_key = models.TextField(default="", editable=False)
    # The last name folded: people are listed by it, then by search_key (which begins with
    # the first name folded), so that Éluard comes among the E, not after Z.
    last_name_key = models.TextField(default="", editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name_key", "search_key", "login"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.login})"

    def save(self, **kwargs: Any) -> None:
        _fill_keys(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and _NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = [*update_fields, *_KEY_FIELDS]
        super().save(**kwargs)


class Account(models.Model):
    """The IT account as the SQL account store keeps it (the LDAP store keeps it in the
    directory instead). Passwords are hashes: argon2 for the password, a keyed HMAC for the
    machine-generated provisional password."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="account")
    login = models.CharField(max_length=150, unique=True)
    email = models.EmailField(unique=True, help_text="University address.")
    provisional_password_hash = models.CharField(max_length=128, blank=True)
    password = models.CharField(max_length=256, blank=True)
    recovery_email = models.EmailField(blank=True)
    recovery_email_verified_at = models.DateTimeField(null=True, blank=True)
    forwarding_address = models.EmailField(blank=True)
    forwarding_verified_at = models.DateTimeField(null=True, blank=True)
    keep_copy = models.BooleanField(default=True)
    directory_consent = models.BooleanField(default=False)
    charter_version = models.CharField(max_length=64, blank=True)
    charter_accepted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.login
