from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from portique.accounts.models import Category
from portique.accounts.services import person_create


class Command(BaseCommand):
    help = "Create a person and their account awaiting activation; print LOGIN<TAB>PASSWORD."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--login", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--category", required=True, choices=Category.values)
        parser.add_argument(
            "--provisional-password",
            help="Use this provisional password instead of a random one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = person_create(
                login=options["login"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                category=options["category"],
                provisional_password=options["provisional_password"],
                actor="cli",
            )
        except IntegrityError as error:
            raise CommandError(f"{options['login']} already exists") from error
        self.stdout.write(f"{credentials.login}\t{credentials.provisional_password}")
