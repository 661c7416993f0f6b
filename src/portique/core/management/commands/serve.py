"""`portique serve`: gunicorn and the mail worker together, the way to run on one machine."""

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def _workers() -> int:
    return int(os.environ.get("PORTIQUE_WEB_WORKERS") or (os.cpu_count() or 1) + 1)


def _threads() -> int:
    return int(os.environ.get("PORTIQUE_WEB_THREADS") or 16)


class Command(BaseCommand):
    help = "Serve the portal with gunicorn and run the mail worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=_workers())
        parser.add_argument(
            "--threads", type=int, default=_threads(), help="Threads per worker process."
        )
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python, "-m", "gunicorn", "portique.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]),
            # Threads: a page is served while another thread of the process waits for a
            # password hash, which runs at a low priority (passwords/hashers.py).
            "--worker-class", "gthread",
            "--threads", str(options["threads"]),
            "--access-logfile", "-",
            # Links carry a one-time token in their path: keep it out of the access log.
            "--logger-class", "portique.core.gunicorn.RedactingLogger",
            "--graceful-timeout", "10",
            # gunicorn's control socket (for gunicornc) in the portal's own directory: its
            # default, ~/.gunicorn/gunicorn.ctl, is one per user, taken over by the last
            # portal started on the host, and a service account's home may be read-only.
            "--control-socket", str(settings.VAR_DIR / "gunicorn.ctl"),
            # Load the application once, before forking: the workers share its memory.
            "--preload",
        ]  # fmt: skip
        # This release's static files, under their hashed names, before the first page
        # names them. Files of earlier releases are left: a page an older process served
        # during a rolling restart still finds its stylesheet.
        call_command("collectstatic", interactive=False, verbosity=0)
        processes: list[subprocess.Popen[bytes]] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        # Handlers first: a SIGTERM between two starts must still stop what was started.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        processes.append(subprocess.Popen(web))  # noqa: S603 (our own interpreter and arguments)
        if not options["no_worker"]:
            worker = [python, "-m", "portique.cli", "worker"]
            processes.append(subprocess.Popen(worker))  # noqa: S603
        self.stdout.write(f"Portique on http://{options['host']}:{options['port']}/")
        try:
            # When either process ends, stop the other: a half-running portal is worse
            # than none, and the supervisor (systemd) restarts the whole.
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        failures = [p.returncode for p in processes if p.returncode and p.returncode > 0]
        sys.exit(failures[0] if failures else 0)
