from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from portique.helpdesk.roles import ROLES
from portique.helpdesk.services import agent_create


class Command(BaseCommand):
    help = (
        "Create a helpdesk agent or an administrator (a staff user in the role's group) and "
        "print the one-time link where they choose their password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=list(ROLES))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            agent = agent_create(
                username=options["username"],
                email=options["email"],
                role=options["role"],
                actor="cli",
            )
        except IntegrityError as error:
            raise CommandError(f"{options['username']} already exists") from error
        self.stdout.write(
            f"{agent.user.username} ({options['role']}) created. Send them this link to choose "
            f"their password; it works once, for 3 days:\n{agent.password_link}"
        )
