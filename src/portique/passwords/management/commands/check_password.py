"""`portique check-password`: the helpdesk's way to tell someone why a password is refused."""

from types import SimpleNamespace
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portique.passwords.validators import rules_report


class Command(BaseCommand):
    help = (
        "Check a password against the policy: print the message of each rule it breaks and "
        "exit 1, or print OK and exit 0. Put -- before a password that starts with '-'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--login", default="")
        parser.add_argument("password")

    def handle(self, *args: Any, **options: Any) -> None:
        person = SimpleNamespace(
            first_name=options["first_name"], last_name=options["last_name"], login=options["login"]
        )
        failures = [r for r in rules_report(options["password"], person) if not r.ok]
        if not failures:
            self.stdout.write("OK")
            return
        for result in failures:
            for message in result.messages:
                self.stdout.write(message)
        raise SystemExit(1)
