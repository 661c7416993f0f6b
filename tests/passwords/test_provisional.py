"""Provisional passwords: their shape on the letter, their strength, and their keyed hash."""

import math
import re

import pytest
from pytest_django import Settings

from portique.passwords import provisional
from portique.passwords.provisional import ALPHABET, check, generate, make

CONFUSABLE = "0O1lI"
SHAPE = re.compile(rf"[{re.escape(ALPHABET)}]{{4}}(-[{re.escape(ALPHABET)}]{{4}}){{2}}")
SAMPLES = 500


def test_generated_password_is_three_groups_of_four_from_the_alphabet() -> None:
    password = generate()

    assert SHAPE.fullmatch(password), password


def test_every_generated_password_has_the_letter_shape() -> None:
    odd = [p for p in (generate() for _ in range(SAMPLES)) if not SHAPE.fullmatch(p)]

    assert odd == []


@pytest.mark.parametrize("character", list(CONFUSABLE))
def test_alphabet_leaves_out_confusable_character(character: str) -> None:
    assert character not in ALPHABET


def test_generated_passwords_never_contain_a_confusable_character() -> None:
    generated = "".join(generate() for _ in range(SAMPLES))

    assert set(generated) & set(CONFUSABLE) == set()


def test_alphabet_has_no_repeated_character() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET)


def test_twelve_characters_from_the_alphabet_give_at_least_60_bits() -> None:
    characters = provisional.GROUPS * provisional.GROUP_LENGTH

    assert characters == 12
    assert math.log2(len(ALPHABET) ** characters) >= 60


def test_generated_passwords_differ() -> None:
    assert len({generate() for _ in range(SAMPLES)}) == SAMPLES


def test_make_is_deterministic() -> None:
    assert make("Kx7m-Rt9q-Bz4w") == make("Kx7m-Rt9q-Bz4w")


def test_make_differs_for_different_passwords() -> None:
    assert make("Kx7m-Rt9q-Bz4w") != make("Kx7m-Rt9q-Bz4x")


def test_make_does_not_return_the_password() -> None:
    stored = make("Kx7m-Rt9q-Bz4w")

    assert "Kx7m-Rt9q-Bz4w" not in stored
    assert re.fullmatch(r"[0-9a-f]{64}", stored)


def test_make_depends_on_the_secret_key(settings: Settings) -> None:
    before = make("Kx7m-Rt9q-Bz4w")
    settings.SECRET_KEY = "another-" + "s" * 50

    assert make("Kx7m-Rt9q-Bz4w") != before


def test_check_accepts_the_right_password() -> None:
    assert check("Kx7m-Rt9q-Bz4w", make("Kx7m-Rt9q-Bz4w")) is True


def test_check_refuses_a_wrong_password() -> None:
    assert check("Kx7m-Rt9q-Bz4x", make("Kx7m-Rt9q-Bz4w")) is False


@pytest.mark.parametrize("password", ["Kx7m-Rt9q-Bz4w", ""])
def test_check_refuses_anything_against_an_empty_stored_hash(password: str) -> None:
    assert check(password, "") is False
