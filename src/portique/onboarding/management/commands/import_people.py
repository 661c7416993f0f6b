import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portique.onboarding.importers import InvalidFile
from portique.onboarding.letters import render_letters
from portique.onboarding.management.cli import ProgressBar, discard, open_private
from portique.onboarding.services import people_import, store_transaction


def cli_actor() -> str:
    """Who runs the command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class Command(BaseCommand):
    help = (
        "Import people from HR's CSV file (UTF-8, ',' or ';'; columns hr_id, first_name, "
        "last_name, category, and optionally login, birth_date, department, contract_end), "
        "matched on hr_id: new people get an account awaiting activation, known people have "
        "their names and category updated. With --letters, the PASS'UM letters of the people "
        "given a provisional password are written to a PDF, the only place those passwords "
        "ever appear. An invalid line stops the import before anything is written, unless "
        "--skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="HR's CSV file.")
        parser.add_argument(
            "--letters", metavar="OUT.pdf", help="Write the letters of this import to OUT.pdf."
        )
        parser.add_argument(
            "--reissue",
            action="store_true",
            help="Also give new provisional passwords (and letters) to the people already "
            "imported and not yet activated; their previous letters stop working.",
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the valid lines anyway."
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show the progress bar even when stderr is not a terminal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        letters_path = options["letters"]
        show_progress = options["progress"] or self.stderr.isatty()
        # Opened first, so that a path that cannot be written stops the import before it
        # starts rather than after passwords were issued.
        try:
            output = open_private(letters_path) if letters_path else None
        except OSError as error:
            raise CommandError(f"Cannot write {letters_path}: {error.strerror}") from error
        try:
            # One transaction for the import and its letters (SQL store): if the letters
            # cannot be written, nobody is left with a provisional password no paper shows.
            with store_transaction():
                bar = ProgressBar(self.stderr, "Import", enabled=show_progress)
                report = people_import(
                    file=data,
                    reissue=options["reissue"],
                    skip_invalid=options["skip_invalid"],
                    actor=cli_actor(),
                    progress=bar,
                    source=path.name,
                )
                bar.finish()
                for rejection in report.rejected:
                    self.stderr.write(str(rejection))
                if not report.written:
                    raise CommandError(
                        f"Nothing imported: {len(report.rejected)} invalid line(s). Correct "
                        "them, or use --skip-invalid to import the other lines."
                    )
                if output is not None and report.credentials:
                    bar = ProgressBar(self.stderr, "Letters", enabled=show_progress)
                    output.write(render_letters(report.credentials, progress=bar))
                    output.close()
                    bar.finish()
        except InvalidFile as error:
            raise CommandError(str(error)) from error
        finally:
            if output is not None and not output.closed:
                output.close()
                discard(letters_path)
        self.stdout.write(report.summary())
        if letters_path and report.credentials:
            self.stdout.write(f"{len(report.credentials)} letter(s) written to {letters_path}")
        elif letters_path:
            self.stdout.write("No letter to write: nobody was given a provisional password.")
        elif report.credentials:
            self.stdout.write(
                f"{len(report.credentials)} provisional password(s) issued but not printed: "
                "`portique letters --hr-id ID... -o OUT.pdf` prints letters, with new ones."
            )
