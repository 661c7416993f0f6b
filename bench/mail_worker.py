"""Benchmark of the mail outbox: how fast mails are queued, and how fast one worker hands
them to a real SMTP server (aiosmtpd on a loopback port), with a SQLite file database.

Goals: every queued mail is delivered exactly once (lost: 0, none twice); the figures are
printed for comparison between runs. BENCH_MAILS sets how many mails (default 10,000).

Then mails arrive one at a time, as they do from a busy portal: BENCH_TRICKLE_MAILS (default
100), one every 1/BENCH_TRICKLE_RATE s (default 10 a second), delivered by the worker as
`portique worker` runs it (a poll a second when idle): its CPU per mail then includes its
polls and, between bursts, its SMTP connection kept or opened again.

    .venv/bin/python bench/mail_worker.py
"""

import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MAILS = int(os.environ.get("BENCH_MAILS", "10000"))
BATCH = 500
TRICKLE_MAILS = int(os.environ.get("BENCH_TRICKLE_MAILS", "100"))
TRICKLE_RATE = float(os.environ.get("BENCH_TRICKLE_RATE", "10"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CountingHandler:
    """Accept every message and remember its recipients, to spot a lost or doubled mail."""

    def __init__(self) -> None:
        self.recipients: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


PORT = free_port()
VAR_DIR = tempfile.mkdtemp(prefix="portique-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portique.settings")
os.environ.setdefault("PORTIQUE_DEBUG", "true")
# Forced, not defaulted: the benchmark fills and drains a database and must never be
# pointed at a real one, nor at a real mail server, by the caller's environment.
os.environ["PORTIQUE_VAR_DIR"] = VAR_DIR
os.environ["PORTIQUE_DATABASE_URL"] = f"sqlite:///{VAR_DIR}/bench.sqlite3"
os.environ["PORTIQUE_EMAIL_URL"] = f"smtp://127.0.0.1:{PORT}"


def queue_mails(count: int) -> tuple[float, float]:
    """Queue `count` recovery mails in transactions of BATCH; return the seconds taken and
    the CPU seconds this thread spent."""
    from django.db import transaction

    started = time.perf_counter()
    cpu_started = time.thread_time()
    for first in range(0, count, BATCH):
        with transaction.atomic():
            for number in range(first, min(first + BATCH, count)):
                queue_one(f"bench-{number}")
    return time.perf_counter() - started, time.thread_time() - cpu_started


def queue_one(name: str) -> None:
    from portique.core import clock
    from portique.mail.services import mail_queue

    mail_queue(
        to=f"{name}@example.com",
        kind="recovery_email",
        subject_login=name,
        context={
            "url": f"https://portail.example.org/activation/lien/{name}/",
            "expires_at": clock.end_of_local_day(clock.now()),
            "login": f"{name}@umontpellier.fr",
        },
    )


def trickle(handler: "CountingHandler") -> float:
    """Queue TRICKLE_MAILS mails one at a time from another thread while the worker runs
    in this one, as `portique worker` does; stop it once they have all arrived and return
    the CPU seconds the worker spent."""
    from django.core.management import call_command
    from django.db import connection, transaction

    already = len(handler.recipients)

    def arrive() -> None:
        try:
            for number in range(TRICKLE_MAILS):
                with transaction.atomic():
                    queue_one(f"trickle-{number}")
                time.sleep(1 / TRICKLE_RATE)
            deadline = time.monotonic() + 60
            while len(handler.recipients) < already + TRICKLE_MAILS:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            # A second more of the worker's idle polls, then stop it as Ctrl-C would.
            time.sleep(1)
        finally:
            connection.close()
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=arrive).start()
    cpu_started = time.thread_time()
    # Ctrl-C finding the worker idle stops it with SystemExit.
    with contextlib.suppress(SystemExit):
        call_command("worker", verbosity=0)
    return time.thread_time() - cpu_started


def main() -> int:
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from portique.mail.models import OutboundMail

    call_command("migrate", verbosity=0)
    # aiosmtpd logs every SMTP command at INFO: thousands of lines that would time the log.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CountingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=PORT, server_hostname="smtp.bench.test"
    )
    controller.start()
    try:
        queue_seconds, queue_cpu = queue_mails(MAILS)
        started = time.perf_counter()
        # The worker runs in this thread, aiosmtpd in its own: this thread's CPU time is the
        # worker's alone, the process's adds the server's.
        cpu_started = time.thread_time()
        process_started = time.process_time()
        call_command("worker", batch=True, verbosity=0)
        deliver_cpu = time.thread_time() - cpu_started
        process_cpu = time.process_time() - process_started
        deliver_seconds = time.perf_counter() - started
        trickle_cpu = trickle(handler)
    finally:
        controller.stop()

    total = MAILS + TRICKLE_MAILS
    received = len(handler.recipients)
    distinct = len(set(handler.recipients))
    sent = OutboundMail.objects.filter(status=OutboundMail.Status.SENT).count()
    lost = total - distinct
    doubled = received - distinct
    print(f"mail worker: {MAILS} mails, SQLite file database, aiosmtpd on 127.0.0.1:{PORT}")
    print(
        f"  queued     {MAILS / queue_seconds:8.0f} mails/s ({queue_seconds:.1f} s), "
        f"CPU {1000 * queue_cpu / MAILS:.2f} ms/mail"
    )
    print(
        f"  delivered  {MAILS / deliver_seconds:8.0f} mails/s ({deliver_seconds:.1f} s), "
        f"worker CPU {1000 * deliver_cpu / MAILS:.2f} ms/mail "
        f"(with aiosmtpd's {1000 * process_cpu / MAILS:.2f})"
    )
    print(
        f"  one at a time, {TRICKLE_MAILS} mails at {TRICKLE_RATE:g} a second: "
        f"worker CPU {1000 * trickle_cpu / TRICKLE_MAILS:.2f} ms/mail"
    )
    print(f"  received {received}, outbox sent {sent}")
    print(f"lost: {lost}")
    print(f"doubled: {doubled}")
    ok = received == total and lost == 0 and doubled == 0 and sent == total
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(VAR_DIR, ignore_errors=True)
