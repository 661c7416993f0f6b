"""Names folded for the public directory's search and order: lower case, accents dropped,
so that "helene" finds Hélène, "ÉLODIE" finds Elodie, and Éluard is listed among the E and
de La Fontaine among the D, whatever the database or directory.

Letters that are not a letter plus accents (ø, ł, æ, œ, ß) stay as they are: they are found
when typed as such.
"""

import unicodedata


def fold(text: str) -> str:
    """Return `text` in lower case without its accents ('Élodie Lefèvre' gives 'elodie
    lefevre')."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_words(query: str) -> list[str]:
    """Return the folded words of a directory search, each of which a person's first or
    last name must contain."""
    return fold(query).split()


def search_key(first_name: str, last_name: str) -> str:
    """Return what the SQL store matches query words against: both names folded, joined by
    a space. No query word holds a space, so a word is found within one name, never across
    the two, as when each name is searched on its own."""
    return f"{fold(first_name)} {fold(last_name)}"


def sort_key(first_name: str, last_name: str) -> tuple[str, str]:
    """Return what people are listed by: the last name folded, then the first name folded
    (the login breaks the ties left)."""
    return fold(last_name), fold(first_name)
