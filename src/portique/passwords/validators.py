"""The seed's password rules as Django password validators (AUTH_PASSWORD_VALIDATORS).

Each validator is one rule, with the seed's wording as help text and its own error message,
so the page lists the rules and says which one failed. `user` is whatever carries
`first_name`, `last_name` and `login` (an AccountRecord).
"""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def strip_accents(text: str) -> str:
    """Return `text` without its diacritics ('Élodie' gives 'Elodie')."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_parts(*values: str, min_length: int = 3) -> set[str]:
    """Return the lower-case, accent-free parts of names ('Jean-Pierre' gives jean, pierre)."""
    parts: set[str] = set()
    for value in values:
        for part in re.split(r"[^a-z]+", strip_accents(value or "").lower()):
            if len(part) >= min_length:
                parts.add(part)
    return parts


class MinimumLengthValidator:
    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("Le mot de passe doit contenir au minimum %(min_length)d caractères.")
                % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("doit contenir au minimum %(min_length)d caractères") % {
            "min_length": self.min_length
        }


class LetterAndDigitValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
            raise ValidationError(
                _("Le mot de passe doit contenir au moins une lettre et un chiffre."),
                code="password_needs_letter_and_digit",
            )

    def get_help_text(self) -> str:
        return _("doit contenir au moins une lettre et un chiffre")


class PersonalInformationValidator:
    """Refuse a password that contains the person's first name, last name or login."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        haystack = strip_accents(password).lower()
        parts = name_parts(
            getattr(user, "first_name", ""),
            getattr(user, "last_name", ""),
            getattr(user, "login", ""),
        )
        if any(part in haystack for part in parts):
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir votre nom ou prénom."),
                code="password_contains_name",
            )

    def get_help_text(self) -> str:
        return _("ne doit pas contenir votre nom ou prénom")


class ForbiddenCharactersValidator:
    """Refuse accented letters, any character outside printable ASCII, and a set of special
    characters (a setting: the systems behind the directory may not accept them)."""

    def __init__(self, forbidden: str = '<>",*') -> None:
        self.forbidden = forbidden

    def _listed(self) -> str:
        return ", ".join(self.forbidden)

    def validate(self, password: str, user: Any = None) -> None:
        outside_ascii = [c for c in password if not (" " <= c <= "~")]
        if outside_ascii:
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir de caractères accentués (%(chars)s).")
                % {"chars": " ".join(dict.fromkeys(outside_ascii))},
                code="password_has_accent",
            )
        special = [c for c in password if c in self.forbidden]
        if special:
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir les caractères spéciaux %(chars)s.")
                % {"chars": " ".join(dict.fromkeys(special))},
                code="password_has_forbidden_character",
            )

    def get_help_text(self) -> str:
        return _(
            "ne doit pas contenir de caractères accentués ou les caractères spéciaux %(chars)s"
        ) % {"chars": self._listed()}


class NotProvisionalPasswordValidator:
    """Refuse the provisional password as the new password."""

    def validate(self, password: str, user: Any = None) -> None:
        login = getattr(user, "login", None)
        if not login:
            return
        from portique.accounts.stores import get_account_store

        if get_account_store().verify_provisional_password(login, password):
            raise ValidationError(
                _("Le nouveau mot de passe doit être différent du mot de passe provisoire."),
                code="password_is_provisional",
            )

    def get_help_text(self) -> str:
        return _("doit être différent du mot de passe provisoire")
