from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portique.onboarding.digest import digest_send
from portique.onboarding.management.commands.import_people import cli_actor
from portique.onboarding.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Mail the reminders due (PORTIQUE_REMINDER_DAYS after each letter, to the person's "
        "personal address, each once), then HR's digest (PORTIQUE_HR_DIGEST_TO) when the last "
        "one is PORTIQUE_HR_DIGEST_INTERVAL_DAYS old. Run it from cron, daily or hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        digest = parser.add_mutually_exclusive_group()
        digest.add_argument(
            "--digest", action="store_true", help="Send HR's digest now, even if not due."
        )
        digest.add_argument("--no-digest", action="store_true", help="Send no digest.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli_actor()
        report = reminders_send(actor=actor)
        days = ", ".join(f"day {day}: {count}" for day, count in sorted(report.by_day.items()))
        self.stdout.write(
            f"Reminders sent: {report.sent}" + (f" ({days})" if days else "")
            + f"; already sent by another run: {report.already_sent}"
            + f"; passed (a later one was due): {report.superseded}."
        )  # fmt: skip
        if options["no_digest"]:
            return
        queued = digest_send(force=options["digest"], actor=actor)
        if queued is None:
            self.stdout.write("HR digest: not due (or no PORTIQUE_HR_DIGEST_TO).")
        else:
            self.stdout.write(f"HR digest: queued for {queued} recipient(s).")
