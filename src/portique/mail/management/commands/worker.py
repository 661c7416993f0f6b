import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TASKS_LOGGER

from portique.mail.services import mail_requeue_stalled
from portique.mail.worker import MailWorker

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
        _configure_logging(options["verbosity"])
        worker = MailWorker(
            queue_names=["mail"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()


def _configure_logging(verbosity: int) -> None:
    """-v 0 silences django-tasks, -v 2 logs each task's start and end; by default its
    loggers keep the levels of settings.LOGGING (warnings), where db_worker logged two lines
    a mail: the delivery logs what goes wrong with a mail itself."""
    if verbosity == 0:
        level = logging.CRITICAL
    elif verbosity >= 2:
        level = logging.DEBUG
    else:
        return
    for name in (TASKS_LOGGER, "django_tasks_db"):
        logging.getLogger(name).setLevel(level)
