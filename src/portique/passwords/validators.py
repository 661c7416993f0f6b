"""The seed's password rules as Django password validators (AUTH_PASSWORD_VALIDATORS).

Each validator is one rule, with the seed's wording as help text and its own error message,
so the page lists the rules and says which one failed. `user` is whatever carries
`first_name`, `last_name` and `login` (an AccountRecord).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portique.passwords import policy, provisional


def name_parts(*values: str, min_length: int = 3) -> set[str]:
    """Return the lower-case, accent-free parts of names ('Jean-Pierre' gives jean, pierre)."""
    parts: set[str] = set()
    for value in values:
        for part in re.split(r"[^a-z]+", policy.fold(value or "")):
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
    """Refuse a password that contains the person's first name, last name or login, or a
    part of them of 3 letters or more, whatever the case, accents or substitutions."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        readings = policy.readings(password)
        parts = name_parts(
            getattr(user, "first_name", ""),
            getattr(user, "last_name", ""),
            getattr(user, "login", ""),
        )
        if any(part in reading for part in parts for reading in readings):
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir votre nom ou prénom."),
                code="password_contains_name",
            )

    def get_help_text(self) -> str:
        return _("ne doit pas contenir votre nom ou prénom")


class ForbiddenCharactersValidator:
    """Refuse accented letters, other characters outside printable ASCII, and a set of special
    characters (a setting: the systems behind the directory may not accept them)."""

    def __init__(self, forbidden: str = '<>",*') -> None:
        self.forbidden = forbidden

    def _listed(self) -> str:
        return ", ".join(self.forbidden)

    def validate(self, password: str, user: Any = None) -> None:
        outside_ascii = [c for c in password if not (" " <= c <= "~")]
        accented = [c for c in outside_ascii if c.isalpha()]
        if accented:
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir de caractères accentués (%(chars)s).")
                % {"chars": " ".join(dict.fromkeys(accented))},
                code="password_has_accent",
            )
        # Other characters outside printable ASCII (€, a non-breaking space, a tab) are
        # refused as special characters: not every system behind the directory takes them.
        special = [c for c in password if c in self.forbidden or not (" " <= c <= "~")]
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


@dataclass(frozen=True)
class PasswordSubject:
    """Whose password is being chosen, as the rules need it. `provisional_password_digest`
    is the keyed hash of the provisional password the person typed at step 2: comparing with
    it needs no call to the account store (with LDAP, a bind per keystroke of the live
    checklist could trip the directory's own lockout)."""

    login: str
    first_name: str
    last_name: str
    provisional_password_digest: str = ""


class NotProvisionalPasswordValidator:
    """Refuse the provisional password as the new password."""

    def validate(self, password: str, user: Any = None) -> None:
        digest = getattr(user, "provisional_password_digest", "")
        if digest and provisional.check(password, digest):
            raise ValidationError(
                _("Le nouveau mot de passe doit être différent du mot de passe provisoire."),
                code="password_is_provisional",
            )

    def get_help_text(self) -> str:
        return _("doit être différent du mot de passe provisoire")


class DictionaryWordValidator:
    """Refuse a French or English dictionary word in disguise (see policy.py); passphrases
    of several words and random strings pass."""

    def validate(self, password: str, user: Any = None) -> None:
        if policy.dictionary_problem(password):
            raise ValidationError(
                _("Le mot de passe ne doit pas contenir un mot du dictionnaire."),
                code="password_is_dictionary_word",
            )

    def get_help_text(self) -> str:
        return _("ne doit pas contenir un mot du dictionnaire")


class CommonPasswordValidator:
    """Refuse the most used passwords (Django's list and a French one), normalised."""

    def validate(self, password: str, user: Any = None) -> None:
        if policy.is_common(password):
            raise ValidationError(
                _("Ce mot de passe fait partie des plus utilisés."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("ne doit pas être un mot de passe courant")


class StrengthValidator:
    """A floor on zxcvbn's estimate (0 to 4). Listed in AUTH_PASSWORD_VALIDATORS only when
    PORTIQUE_PASSWORD_MIN_SCORE is set: the rules above already refuse what zxcvbn scores
    lowest, and its estimate costs milliseconds."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        from zxcvbn import zxcvbn

        names = [getattr(user, a, "") for a in ("first_name", "last_name", "login")]
        # zxcvbn's cost grows with length; past 100 characters its estimate no longer moves.
        if zxcvbn(password[:100], user_inputs=[n for n in names if n])["score"] < self.min_score:
            raise ValidationError(
                _("Le mot de passe est trop facile à deviner."), code="password_too_weak"
            )

    def get_help_text(self) -> str:
        return _("doit être difficile à deviner")


@dataclass(frozen=True)
class Rule:
    """A rule of the policy as the page lists it: the validator's name and help text."""

    id: str
    help_text: str


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    ok: bool
    messages: list[str]


def password_rules() -> list[Rule]:
    """Return the configured rules (AUTH_PASSWORD_VALIDATORS), in order."""
    return [_rule(validator) for validator in get_default_password_validators()]


def rules_report(password: str, user: Any = None) -> list[RuleResult]:
    """Judge `password` by each configured rule: the same validators, data and messages as
    validate_password(), one result per rule."""
    results = []
    for validator in get_default_password_validators():
        try:
            validator.validate(password, user)
        except ValidationError as error:
            results.append(RuleResult(_rule(validator), False, error.messages))
        else:
            results.append(RuleResult(_rule(validator), True, []))
    return results


def _rule(validator: Any) -> Rule:
    return Rule(id=type(validator).__name__, help_text=validator.get_help_text())
