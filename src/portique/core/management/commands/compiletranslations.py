"""`portique compiletranslations`: Django's compilemessages without GNU gettext.

`make demo` and `make test` must run where only python3 and make are installed, so the
.mo files are written by Babel instead of msgfmt. Like `msgfmt --check-format`, it refuses
a translation whose placeholders do not fit its msgid.
"""

import os
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _read(po: Path) -> Catalog:
    try:
        with po.open("rb") as file:
            catalog = read_po(file, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        raise CommandError(f"{po}: cannot be read: {error}") from error
    problems = [
        f"{po}:{message.lineno}: {error}" for message, errors in catalog.check() for error in errors
    ]
    if problems:
        raise CommandError("\n".join(problems))
    return catalog


def _write(catalog: Catalog, mo: Path) -> None:
    # Write beside, then rename: a server reading the catalogue never sees half a file.
    # (open(), not mkstemp(): the .mo gets the umask's permissions, readable by the server.)
    temporary = mo.with_name(f".{mo.name}.{os.getpid()}")
    try:
        with temporary.open("wb") as file:
            write_mo(file, catalog)
        temporary.replace(mo)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Compile every django.po under LOCALE_PATHS that is newer than its .mo."

    def handle(self, *args: Any, **options: Any) -> None:
        for locale_path in settings.LOCALE_PATHS:
            for po in sorted(Path(locale_path).rglob("django.po")):
                mo = po.with_suffix(".mo")
                if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                    if options["verbosity"] >= 2:
                        self.stdout.write(f"{mo} is up to date")
                    continue
                _write(_read(po), mo)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"compiled {po} -> {mo.name}")
