"""`portique compiletranslations`: Django's compilemessages without GNU gettext.

`make demo` and `make test` must run where only python3 and make are installed, so the
.mo files are written by Babel instead of msgfmt (core/catalogues.py, which the package's
build also runs). Like `msgfmt --check-format`, it refuses a translation whose placeholders
do not fit its msgid.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portique.core.catalogues import CatalogueError, compile_catalogues


class Command(BaseCommand):
    help = "Compile every django.po under LOCALE_PATHS that is newer than its .mo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Compile even if up to date.")

    def handle(self, *args: Any, **options: Any) -> None:
        for locale_path in settings.LOCALE_PATHS:
            try:
                for po, mo in compile_catalogues(Path(locale_path), force=options["force"]):
                    if options["verbosity"] >= 1:
                        self.stdout.write(f"compiled {po} -> {mo.name}")
            except CatalogueError as error:
                raise CommandError(str(error)) from error
