"""The public directory's LDAP filter, without a directory: the string it builds, and what it
matches in ldap3's in-memory directory (MOCK_SYNC), which evaluates filters as a server
does. The contract tests match the same filter against a real slapd."""

from collections.abc import Iterator

import pytest
from ldap3 import MOCK_SYNC, Connection, Server

from portique.accounts.stores.ldap import DEFAULT_ATTRIBUTES
from portique.accounts.stores.ldap_filters import (
    PAIRS_ASKED,
    SPELLINGS,
    WORDS_ASKED,
    directory_filter,
    letter_pairs,
    may_contain,
)

A = DEFAULT_ATTRIBUTES
BASE = "ou=people,dc=example,dc=org"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("a", ["a"]),
        ("de", ["de"]),
        ("ada", ["ad", "da"]),
        ("helene", ["he", "le", "ne"]),
        ("martin", ["ma", "rt", "in"]),
        ("lefevre", ["le", "fe", "vr", "re"]),
    ],
)
def test_a_folded_word_is_cut_into_pairs_of_letters(word: str, expected: list[str]) -> None:
    assert letter_pairs(word) == expected


@pytest.mark.parametrize(("base", "accented"), [("e", "é"), ("e", "è"), ("c", "ç"), ("s", "ș")])
def test_spellings_group_accented_letters_under_the_letter_they_fold_to(
    base: str, accented: str
) -> None:
    assert accented in SPELLINGS[base]


def test_a_word_is_asked_for_by_its_first_pairs_only() -> None:
    asked = may_contain("sn", "abcdefghij")

    assert asked.count("(|") == PAIRS_ASKED


def test_only_the_first_words_of_a_query_are_asked() -> None:
    words = ["anne", "bert", "carl", "dora", "emil"]

    asked = directory_filter(" ".join(words), A)

    assert [f"=*{word}*" in asked for word in words] == [True] * WORDS_ASKED + [False] * (
        len(words) - WORDS_ASKED
    )


def test_filter_characters_typed_are_escaped() -> None:
    asked = directory_filter("o*(x)\\", A)

    assert "=*o\\2a\\28x\\29\\5c*" in asked


@pytest.fixture
def directory() -> Iterator[Connection]:
    """ldap3's in-memory directory, with three people."""
    connection = Connection(
        Server("memory"), user="cn=admin,dc=example,dc=org", password="x", client_strategy=MOCK_SYNC
    )
    connection.strategy.add_entry("cn=admin,dc=example,dc=org", {"userPassword": "x", "sn": "a"})
    for login, first, last, activated, unlisted in [
        ("helene.lefevre", "Hélène", "Lefèvre", True, "FALSE"),
        ("jane.doe", "Jane", "Doe", True, "FALSE"),
        ("ines.unlisted", "Inès", "Lefèvre", True, "TRUE"),
        ("paul.martin", "Paul", "Martin", False, "TRUE"),
    ]:
        attributes = {
            "objectClass": ["inetOrgPerson"],
            A["login"]: login,
            A["first_name"]: first,
            A["last_name"]: last,
            A["unlisted"]: unlisted,
        }
        if activated:
            attributes[A["activated_at"]] = "20261124120000Z"
        connection.strategy.add_entry(f"uid={login},{BASE}", attributes)
    connection.bind()
    yield connection
    connection.unbind()


@pytest.mark.parametrize(
    ("query", "logins"),
    [
        ("helene", ["helene.lefevre"]),
        ("Hélène", ["helene.lefevre"]),
        ("HELENE LEFEVRE", ["helene.lefevre"]),
        ("lefèvre", ["helene.lefevre"]),
        ("jane", ["jane.doe"]),
        ("martin", []),
        ("zoe", []),
    ],
)
def test_the_filter_finds_listed_people_however_their_names_are_accented(
    directory: Connection, query: str, logins: list[str]
) -> None:
    directory.search(BASE, directory_filter(query, A), attributes=[A["login"]])

    assert sorted(str(entry[A["login"]]) for entry in directory.entries) == logins
