"""The policy's knowledge: how a password is normalised, and the word lists."""

import gzip

import pytest
from django.contrib.auth.password_validation import CommonPasswordValidator

from portique.passwords import policy

# --- fold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Élodie", "elodie"),
        ("ÇA", "ca"),
        ("Jean-Pierre", "jean-pierre"),
        ("Noël Müller", "noel muller"),
        ("k7Rv9qLx2t", "k7rv9qlx2t"),
    ],
)
def test_fold_lowers_case_and_drops_accents(text: str, folded: str) -> None:
    assert policy.fold(text) == folded


def test_fold_keeps_digits_and_symbols() -> None:
    assert policy.fold("S0l3il-2024!") == "s0l3il-2024!"


# --- readings -------------------------------------------------------------------------------


def test_readings_undo_every_substitution() -> None:
    assert policy.readings("P@$$w0rd") == {"password"}


def test_readings_undo_digit_substitutions() -> None:
    assert policy.readings("S0l3il4757") == {"soleilatst"}


def test_readings_read_1_as_i_and_as_l() -> None:
    assert policy.readings("Ba11on") == {"baiion", "bailon", "balion", "ballon"}


def test_readings_of_many_1s_are_all_i_or_all_l() -> None:
    assert policy.readings("a11111b") == {"aiiiiib", "alllllb"}


def test_readings_keep_the_whole_password() -> None:
    assert policy.readings("soleil2024") == {"soleil2o2a"}


# --- cores ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "core"),
    [
        ("soleil2024", "soleil"),
        ("Soleil2024!", "soleil"),
        ("S0l3il2024", "soleil"),
        ("123soleil", "soleil"),
        ("!!Fromage!!42", "fromage"),
        ("Ch0c0l@t!7", "chocolat"),
        ("$oleil2024888", "soleil"),  # "$" is the word's s; the digits beyond are padding
        ("2024999chocola7", "chocolat"),  # "7" is the word's t
        ("lieloS99", "lielos"),
    ],
)
def test_cores_strip_padding_and_undo_substitutions(password: str, core: str) -> None:
    assert core in policy.cores(password)


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("c1tron99", "citron"),  # 1 read as i
        ("mus1que88", "musique"),
        ("f1eur!!42", "fleur"),  # 1 read as l
        ("ba11on99", "ballon"),
    ],
)
def test_cores_read_1_as_i_or_l(password: str, word: str) -> None:
    assert word in policy.cores(password)


def test_cores_keep_the_inside_of_a_passphrase() -> None:
    assert "velo rouge mardi" in policy.cores("velo rouge mardi 42")


def test_cores_never_hold_the_empty_string() -> None:
    assert "" not in policy.cores("!!2024!!")


# --- WordList -------------------------------------------------------------------------------


def test_word_list_holds_its_words() -> None:
    words = policy.WordList(["soleil", "lune"])

    assert "soleil" in words


def test_word_list_does_not_hold_other_words() -> None:
    words = policy.WordList(["soleil", "lune"])

    assert "soleils" not in words


def test_word_list_holds_no_word_when_empty() -> None:
    assert "soleil" not in policy.WordList([])


def test_word_list_holds_no_object_but_strings() -> None:
    assert 42 not in policy.WordList(["soleil"])


def test_word_list_counts_each_word_once() -> None:
    assert len(policy.WordList(["soleil", "lune", "soleil"])) == 2


def test_word_list_takes_8_bytes_a_word() -> None:
    assert policy.WordList(["soleil", "lune", "etoile"]).nbytes == 24


# --- The dictionary -------------------------------------------------------------------------


def test_dictionary_holds_more_than_200000_words() -> None:
    assert len(policy.dictionary()) > 200_000


@pytest.mark.parametrize("word", ["soleil", "bonjour", "chocolat", "fromage", "grenouille"])
def test_dictionary_holds_french_words(word: str) -> None:
    assert word in policy.dictionary()


@pytest.mark.parametrize("word", ["password", "keyboard", "sunshine", "butterfly"])
def test_dictionary_holds_english_words(word: str) -> None:
    assert word in policy.dictionary()


def test_dictionary_holds_french_words_without_their_accents() -> None:
    assert "elephant" in policy.dictionary()


@pytest.mark.parametrize("text", ["kqtwzerm", "ktrv9qlx2t", "soleilsoleil"])
def test_dictionary_does_not_hold_non_words(text: str) -> None:
    assert text not in policy.dictionary()


def test_dictionary_takes_far_less_than_a_set_of_strings() -> None:
    # A set of the same strings takes some 35 MB; the hashes, a tenth of that at most.
    assert policy.dictionary().nbytes < 4 * 1024 * 1024


# --- Common passwords -----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["azerty", "doudou", "loulou", "marseille", "motdepasse"])
def test_common_passwords_hold_the_french_list(password: str) -> None:
    assert password in policy.common_passwords()


def django_common_passwords() -> list[str]:
    with gzip.open(CommonPasswordValidator().DEFAULT_PASSWORD_LIST_PATH, "rt") as lines:
        return lines.read().splitlines()


@pytest.mark.parametrize("password", ["qwerty", "iloveyou", "letmein", "monkey"])
def test_common_passwords_hold_django_list(password: str) -> None:
    assert password in django_common_passwords()

    assert password in policy.common_passwords()


def test_common_passwords_are_held_normalised() -> None:
    # Django's list has "p@ssw0rd"; it is held as the password it stands for.
    assert "p@ssw0rd" in django_common_passwords()

    assert "password" in policy.common_passwords()


def test_common_passwords_do_not_hold_a_random_string() -> None:
    assert "k7rv9qlx2t" not in policy.common_passwords()


@pytest.mark.parametrize("password", ["AZERTY", "Doudou!!", "l0ul0u2024", "123marseille"])
def test_is_common_after_normalisation(password: str) -> None:
    assert policy.is_common(password)


@pytest.mark.parametrize("password", ["k7Rv9qLx2t", "velo rouge mardi 42"])
def test_is_common_refuses_nothing_uncommon(password: str) -> None:
    assert not policy.is_common(password)


# --- Which dictionary rule a password breaks ------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("soleil2024", "word"),
        ("123soleil", "word"),
        ("S0l3il2024", "word"),
        ("lieloS99", "reversed"),
        ("ruojnob2024", "reversed"),
        ("lapinlapin7", "repeated"),
        ("lapinlapinlapin7", "repeated"),
        ("xxsoleil99", "word_with_extra"),
        ("99soleilxy", "word_with_extra"),
        ("chocolat99x", "dominant_word"),
        ("Xq9chocolat", "dominant_word"),
    ],
)
def test_dictionary_problem_names_the_rule_broken(password: str, problem: str) -> None:
    assert policy.dictionary_problem(password) == problem


@pytest.mark.parametrize(
    "password",
    [
        "k7Rv9qLx2t",
        "8cheval-agrafe-pile-Z",
        "velo rouge mardi 42",
        "chevalagrafepile8",
        "correcthorsebatterystaple1",
    ],
)
def test_dictionary_problem_is_none_for_passphrases_and_random_strings(password: str) -> None:
    assert policy.dictionary_problem(password) is None


def test_three_extra_characters_are_no_longer_a_word_with_extra() -> None:
    # soleil is 6 of these 9 letters: neither 2 extra characters nor more than half of 12.
    assert policy.dictionary_problem("xyzsoleil123") is None


def test_short_word_is_no_dictionary_problem() -> None:
    # Words of 3 letters are not held: "velo" is, "vel" is not.
    assert policy.dictionary_problem("Zx8-vel-Kq3w") is None


def test_dictionary_problem_reads_the_given_word_list() -> None:
    words = policy.WordList(["zorglub"])

    assert policy.dictionary_problem("Zorglub2024", words=words) == "word"
