"""Build data/words.txt.gz, the dictionary of the "no dictionary word" rule.

The words are pyspellchecker's French and English lists (MIT licence), lower-cased, without
accents, letters only, at least 4 long: the form the policy compares with. Run it again after
upgrading pyspellchecker:

    .venv/bin/pip install pyspellchecker && .venv/bin/python -m portique.passwords.build_dictionary
"""

import gzip
import json
from importlib import resources
from pathlib import Path

from portique.passwords.policy import MIN_WORD_LENGTH, fold

OUTPUT = Path(__file__).parent / "data" / "words.txt.gz"


def build() -> int:
    words: set[str] = set()
    for language in ("fr", "en"):
        source = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
        with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
            for word in json.load(text):
                folded = fold(word)
                if len(folded) >= MIN_WORD_LENGTH and folded.isascii() and folded.isalpha():
                    words.add(folded)
    # mtime=0: the same words give the same bytes, so the file changes only when they do.
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as out:
        out.write("\n".join(sorted(words)).encode())
    return len(words)


if __name__ == "__main__":
    print(f"{build()} words written to {OUTPUT}")
