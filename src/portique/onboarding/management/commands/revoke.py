from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portique.onboarding.management.commands.import_people import cli_actor
from portique.onboarding.management.commands.letters import people_of
from portique.onboarding.services import credentials_revoke


class Command(BaseCommand):
    help = (
        "Revoke the provisional passwords of these people (a lost or stolen letter): they "
        "stop working now, and activations begun with them end. People already activated are "
        "left as they are. `portique letters` gives them a new letter."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hr-id", dest="hr_ids", nargs="+", required=True, metavar="ID", help="HR ids."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people = people_of(options["hr_ids"])
        revoked = credentials_revoke(people=people, actor=cli_actor())
        self.stdout.write(f"{revoked} provisional password(s) revoked.")
        if revoked < len(people):
            self.stdout.write(
                f"{len(people) - revoked} left as they were (account activated, or none)."
            )
