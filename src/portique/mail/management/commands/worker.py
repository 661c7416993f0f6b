import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from portique.mail.services import mail_requeue_stalled

logger = logging.getLogger(__name__)

# How often a running worker looks for deliveries that another, dead, worker cut short.
SWEEP_SECONDS = 60


def _sweep_forever(stop: threading.Event) -> None:
    """Hand out again, every minute, the mails a dead worker left claimed: a worker that
    restarts within seconds, or another worker of the pool, picks them up without waiting
    for a restart."""
    while not stop.wait(SWEEP_SECONDS):
        try:
            requeued = mail_requeue_stalled()
            if requeued:
                logger.warning("%s mail(s) cut short by a stopped worker queued again", requeued)
        except Exception:  # the sweep must outlive a database hiccup; the next one retries
            logger.exception("sweep of stalled mails failed")
        finally:
            connection.close()


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
        stop = threading.Event()
        if not options["batch"]:
            threading.Thread(target=_sweep_forever, args=(stop,), daemon=True).start()
        try:
            call_command(
                "db_worker",
                queue_name="mail",
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                startup_delay=False,
                verbosity=options["verbosity"],
            )
        finally:
            stop.set()
