"""`portique demo`: a portal to try on this machine, with demo people and the dev outbox."""

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from portique.accounts.models import Person
from portique.accounts.services import account_reissue_provisional_password, person_create
from portique.accounts.stores import get_account_store

DEMO_PEOPLE = [
    ("jane.doe", "Jane", "Doe", "staff"),
    ("paul.martin", "Paul", "Martin", "vacataire"),
    ("lea.bernard", "Léa", "Bernard", "student"),
]


class Command(BaseCommand):
    help = "Migrate, load demo people (printing their provisional passwords) and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--no-serve", action="store_true", help="Prepare, print, and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        store = get_account_store()
        lines = []
        for login, first_name, last_name, category in DEMO_PEOPLE:
            if not Person.objects.filter(login=login).exists():
                credentials = person_create(
                    login=login,
                    first_name=first_name,
                    last_name=last_name,
                    category=category,
                    actor="demo",
                )
                lines.append((login, category, credentials.provisional_password))
                continue
            account = store.find(login)
            if account is not None and account.activated:
                lines.append((login, category, "(déjà activé / already activated)"))
            else:
                credentials = account_reissue_provisional_password(login=login, actor="demo")
                lines.append((login, category, credentials.provisional_password))
        port = options["port"] or int(os.environ.get("PORT", "8000"))
        self.stdout.write("")
        self.stdout.write("Demo people (login, category, provisional password):")
        for login, category, password in lines:
            self.stdout.write(f"  {login:<14} {category:<10} {password}")
        self.stdout.write("")
        self.stdout.write(f"Portal:   http://{options['host']}:{port}/")
        self.stdout.write(f"Mails:    http://{options['host']}:{port}/dev/mail/")
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=port)
