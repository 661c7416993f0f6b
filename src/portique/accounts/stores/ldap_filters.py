"""The LDAP filter of the public directory's search, which finds names however they are
accented: pure string building, tested without a directory (tests/accounts/
test_ldap_filters.py), and matched for real against slapd by the store's contract tests.
"""

import itertools

from ldap3.utils.conv import escape_filter_chars

from portique.accounts.folding import fold, query_words

# The directory is asked for the first words of a query, and the first pairs of letters of
# each: a filter of 100 characters of vowels would otherwise hold 10,000 substrings, and
# take seconds. The words and letters left out are checked on the entries read.
WORDS_ASKED = 3
PAIRS_ASKED = 3


def accented_letters() -> dict[str, str]:
    """Return the lower-case letters of the Latin-1 Supplement and Latin Extended-A blocks,
    and Romanian ș and ț in both cases, grouped under the letter they fold to:
    {"e": "eèéêëēĕėęě", ...}. Samba's case-insensitive matching, unlike OpenLDAP's, does not
    take Ș for ș (Latin Extended-B), hence both."""
    spellings: dict[str, str] = {}
    romanian = (0x218, 0x219, 0x21A, 0x21B)
    for code in [*range(0xC0, 0x180), *romanian]:
        letter = chr(code)
        base = fold(letter)
        lower = letter == letter.lower() or code in romanian
        if lower and base != letter and len(base) == 1 and base.isascii():
            spellings[base] = spellings.get(base, base) + letter
    return spellings


SPELLINGS = accented_letters()


def letter_pairs(word: str) -> list[str]:
    """Cut a folded word into pairs of letters ("helene": he, le, ne); a word of odd length
    ends with its last two letters, a word of one or two letters is its own pair."""
    if len(word) <= 2:
        return [word]
    cut = [word[i : i + 2] for i in range(0, len(word) - 1, 2)]
    return [*cut, word[-2:]] if len(word) % 2 else cut


def may_contain(attribute: str, word: str) -> str:
    """Return a filter for the entries whose `attribute` may contain the folded `word` with
    accents: each of its pairs of letters, in one accented spelling or another. Pairs keep
    the filter small (110 substrings for "helene", which has 40,000 spellings); they let
    through a few names that do not contain the word, which the caller drops."""
    asked = []
    for pair in letter_pairs(word)[:PAIRS_ASKED]:
        spellings = itertools.product(*(SPELLINGS.get(letter, letter) for letter in pair))
        asked.append(
            "(|"
            + "".join(f"({attribute}=*{escape_filter_chars(''.join(s))}*)" for s in spellings)
            + ")"
        )
    return "(&" + "".join(asked) + ")"


def directory_filter(query: str, attributes: dict[str, str]) -> str:
    """Return a filter for the listed people whose first or last name may contain each
    word of `query`, as typed or with other accents; `attributes` maps Portique's names of
    the attributes (first_name, last_name, activated_at, unlisted) to the directory's.

    The directory's own rules ignore case but not accents: OpenLDAP's
    caseIgnoreSubstringsMatch, like caseIgnoreMatch, lower-cases and normalises (NFKC) but
    keeps é apart from e, so "helene" alone would miss Hélène. Each word is therefore asked
    for as typed (found however accented the name, even with letters SPELLINGS lacks) or,
    folded, in any accented spelling (may_contain); the store then keeps the entries whose
    folded names contain every word."""
    a = attributes
    names = (a["first_name"], a["last_name"])
    conditions: list[str] = []
    for typed in query.split():
        folded = query_words(typed)
        if not folded:
            continue
        if len(conditions) == WORDS_ASKED:
            break
        as_typed = "".join(f"({name}=*{escape_filter_chars(typed)}*)" for name in names)
        accented = "".join(
            "(|" + "".join(may_contain(name, word) for name in names) + ")" for word in folded
        )
        conditions.append(f"(|{as_typed}(&{accented}))")
    return f"(&({a['activated_at']}=*)({a['unlisted']}=FALSE){''.join(conditions)})"
