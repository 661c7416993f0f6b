from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from portique.accounts.models import Person
from portique.onboarding.management.cli import discard, open_private
from portique.onboarding.management.commands.import_people import cli_actor
from portique.onboarding.services import CannotReissue, credentials_reissue


def people_of(hr_ids: list[str]) -> list[Person]:
    """Return the people with these hr_ids, in the order given; CommandError if one is
    unknown."""
    found = {person.hr_id: person for person in Person.objects.filter(hr_id__in=hr_ids)}
    unknown = [hr_id for hr_id in hr_ids if hr_id not in found]
    if unknown:
        raise CommandError(f"Unknown hr_id: {', '.join(unknown)}")
    return [found[hr_id] for hr_id in dict.fromkeys(hr_ids)]


class Command(BaseCommand):
    help = (
        "Write the PASS'UM letters of these people to OUT.pdf, one page each in the order "
        "given. Provisional passwords are kept only as hashes, so this REISSUES them: each "
        "person gets a new provisional password, valid PORTIQUE_PROVISIONAL_PASSWORD_DAYS "
        "days, and the one on their previous letter stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hr-id", dest="hr_ids", nargs="+", required=True, metavar="ID", help="HR ids."
        )
        parser.add_argument("-o", "--output", required=True, metavar="OUT.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        people = people_of(options["hr_ids"])
        path = options["output"]
        try:
            output = open_private(path)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from error
        try:
            # The new passwords count only if their letters reach the file.
            with transaction.atomic(), output:
                output.write(credentials_reissue(people=people, actor=cli_actor()))
        except CannotReissue as error:
            discard(path)
            raise CommandError(f"Nothing reissued: {error}") from error
        except BaseException:
            discard(path)
            raise
        self.stdout.write(
            f"{len(people)} letter(s) written to {path}, with new provisional passwords; "
            "the previous letters no longer work."
        )
