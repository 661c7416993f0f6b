"""Benchmark of the password policy: load time and memory of the dictionaries, and the time
to check one password with every rule.

Goals: median check of a 10-30 character password <= 1 ms with the dictionaries loaded;
dictionaries <= 40 MB per worker process; load <= 0.5 s.

    .venv/bin/python bench/password_policy.py
"""

import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portique.settings")
os.environ.setdefault("PORTIQUE_DEBUG", "true")
os.environ.setdefault("PORTIQUE_VAR_DIR", tempfile.mkdtemp(prefix="portique-bench-"))

SAMPLES = 3000


def rss_bytes() -> int:
    """Resident memory of this process, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def sample_passwords(count: int, rng: random.Random) -> list[str]:
    """Passwords of 10 to 30 characters, as people type them: words with digits, passphrases,
    random strings."""
    words = ["soleil", "cheval", "agrafe", "velo", "rouge", "mardi", "bonjour", "chocolat",
             "montagne", "riviere", "password", "dragon", "printemps", "lumiere"]  # fmt: skip
    passwords = []
    while len(passwords) < count:
        kind = rng.randrange(3)
        if kind == 0:
            candidate = rng.choice(words).capitalize() + str(rng.randrange(10, 99999))
        elif kind == 1:
            candidate = "-".join(rng.sample(words, 3)) + str(rng.randrange(10))
        else:
            alphabet = string.ascii_letters + string.digits
            candidate = "".join(rng.choice(alphabet) for _ in range(rng.randrange(10, 31)))
        if 10 <= len(candidate) <= 30:
            passwords.append(candidate)
    return passwords


def main() -> int:
    import django

    django.setup()
    before = rss_bytes()
    started = time.perf_counter()
    from portique.passwords import policy

    words = policy.dictionary()
    common = policy.common_passwords()
    load_seconds = time.perf_counter() - started
    memory = rss_bytes() - before

    from portique.passwords.validators import rules_report

    class Person:
        first_name, last_name, login = "Jean-Pierre", "Dupont", ""

    person = Person()
    timings = []
    for password in sample_passwords(SAMPLES, random.Random(2026)):
        started = time.perf_counter()
        rules_report(password, person)
        timings.append(time.perf_counter() - started)
    timings.sort()
    median_ms = statistics.median(timings) * 1000
    p99_ms = timings[int(len(timings) * 0.99)] * 1000

    goals = [
        ("median check, 10-30 chars", median_ms, 1.0, "ms"),
        ("dictionaries in memory (RSS)", memory / 2**20, 40.0, "MB"),
        ("load time", load_seconds, 0.5, "s"),
    ]
    print(f"password policy: {len(words)} dictionary words, {len(common)} common passwords")
    print(f"  checked {SAMPLES} passwords; p99 {p99_ms:.3f} ms")
    ok = True
    for name, value, goal, unit in goals:
        verdict = "ok" if value <= goal else "MISSED"
        ok &= value <= goal
        print(f"  {name:<30} {value:8.3f} {unit:<2} (goal <= {goal} {unit}) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
