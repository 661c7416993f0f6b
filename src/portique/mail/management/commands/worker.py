from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from portique.mail.services import mail_requeue_stalled


class Command(BaseCommand):
    help = "Run the mail worker alone: delivers the outbox, retrying what the server refuses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Deliver what is queued, then exit."
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        # A worker that died while sending left its mail claimed: hand it out again.
        requeued = mail_requeue_stalled()
        if requeued:
            self.stderr.write(f"{requeued} mail(s) cut short by a stopped worker queued again")
        call_command(
            "db_worker",
            queue_name="mail",
            interval=options["interval"],
            batch=options["batch"],
            reload=False,
            startup_delay=False,
            verbosity=options["verbosity"],
        )
