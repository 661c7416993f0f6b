"""The password policy, rule by rule, through the validators of AUTH_PASSWORD_VALIDATORS.

One table holds the verdicts: for each password, the exact set of rules it breaks, for a
person called Jean-Pierre Dupont (login jean-pierre.dupont). The live checklist
(rules_report) and the server (validate_password) must both give that set, no more, no less.
"""

import random
import string
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portique.passwords import provisional
from portique.passwords.validators import PasswordSubject, rules_report

TOO_SHORT = "password_too_short"
LETTER_AND_DIGIT = "password_needs_letter_and_digit"
DICTIONARY = "password_is_dictionary_word"
NAME = "password_contains_name"
ACCENT = "password_has_accent"
FORBIDDEN = "password_has_forbidden_character"
COMMON = "password_too_common"
PROVISIONAL = "password_is_provisional"
TOO_WEAK = "password_too_weak"

# The code each rule of the checklist stands for (a rule's id is its validator's name).
CODE_OF_RULE = {
    "MinimumLengthValidator": TOO_SHORT,
    "LetterAndDigitValidator": LETTER_AND_DIGIT,
    "DictionaryWordValidator": DICTIONARY,
    "PersonalInformationValidator": NAME,
    "ForbiddenCharactersValidator": FORBIDDEN,
    "CommonPasswordValidator": COMMON,
    "NotProvisionalPasswordValidator": PROVISIONAL,
    "StrengthValidator": TOO_WEAK,
}
ALL_CODES = {TOO_SHORT, LETTER_AND_DIGIT, DICTIONARY, NAME, ACCENT, FORBIDDEN, COMMON, PROVISIONAL}

JEAN_PIERRE_PROVISIONAL_PASSWORD = "Kx7m-Rt9q-Bz4w"
JEAN_PIERRE = PasswordSubject(
    login="jean-pierre.dupont",
    first_name="Jean-Pierre",
    last_name="Dupont",
    provisional_password_digest=provisional.make(JEAN_PIERRE_PROVISIONAL_PASSWORD),
)


def code_of(rule_id: str, messages: list[str]) -> str:
    """Return the code of a broken rule; the forbidden-characters rule has two, told apart
    by its message."""
    if rule_id == "ForbiddenCharactersValidator" and any("accentués" in m for m in messages):
        return ACCENT
    return CODE_OF_RULE[rule_id]


def failing_codes(password: str, user: object = JEAN_PIERRE) -> set[str]:
    """Return the codes of the rules `password` breaks, as the live checklist judges it."""
    return {
        code_of(result.rule.id, result.messages)
        for result in rules_report(password, user)
        if not result.ok
    }


def refusals(password: str, user: object = JEAN_PIERRE) -> set[str]:
    """Return the codes validate_password raises for `password` (empty when accepted)."""
    try:
        validate_password(password, user=user)  # type: ignore[arg-type]
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


# --- The table ----------------------------------------------------------------------------

# (password, the exact set of rules it breaks); an empty set means accepted.
PASSWORD_TABLE: list[tuple[str, set[str]]] = [
    # The issue's examples that must be refused...
    ("soleil2024", {DICTIONARY, COMMON}),
    ("Soleil2024!", {DICTIONARY, COMMON}),
    ("S0l3il2024", {DICTIONARY, COMMON}),
    ("password1", {DICTIONARY, COMMON}),
    ("motdepasse1", {DICTIONARY, COMMON}),
    ("bonjour123", {DICTIONARY, COMMON}),
    ("azerty123", {COMMON}),  # not a word: a common password
    ("123soleil", {DICTIONARY, COMMON}),
    ("lieloS99", {DICTIONARY}),  # soleil reversed
    ("chocolat99x", {DICTIONARY}),  # chocolat is 8 of its 11 characters
    # ...and those that must be accepted.
    ("k7Rv9qLx2t", set()),
    ("8cheval-agrafe-pile-Z", set()),
    ("velo rouge mardi 42", set()),
    # A word reversed, repeated, or with at most two extra characters.
    ("lapinlapin7", {DICTIONARY}),
    ("lapinlapinlapin7", {DICTIONARY}),
    ("soleilsoleil1", {DICTIONARY}),
    ("7tacohc0", {DICTIONARY}),  # taco and two extra letters
    ("ruojnob2024", {DICTIONARY}),  # bonjour reversed
    ("talocohc!7", {DICTIONARY}),  # chocolat reversed
    ("xxsoleil99", {DICTIONARY}),
    ("99soleilxy", {DICTIONARY}),
    # A word of 5 letters or more that makes up more than half of the password.
    ("chocolatxyz99", {DICTIONARY}),
    ("Xq9chocolat", {DICTIONARY}),
    # French and English words, disguised by case, accents, padding and substitutions.
    ("fromage42", {DICTIONARY}),
    ("!!Fromage!!42", {DICTIONARY}),
    ("bibliotheque2", {DICTIONARY}),
    ("bateau12", {DICTIONARY}),
    ("Éléphant2024", {DICTIONARY, ACCENT, COMMON}),
    ("sunshine99", {DICTIONARY, COMMON}),
    ("keyboard!8", {DICTIONARY, COMMON}),
    ("Butterfly7", {DICTIONARY, COMMON}),
    ("P@ssw0rd!", {DICTIONARY, COMMON}),
    ("Ch0c0l@t!7", {DICTIONARY, COMMON}),
    ("c1tron99", {DICTIONARY, COMMON}),  # 1 read as i
    ("f1eur!!42", {DICTIONARY}),  # 1 read as l
    ("ba11on99", {DICTIONARY, COMMON}),  # 1 read as l twice
    ("$oleil2024888", {DICTIONARY, COMMON}),  # $ is the word's s, the digits are padding
    # Common passwords, French ones included, normalised.
    ("doudou12", {COMMON}),
    ("loulou2024", {COMMON}),
    ("marseille13", {DICTIONARY, COMMON}),
    ("Azertyuiop1", {COMMON}),
    ("nounours99", {COMMON}),
    ("jetaime1", {COMMON}),
    ("coucou2024", {DICTIONARY, COMMON}),
    # Passphrases of three words or more: with spaces, hyphens, other separators, or none.
    ("tortue bleue jardin 7", set()),
    ("Velo-Rouge-Mardi-42", set()),
    ("maison_velo_pluie_3", set()),
    ("lundi.pomme.nuage.5", set()),
    ("chevalagrafepile8", set()),
    ("correcthorsebatterystaple1", set()),
    # Random strings.
    ("Kq7wz3Rm", set()),  # exactly 8 characters
    ("tbqz8271", set()),  # lower-case letters are letters
    ("6390251Tz", set()),  # one letter is enough
    ("Zx8qWv3Lp", set()),
    ("qz7Xw9Vb4Np1", set()),
    ("T9v!k3Wq", set()),
    ("Zk8!@#$%", set()),  # special characters outside the forbidden set
    ("K7;x:y?z[w]{v}", set()),
    ("Vx9-Hq2-Wm6-Tz", set()),
    # The name: every part of the compound first name, the last name, the login, in any
    # case, with accents or substitutions.
    ("J3an-Xq7w-Zt", {NAME}),
    ("Xq8-P1erre-Zw", {NAME}),
    ("Kx9-DUP0NT-qz7w", {NAME}),
    ("Jean-Pierre.Dupont1", {NAME}),
    ("xJean2024", {NAME, DICTIONARY}),  # jean is also an English word
    ("Pierre2024x", {NAME, DICTIONARY}),
    ("jeanpierre7", {NAME, DICTIONARY}),
    ("DuPoNt-2024", {NAME, DICTIONARY, COMMON}),
    ("Piérre-Xw9-Kq7z", {NAME, ACCENT}),
    # Near misses of the names are not the names.
    ("jp2024xqz", set()),  # initials are shorter than 3 letters
    ("Dupon8Xyz", set()),
    ("Jea2024npx", set()),
    ("Rt5-Dupo-Xw9", set()),
    # Length: 8 at least.
    ("Kq7wz3R", {TOO_SHORT}),
    ("", {TOO_SHORT, LETTER_AND_DIGIT}),
    ("soleil", {TOO_SHORT, LETTER_AND_DIGIT, DICTIONARY, COMMON}),
    # A letter and a digit.
    ("QWZXKVBNMT", {LETTER_AND_DIGIT}),
    ("+-_=!?#%", {LETTER_AND_DIGIT}),
    ("12345678", {LETTER_AND_DIGIT, COMMON}),
    # Accented letters, and the forbidden special characters.
    ("Kq7éwz3R", {ACCENT}),
    ("Kq7àwz3R", {ACCENT}),
    ("Éq7wz3Rm", {ACCENT}),
    ("Kq7<wz3R", {FORBIDDEN}),
    ("Kq7>wz3R", {FORBIDDEN}),
    ('Kq7"wz3R', {FORBIDDEN}),
    ("Kq7,wz3R", {FORBIDDEN}),
    ("Kq7*wz3R", {FORBIDDEN}),
    ("Kq7€wz3R", {FORBIDDEN}),  # outside printable ASCII
    ("Kq7\u00a0wz3R", {FORBIDDEN}),  # a non-breaking space
    # The provisional password given at step 2.
    (JEAN_PIERRE_PROVISIONAL_PASSWORD, {PROVISIONAL}),
]

ISSUE_MUST_REFUSE = [
    "soleil2024",
    "Soleil2024!",
    "S0l3il2024",
    "password1",
    "motdepasse1",
    "bonjour123",
    "azerty123",
    "123soleil",
    "lieloS99",
    "chocolat99x",
]
ISSUE_MUST_ACCEPT = ["k7Rv9qLx2t", "8cheval-agrafe-pile-Z", "velo rouge mardi 42"]

TABLE_IDS = [repr(password) for password, _ in PASSWORD_TABLE]


@pytest.mark.parametrize(("password", "codes"), PASSWORD_TABLE, ids=TABLE_IDS)
def test_checklist_reports_exactly_the_broken_rules(password: str, codes: set[str]) -> None:
    assert failing_codes(password) == codes


@pytest.mark.parametrize(("password", "codes"), PASSWORD_TABLE, ids=TABLE_IDS)
def test_validate_password_raises_exactly_the_broken_rules(password: str, codes: set[str]) -> None:
    assert refusals(password) == codes


def test_table_gives_the_issue_verdicts() -> None:
    verdicts = {password: not codes for password, codes in PASSWORD_TABLE}

    assert {p: verdicts.get(p) for p in ISSUE_MUST_REFUSE + ISSUE_MUST_ACCEPT} == {
        **dict.fromkeys(ISSUE_MUST_REFUSE, False),
        **dict.fromkeys(ISSUE_MUST_ACCEPT, True),
    }


def test_table_breaks_every_rule_of_the_policy() -> None:
    broken = set().union(*(codes for _, codes in PASSWORD_TABLE))

    assert broken == ALL_CODES


# --- Without a person, with other people ----------------------------------------------------


def test_password_with_a_name_is_accepted_without_a_user() -> None:
    assert failing_codes("Xq8Jean6Zw", user=None) == set()


def test_accented_name_is_refused_when_typed_without_its_accent() -> None:
    lea = PasswordSubject(login="lea.bernard", first_name="Léa", last_name="Bernard")

    assert failing_codes("Lea2024xyz", user=lea) == {NAME}


def test_login_part_is_refused_even_when_it_differs_from_the_name() -> None:
    renamed = PasswordSubject(login="jdurand7", first_name="Jean", last_name="Martin")

    assert failing_codes("Xjdurand7y", user=renamed) == {NAME}


def test_name_part_shorter_than_3_letters_is_not_refused() -> None:
    ng = PasswordSubject(login="zoe.ng", first_name="Zoé", last_name="Ng")

    assert failing_codes("Kq7ng-wz3R", user=ng) == set()


def test_another_password_than_the_provisional_one_is_accepted() -> None:
    assert failing_codes("Qv4n-Ws8p-Dk3r") == set()


def test_another_person_provisional_password_is_accepted() -> None:
    paul = PasswordSubject(
        login="paul.martin",
        first_name="Paul",
        last_name="Martin",
        provisional_password_digest=provisional.make("Pz3k-Wq8m-Rt5v"),
    )

    assert failing_codes(JEAN_PIERRE_PROVISIONAL_PASSWORD, user=paul) == set()


# --- Messages and help texts ----------------------------------------------------------------


def message_for(password: str, code: str) -> str:
    """Return the message of the refusal with `code`."""
    with pytest.raises(ValidationError) as raised:
        validate_password(password, user=JEAN_PIERRE)  # type: ignore[arg-type]
    (message,) = [e.messages[0] for e in raised.value.error_list if e.code == code]
    return message


def test_error_message_names_the_forbidden_character() -> None:
    assert "*" in message_for("Kq7*wz3R", FORBIDDEN)


def test_error_message_names_the_accented_character() -> None:
    assert "é" in message_for("Kq7éwz3R", ACCENT)


@pytest.mark.parametrize(
    "wording",
    [
        "doit contenir au minimum 8 caractères",
        "doit contenir au moins une lettre et un chiffre",
        "ne doit pas contenir un mot du dictionnaire",
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


# --- Settings -----------------------------------------------------------------------------


def with_options(settings: Any, name: str, **options: object) -> None:
    """Set the OPTIONS of one validator of AUTH_PASSWORD_VALIDATORS, as PORTIQUE_PASSWORD_*
    settings do."""
    settings.AUTH_PASSWORD_VALIDATORS = [
        {**entry, "OPTIONS": options} if entry["NAME"].endswith(f".{name}") else entry
        for entry in settings.AUTH_PASSWORD_VALIDATORS
    ]


def test_minimum_length_of_12_refuses_11_characters(settings: Any) -> None:
    with_options(settings, "MinimumLengthValidator", min_length=12)

    assert failing_codes("k7Rv9qLx2tZ") == {TOO_SHORT}


def test_minimum_length_of_12_accepts_12_characters(settings: Any) -> None:
    with_options(settings, "MinimumLengthValidator", min_length=12)

    assert failing_codes("k7Rv9qLx2tZw") == set()


def test_minimum_length_of_12_is_said_in_the_help_text(settings: Any) -> None:
    with_options(settings, "MinimumLengthValidator", min_length=12)

    assert "doit contenir au minimum 12 caractères" in password_validators_help_texts()


def test_forbidden_set_without_the_star_accepts_the_star(
    settings: Any,
) -> None:
    with_options(settings, "ForbiddenCharactersValidator", forbidden='<>",')

    assert failing_codes("Kq7*wz3R") == set()


def test_forbidden_set_without_the_star_still_refuses_accents(
    settings: Any,
) -> None:
    with_options(settings, "ForbiddenCharactersValidator", forbidden='<>",')

    assert failing_codes("Kq7éwz3R") == {ACCENT}


def test_strength_floor_is_off_by_default(settings: Any) -> None:
    names = [entry["NAME"] for entry in settings.AUTH_PASSWORD_VALIDATORS]

    assert settings.PORTIQUE_PASSWORD_MIN_SCORE == 0
    assert not any(name.endswith(".StrengthValidator") for name in names)


def with_strength_floor(settings: Any, min_score: int) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {
            "NAME": "portique.passwords.validators.StrengthValidator",
            "OPTIONS": {"min_score": min_score},
        },
    ]


def test_strength_floor_refuses_a_weak_password_that_meets_the_rules(
    settings: Any,
) -> None:
    assert failing_codes("Kq7wz3Rm") == set()
    with_strength_floor(settings, 4)

    assert refusals("Kq7wz3Rm") == {TOO_WEAK}


def test_strength_floor_accepts_a_strong_passphrase(settings: Any) -> None:
    with_strength_floor(settings, 4)

    assert refusals("8cheval-agrafe-pile-Z") == set()


# --- Long passwords -------------------------------------------------------------------------

LONG_128 = ("k7Rv9qLx2t-" * 12)[:128]
LONG_200 = ("Vx9-Hq2-Wm6-Tz " * 14)[:200]


def test_128_character_password_is_accepted() -> None:
    assert len(LONG_128) == 128

    assert refusals(LONG_128) == set()


def test_200_character_password_is_accepted() -> None:
    assert len(LONG_200) == 200

    assert refusals(LONG_200) == set()


def test_200_character_password_is_not_truncated_by_the_argon2_hash() -> None:
    other = LONG_200[:-1] + "X"
    encoded = make_password(LONG_200)

    assert encoded.startswith("argon2$")
    assert check_password(LONG_200, encoded)
    assert not check_password(other, encoded)


# --- Properties -----------------------------------------------------------------------------


# These say what is accepted, not how fast: a loaded CI machine must not fail them on time.
properties = hypothesis_settings(deadline=None)


letters_and_digits = st.text(
    alphabet=string.ascii_letters + string.digits, min_size=16, max_size=16
)
# Digits read as the letters they look like, so that "p13rr3" counts as containing a name.
AS_LETTERS = (str.maketrans("013457", "oieast"), str.maketrans("013457", "oleast"))


def shows_a_name(password: str, parts: tuple[str, ...] = ("jean", "pierre", "dupont")) -> bool:
    lowered = password.lower()
    readings = {lowered, *(lowered.translate(table) for table in AS_LETTERS)}
    return any(part in reading for part in parts for reading in readings)


@properties
@given(password=letters_and_digits)
def test_any_16_letters_and_digits_without_the_name_is_accepted(password: str) -> None:
    assume(any(c.isalpha() for c in password) and any(c.isdigit() for c in password))
    assume(not shows_a_name(password))

    assert refusals(password) == set()


@st.composite
def random_mixes(draw: st.DrawFn, size: int = 16) -> str:
    """A random mix of `size` ASCII letters and digits, with at least one of each.

    Hypothesis draws the seed, not the characters: left to itself it favours strings like
    '00000000000000a0', which are no random mix (and rightly refused: 'a' is common).
    """
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**64)))
    chars = [
        *rng.choices(string.ascii_letters + string.digits, k=size - 2),
        rng.choice(string.ascii_letters),
        rng.choice(string.digits),
    ]
    rng.shuffle(chars)
    return "".join(chars)


# Her names' only part of 3 letters or more is "zoe"; "Ng" is too short to count.
ZOE = PasswordSubject(login="zoe.ng", first_name="Zoé", last_name="Ng")


@properties
@given(password=random_mixes())
def test_any_random_16_character_mix_passes_for_a_person_whose_name_it_does_not_show(
    password: str,
) -> None:
    assume(not shows_a_name(password, parts=("zoe",)))

    assert failing_codes(password, user=ZOE) == set()


@properties
@given(
    password=random_mixes(),
    first_name=st.sampled_from(["Jean-Pierre", "Jean", "Pierre"]).flatmap(
        lambda name: st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
            lambda upper: "".join(
                c.upper() if up else c.lower() for c, up in zip(name, upper, strict=True)
            )
        )
    ),
    position=st.integers(min_value=0, max_value=16),
)
def test_first_name_inserted_anywhere_in_an_accepted_password_is_refused(
    password: str, first_name: str, position: int
) -> None:
    assume(failing_codes(password) == set())

    with_name = password[:position] + first_name + password[position:]

    assert NAME in failing_codes(with_name)
