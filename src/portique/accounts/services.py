"""Use cases on people and accounts."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore
from portique.core import clock
from portique.core.audit import audit_record
from portique.passwords import provisional


@dataclass(frozen=True)
class IssuedCredentials:
    login: str
    provisional_password: str
    # When the provisional password stops working: the date the letter prints.
    expires_at: datetime


def provisional_password_expiry(now: datetime | None = None) -> datetime:
    """Return when a provisional password issued `now` stops working: 23:59 (local time) of
    the last day of PORTIQUE_PROVISIONAL_PASSWORD_DAYS, so that the date on the letter is
    the whole truth."""
    issued = now or clock.now()
    return clock.end_of_local_day(
        issued + timedelta(days=settings.PORTIQUE_PROVISIONAL_PASSWORD_DAYS)
    )


def person_create(
    *,
    login: str,
    first_name: str,
    last_name: str,
    category: str,
    provisional_password: str | None = None,
    hr_id: str | None = None,
    birth_date: date | None = None,
    department: str = "",
    contract_end: date | None = None,
    personal_email: str = "",
    actor: str = "system",
    store: AccountStore | None = None,
) -> IssuedCredentials:
    """Create the person and their account awaiting activation; return the credentials,
    the only moment the provisional password exists in clear."""
    store = store or get_account_store()
    login = login.strip().lower()
    password = provisional_password or provisional.generate()
    issued_at = clock.now()
    expires_at = provisional_password_expiry(issued_at)
    with transaction.atomic():
        Person.objects.create(
            login=login,
            first_name=first_name,
            last_name=last_name,
            category=category,
            hr_id=hr_id,
            birth_date=birth_date,
            department=department,
            contract_end=contract_end,
            personal_email=personal_email,
            provisional_password_expires_at=expires_at,
            letter_issued_at=issued_at,
        )
        store.create(
            login=login,
            first_name=first_name,
            last_name=last_name,
            category=category,
            provisional_password=password,
        )
        audit_record(actor=actor, subject=login, action="person_created", category=category)
    return IssuedCredentials(login=login, provisional_password=password, expires_at=expires_at)


def account_reissue_provisional_password(
    *, login: str, actor: str = "system", store: AccountStore | None = None
) -> IssuedCredentials:
    """Give an account awaiting activation a new provisional password, valid for
    PORTIQUE_PROVISIONAL_PASSWORD_DAYS; the old one stops working."""
    store = store or get_account_store()
    password = provisional.generate()
    issued_at = clock.now()
    expires_at = provisional_password_expiry(issued_at)
    with transaction.atomic():
        store.set_provisional_password(login, password)
        Person.objects.filter(login=login).update(
            provisional_password_expires_at=expires_at, letter_issued_at=issued_at
        )
        audit_record(actor=actor, subject=login, action="provisional_password_reissued")
    return IssuedCredentials(login=login, provisional_password=password, expires_at=expires_at)
