"""The password policy's knowledge: how a password is normalised, and the word lists.

"No dictionary word" must not become "no passphrase": a password is refused when, once
normalised (lower case, no accents, common substitutions undone) and stripped of the digits
and symbols around it, what remains is one dictionary word, a word repeated or reversed, a
word with at most two extra characters, or when one long word makes up most of it. Several
words, or random characters, pass.

The dictionary (about 250,000 French and English words) is held as a sorted array of 64-bit
hashes, 2 MB per process instead of the 35 MB of a set of strings; a false match needs two
different words with the same 64-bit hash.
"""

import bisect
import gzip
import itertools
import unicodedata
from array import array
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import django.contrib.auth

DATA = Path(__file__).parent / "data"
DJANGO_COMMON_PASSWORDS = Path(django.contrib.auth.__file__).parent / "common-passwords.txt.gz"
MIN_WORD_LENGTH = 4
# A word this long that fills more than half of the password is refused.
MIN_DOMINANT_WORD_LENGTH = 5
MAX_EXTRA_CHARACTERS = 2

# Common substitutions, undone before comparing. "1" stands for either i or l.
_SUBSTITUTIONS = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_ONE = ("i", "l")
_SUBSTITUTABLE = frozenset(_SUBSTITUTIONS) | {"1"}
# Past this many "1"s, try all-i and all-l only, rather than every mix.
_MAX_ONES_MIXED = 4


def fold(text: str) -> str:
    """Lower-case `text` and drop its accents ('Élodie' gives 'elodie')."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _letters_span(text: str) -> tuple[int, int]:
    """Return where the first letter of `text` starts and where the last one ends."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return start, end


def _strip(text: str) -> str:
    """Remove the digits and symbols before the first letter and after the last."""
    start, end = _letters_span(text)
    return text[start:end]


def _substituted(text: str) -> Iterable[str]:
    """Yield `text` with the substitutions undone, once per reading of its "1"s."""
    base = "".join(_SUBSTITUTIONS.get(c, c) for c in text)
    ones = base.count("1")
    if ones == 0:
        yield base
        return
    if ones > _MAX_ONES_MIXED:
        for letter in _ONE:
            yield base.replace("1", letter)
        return
    parts = base.split("1")
    for letters in itertools.product(_ONE, repeat=ones):
        yield parts[0] + "".join(
            letter + part for letter, part in zip(letters, parts[1:], strict=True)
        )


def readings(password: str) -> set[str]:
    """Return the normalised forms of `password`, whole, with substitutions undone."""
    return set(_substituted(fold(password)))


def cores(password: str) -> set[str]:
    """Return what remains of `password` once normalised and stripped of the digits and
    symbols around it, whether the substitutions are undone before or after stripping
    ('S0l3il2024', '123soleil' and '$oleil2024888' all give 'soleil')."""
    folded = fold(password)
    found = set(_substituted(_strip(folded)))
    found.update(_strip(reading) for reading in _substituted(folded))
    for edged in _with_edges(folded):
        found.update(_substituted(edged))
    found.discard("")
    return found


def _with_edges(text: str) -> set[str]:
    """Return `text` stripped but keeping, on one side or both, up to MAX_EXTRA_CHARACTERS
    substitution characters next to its letters: they may be letters in disguise, even when
    the digits beyond them are padding ('$oleil2024888' gives '$oleil')."""
    start, end = _letters_span(text)
    if start == end:
        return set()
    before = start
    while before > max(0, start - MAX_EXTRA_CHARACTERS) and text[before - 1] in _SUBSTITUTABLE:
        before -= 1
    after = end
    while after < min(len(text), end + MAX_EXTRA_CHARACTERS) and text[after] in _SUBSTITUTABLE:
        after += 1
    spans = {(before, end), (start, after), (before, after)} - {(start, end)}
    return {text[s:e] for s, e in spans}


class WordList:
    """A set of words as a sorted array of their 64-bit hashes."""

    def __init__(self, words: Iterable[str]) -> None:
        unique = set(words)
        self._hashes = array("q", sorted({hash(w) for w in unique}))
        # No substring longer than the longest word can be a word: searches stop there.
        self.max_length = max((len(w) for w in unique), default=0)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = hash(word)
        index = bisect.bisect_left(self._hashes, key)
        return index < len(self._hashes) and self._hashes[index] == key

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def nbytes(self) -> int:
        return self._hashes.itemsize * len(self._hashes)


@cache
def dictionary() -> WordList:
    """Return the French and English dictionary, loaded once per process."""
    with gzip.open(DATA / "words.txt.gz", "rt", encoding="ascii") as text:
        return WordList(text.read().split("\n"))


@cache
def common_passwords() -> frozenset[str]:
    """Return the normalised common passwords: Django's list and a French one."""
    entries: set[str] = set()
    with gzip.open(DJANGO_COMMON_PASSWORDS, "rt", encoding="utf-8") as django_list:
        lines = django_list.read().splitlines()
    lines += (DATA / "common-fr.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            entries.update(readings(entry))
    return frozenset(entries)


def dictionary_problem(password: str, words: WordList | None = None) -> str | None:
    """Return which dictionary rule `password` breaks ("word", "reversed", "repeated",
    "word_with_extra", "dominant_word"), the most specific first, or None."""
    words = words if words is not None else dictionary()
    candidates = sorted(c for c in cores(password) if len(c) >= MIN_WORD_LENGTH)
    dominant = max(MIN_DOMINANT_WORD_LENGTH, len(password) // 2 + 1)
    rules = (
        ("word", lambda core: core in words),
        ("reversed", lambda core: core[::-1] in words),
        ("repeated", lambda core: _is_repeated_word(core, words)),
        (
            "word_with_extra",
            lambda core: _contains_word(
                core, words, min_length=max(MIN_WORD_LENGTH, len(core) - MAX_EXTRA_CHARACTERS)
            ),
        ),
        ("dominant_word", lambda core: _contains_word(core, words, min_length=dominant)),
    )
    for name, breaks in rules:
        if any(breaks(core) for core in candidates):
            return name
    return None


def _is_repeated_word(text: str, words: WordList) -> bool:
    """Tell whether `text` is one dictionary word typed twice or more ('lapinlapinlapin')."""
    size = len(text)
    return any(
        size % length == 0 and text == text[:length] * (size // length) and text[:length] in words
        for length in range(MIN_WORD_LENGTH, size // 2 + 1)
    )


def _contains_word(text: str, words: WordList, *, min_length: int) -> bool:
    """Tell whether `text` contains a dictionary word at least `min_length` long."""
    size = len(text)
    # Bounded by the longest word, a long password costs no more than a short one: the live
    # checklist judges every keystroke.
    for length in range(min(size, words.max_length), min_length - 1, -1):
        for start in range(size - length + 1):
            if text[start : start + length] in words:
                return True
    return False


def is_common(password: str) -> bool:
    """Tell whether `password`, normalised, with or without the digits and symbols around
    it, is one of the common passwords."""
    common = common_passwords()
    return any(form in common for form in readings(password) | cores(password))
