"""Benchmark of HR onboarding: import a file of 50,000 new people (French names with
accents, compound names, homonyms whose logins collide) into the SQL store, then write
their PASS'UM letters, one PDF page each.

Goal: the 50,000, import and letters, in under 2 minutes on a 2-core machine.
BENCH_PEOPLE sets the number of people.

    .venv/bin/python bench/onboarding_import.py
"""

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

VAR_DIR = Path(tempfile.mkdtemp(prefix="portique-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portique.settings")
os.environ.setdefault("PORTIQUE_DEBUG", "true")
os.environ.setdefault("PORTIQUE_VAR_DIR", str(VAR_DIR))
os.environ.setdefault("PORTIQUE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'bench.sqlite3'}")
os.environ.setdefault("PORTIQUE_LOG_LEVEL", "WARNING")

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "50000"))
GOAL_SECONDS = 120.0

FIRST_NAMES = [
    "Élodie", "Jérôme", "Anaïs", "François", "Cécile", "Loïc", "Hélène", "Maëlle", "Noël",
    "Zoé", "Léa", "Chloé", "Gaëtan", "Inès", "Raphaël", "Benoît", "Agnès", "Joël", "Aurélie",
    "Clément", "Séverine", "Mégane", "Jean-Pierre", "Marie-Thérèse", "Anne-Sophie", "Paul",
    "Camille", "Lucas", "Manon", "Hugo", "Emma", "Louis", "Jade", "Nathan", "Sarah", "Tom",
    "Juliette", "Théo", "Lou", "Nicolas", "Pauline", "Antoine", "Margaux", "Julien", "Océane",
]  # fmt: skip
LAST_NAMES = [
    "Lefèvre-Durand", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
    "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "Bézier",
    "Mercier", "Boyer", "Blanc", "Guérin", "Muller", "Hénaff", "Faure", "André", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Müller", "Lefèvre",
    "D'Artagnan", "de La Fontaine", "Le Gall", "N'Diaye", "Côté", "Gagné", "Bouchard",
    "Pelletier", "Leblanc", "Château", "Besançon", "Dœuvre", "Saint-Exupéry", "Benoît",
    "Roux", "Fournier", "Morel", "Chevalier", "François", "Legrand", "Gauthier", "Perrin",
]  # fmt: skip
CATEGORIES = ["staff", "student", "student", "student", "vacataire"]


def write_csv(path: Path, count: int, rng: random.Random) -> None:
    """Write HR's file as a French spreadsheet exports it: BOM, ';' separators."""
    lines = ["hr_id;first_name;last_name;category;department;contract_end"]
    for number in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.random() < 0.6:
            # Two family names, as many French people have: homonyms stay a minority.
            last = (
                f"{last}-{rng.choice(LAST_NAMES)}"
                if rng.random() < 0.5
                else f"{last} {rng.choice(LAST_NAMES)}"
            )
        category = rng.choice(CATEGORIES)
        end = "31/08/2027" if category == "vacataire" else ""
        lines.append(f"RH{number:07d};{first};{last};{category};UFR Sciences;{end}")
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def peak_memory_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from portique.onboarding.letters import render_letters
    from portique.onboarding.services import people_import

    csv_path = VAR_DIR / "people.csv"
    write_csv(csv_path, PEOPLE, random.Random(2026))

    started, cpu_started = time.perf_counter(), time.process_time()
    report = people_import(file=csv_path.read_bytes(), actor="bench", source=csv_path.name)
    imported, cpu_imported = time.perf_counter(), time.process_time()
    pdf = render_letters(report.credentials)
    letters_path = VAR_DIR / "letters.pdf"
    letters_path.write_bytes(pdf)
    finished, cpu_finished = time.perf_counter(), time.process_time()

    assert len(report.created) == PEOPLE, report.summary()
    import_seconds, letter_seconds = imported - started, finished - imported
    total = finished - started
    logins = [person.login for person in report.created]
    numbered = [login for login in logins if login[-1].isdigit()]
    print(f"onboarding: {PEOPLE} people imported, {len(report.credentials)} letters")
    print(f"  {len(numbered)} logins numbered after a collision, e.g. {numbered[-1]}")
    print(
        f"  import   {import_seconds:7.1f} s  {PEOPLE / import_seconds:8.0f} people/s"
        f"  (CPU {cpu_imported - cpu_started:.1f} s)"
    )
    print(
        f"  letters  {letter_seconds:7.1f} s  {PEOPLE / letter_seconds:8.0f} pages/s"
        f"  (CPU {cpu_finished - cpu_imported:.1f} s)"
    )
    print(f"  PDF {len(pdf) / 2**20:.1f} MB ({len(pdf) / PEOPLE:.0f} bytes a page)")
    print(f"  peak memory (ru_maxrss) {peak_memory_mb():.0f} MB")
    goal = GOAL_SECONDS * PEOPLE / 50000
    ok = total <= goal
    verdict = "ok" if ok else "MISSED"
    print(f"  {'import and letters':<30} {total:8.1f} s  (goal <= {goal:.0f} s) {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
