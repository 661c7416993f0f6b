"""Use cases on people and accounts."""

from dataclasses import dataclass

from django.db import transaction

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore
from portique.core.audit import audit_record
from portique.passwords import provisional


@dataclass(frozen=True)
class IssuedCredentials:
    login: str
    provisional_password: str


def person_create(
    *,
    login: str,
    first_name: str,
    last_name: str,
    category: str,
    provisional_password: str | None = None,
    actor: str = "system",
    store: AccountStore | None = None,
) -> IssuedCredentials:
    """Create the person and their account awaiting activation; return the credentials,
    the only moment the provisional password exists in clear."""
    store = store or get_account_store()
    login = login.strip().lower()
    password = provisional_password or provisional.generate()
    with transaction.atomic():
        Person.objects.create(
            login=login, first_name=first_name, last_name=last_name, category=category
        )
        store.create(
            login=login,
            first_name=first_name,
            last_name=last_name,
            category=category,
            provisional_password=password,
        )
        audit_record(actor=actor, subject=login, action="person_created", category=category)
    return IssuedCredentials(login=login, provisional_password=password)


def account_reissue_provisional_password(
    *, login: str, actor: str = "system", store: AccountStore | None = None
) -> IssuedCredentials:
    """Give an account awaiting activation a new provisional password; the old one stops
    working."""
    store = store or get_account_store()
    password = provisional.generate()
    with transaction.atomic():
        store.set_provisional_password(login, password)
        audit_record(actor=actor, subject=login, action="provisional_password_reissued")
    return IssuedCredentials(login=login, provisional_password=password)
