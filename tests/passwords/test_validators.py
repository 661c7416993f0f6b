"""The seed's password rules, through Django's validate_password and AUTH_PASSWORD_VALIDATORS.

validate_password runs every validator, including the provisional-password one that asks the
account store, so these tests use the database even when no account exists.
"""

import string

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from portique.accounts.stores.base import AccountRecord
from portique.passwords import provisional
from portique.passwords.validators import PasswordSubject
from tests.factories import PersonFactory

USER = AccountRecord(
    login="jean-pierre.dupont",
    email="jean-pierre.dupont@umontpellier.fr",
    first_name="Jean-Pierre",
    last_name="Dupont",
    category="staff",
    activated=False,
)
NAME_PARTS = ("jean", "pierre", "dupont")

TOO_SHORT = "password_too_short"
LETTER_AND_DIGIT = "password_needs_letter_and_digit"
NAME = "password_contains_name"
ACCENT = "password_has_accent"
FORBIDDEN = "password_has_forbidden_character"
PROVISIONAL = "password_is_provisional"


def refusals(password: str, user: object = USER) -> set[str]:
    """Return the codes of the rules `password` breaks (empty when it is accepted)."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


SEED_RULES = {TOO_SHORT, LETTER_AND_DIGIT, NAME, ACCENT, FORBIDDEN, PROVISIONAL}

# Accepted passwords look random, so that they stay accepted whatever rules are added.
ACCEPTED: list[str] = [
    "Kq7wz3Rm",  # exactly 8 characters
    "tbqz8271",  # lower-case letters are letters
    "6390251Tz",  # one letter is enough
    "jp2024xqz",  # initials are shorter than 3 letters: not a name part
    "Dupon8Xyz",  # a near miss of the last name
    "Jea2024npx",  # a near miss of the first name
    "Rt5-Dupo-Xw9",
    "Zk8!@#$%",  # special characters outside the seed's list
    "Vx9-Hq2-Wm6-Tz",
    "K7;x:y?z[w]{v}",
]

# (password, the seed rules it breaks). Only the seed's rules are compared: a rule added
# beside them (a dictionary, common passwords) may refuse these too, for its own reason.
REFUSED: list[tuple[str, set[str]]] = [
    # Length: 8 is the minimum.
    ("Kq7wz3R", {TOO_SHORT}),
    ("a1", {TOO_SHORT}),
    ("", {TOO_SHORT, LETTER_AND_DIGIT}),
    # A letter and a digit.
    ("abcdefgh", {LETTER_AND_DIGIT}),
    ("QWZXKVBNMT", {LETTER_AND_DIGIT}),
    ("12345678", {LETTER_AND_DIGIT}),
    ("!#$%&()-_", {LETTER_AND_DIGIT}),
    # The name: every part of the compound first name, the last name, any case.
    ("Pierre2024x", {NAME}),
    ("xJean2024", {NAME}),
    ("DUPONT99z", {NAME}),
    ("DuPoNt-2024", {NAME}),
    ("2024dupont", {NAME}),
    ("jeanpierre7", {NAME}),
    ("pierre", {TOO_SHORT, LETTER_AND_DIGIT, NAME}),
    # Accent-insensitive: an accent does not hide the name (and is refused on its own).
    ("Dupônt99z", {NAME, ACCENT}),
    ("Piérre2024x", {NAME, ACCENT}),
    # The seed's forbidden special characters.
    ("Kq7<wz3R", {FORBIDDEN}),
    ("Kq7>wz3R", {FORBIDDEN}),
    ('Kq7"wz3R', {FORBIDDEN}),
    ("Kq7,wz3R", {FORBIDDEN}),
    ("Kq7*wz3R", {FORBIDDEN}),
    ("a1<", {TOO_SHORT, FORBIDDEN}),
    # Accented letters are refused as accents; other characters outside printable ASCII
    # as special characters.
    ("Kq7éwz3R", {ACCENT}),
    ("Kq7àwz3R", {ACCENT}),
    ("Kq7çwz3R", {ACCENT}),
    ("Kq7€wz3R", {FORBIDDEN}),
    ("Éq7wz3Rm", {ACCENT}),
    ("Kq7\u00a0wz3R", {FORBIDDEN}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ACCEPTED)
def test_password_is_accepted(password: str) -> None:
    assert refusals(password) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "codes"), REFUSED, ids=[repr(password) for password, _ in REFUSED]
)
def test_password_is_refused_by_exactly_these_seed_rules(password: str, codes: set[str]) -> None:
    assert refusals(password) & SEED_RULES == codes


@pytest.mark.django_db
def test_128_character_password_is_accepted() -> None:
    password = ("Ab3" * 43)[:128]
    assert len(password) == 128

    assert refusals(password) == set()


@pytest.mark.django_db
def test_password_with_the_name_is_accepted_without_a_user() -> None:
    assert refusals("Xq8Jean6Zw", user=None) == set()


@pytest.mark.django_db
def test_accented_name_is_refused_when_typed_without_its_accent() -> None:
    lea = AccountRecord(
        login="lea.bernard",
        email="lea.bernard@umontpellier.fr",
        first_name="Léa",
        last_name="Bernard",
        category="student",
        activated=False,
    )

    assert refusals("Lea2024xyz", user=lea) & SEED_RULES == {NAME}


@pytest.mark.django_db
def test_login_part_is_refused_even_when_it_differs_from_the_name() -> None:
    renamed = AccountRecord(
        login="jdurand7",
        email="jdurand7@umontpellier.fr",
        first_name="Jean",
        last_name="Martin",
        category="staff",
        activated=False,
    )

    assert refusals("Xjdurand7y", user=renamed) & SEED_RULES == {NAME}


def message_for(password: str, code: str) -> str:
    """Return the message of the refusal with `code`."""
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user=USER)
    (message,) = [e.messages[0] for e in raised.value.error_list if e.code == code]
    return message


@pytest.mark.django_db
def test_error_message_names_the_forbidden_character() -> None:
    assert "*" in message_for("Kq7*wz3R", FORBIDDEN)


@pytest.mark.django_db
def test_error_message_names_the_accented_character() -> None:
    assert "é" in message_for("Kq7éwz3R", ACCENT)


@pytest.mark.parametrize(
    "wording",
    [
        "doit contenir au minimum 8 caractères",
        "doit contenir au moins une lettre et un chiffre",
        "ne doit pas contenir votre nom ou prénom",
    ],
)
def test_help_texts_use_the_seed_wording(wording: str) -> None:
    assert wording in password_validators_help_texts()


def test_help_text_lists_the_seed_forbidden_characters() -> None:
    assert (
        'ne doit pas contenir de caractères accentués ou les caractères spéciaux <, >, ", ,, *'
        in password_validators_help_texts()
    )


def test_provisional_password_is_refused_as_the_new_password() -> None:
    # The rules know the provisional password by the keyed digest the activation keeps of
    # what the person typed at step 2 (PasswordSubject), not by asking the account store.
    subject = PasswordSubject(
        login="jp.dupont",
        first_name="Jean-Pierre",
        last_name="Dupont",
        provisional_password_digest=provisional.make("Kx7m-Rt9q-Bz4w"),
    )

    assert refusals("Kx7m-Rt9q-Bz4w", user=subject) == {PROVISIONAL}


def test_another_provisional_password_is_accepted() -> None:
    subject = PasswordSubject(
        login="paul.martin",
        first_name="Paul",
        last_name="Martin",
        provisional_password_digest=provisional.make("Kx7m-Rt9q-Bz4w"),
    )

    assert refusals("Qv4n-Ws8p-Dk3r", user=subject) == set()


@pytest.mark.django_db
def test_the_provisional_password_is_refused_at_step_9(client) -> None:
    from tests.conftest import Walker

    person = PersonFactory(
        login="jp.dupont",
        first_name="Jean-Pierre",
        last_name="Dupont",
        provisional_password="Kx7m-Rt9q-Bz4w",
    )
    walker = Walker(client, person)
    walker.reach_charter()
    walker.accept_charter()
    walker.choose_directory(False)
    walker.choose_forwarding(wants=False)

    response = walker.set_password("Kx7m-Rt9q-Bz4w")

    assert response.status_code == 200
    assert "différent du mot de passe provisoire" in response.content.decode()


letters_and_digits = st.text(
    alphabet=string.ascii_letters + string.digits, min_size=16, max_size=16
)
# Digits read as the letters they look like, so that "p13rr3" counts as containing a name.
AS_LETTERS = (str.maketrans("013457", "oieast"), str.maketrans("013457", "oleast"))


def shows_a_name(password: str) -> bool:
    lowered = password.lower()
    readings = {lowered, *(lowered.translate(table) for table in AS_LETTERS)}
    return any(part in reading for part in NAME_PARTS for reading in readings)


@pytest.mark.django_db
@given(password=letters_and_digits)
def test_any_16_letters_and_digits_without_the_name_is_accepted(password: str) -> None:
    assume(any(c.isalpha() for c in password) and any(c.isdigit() for c in password))
    assume(not shows_a_name(password))

    assert refusals(password) == set()
