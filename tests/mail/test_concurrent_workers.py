"""Several `portique worker` processes draining one outbox at once hand each mail to the
server exactly once, as separate machines or a restarted pool would: on SQLite, which locks
the whole file, and on PostgreSQL, where each worker skips the tasks another has locked."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.postgres import dedicated_database, require_postgres

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]

MAILS = 300
WORKERS = 3
TIMEOUT = 120

QUEUE = f"""
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from portique.core import clock
from portique.mail.services import mail_queue
call_command("migrate", verbosity=0)
with transaction.atomic():
    for number in range({MAILS}):
        mail_queue(
            to=f"perso{{number}}@example.com",
            kind="recovery_email",
            subject_login=f"x{{number}}",
            context={{
                "url": f"https://portail.example.org/activation/lien/{{number}}/",
                "expires_at": clock.now(),
                "login": f"x{{number}}@umontpellier.fr",
            }},
        )
"""


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/portique.sqlite3"
        return
    require_postgres()
    with dedicated_database("portique_mailworkers") as url:
        yield url


@pytest.mark.smtp
def test_workers_draining_one_outbox_at_once_deliver_each_mail_once(
    smtp_server: SmtpServer, tmp_path: Path, database_url: str
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portique.settings",
        "PORTIQUE_DEBUG": "true",
        "PORTIQUE_VAR_DIR": str(tmp_path),
        "PORTIQUE_DATABASE_URL": database_url,
        "PORTIQUE_EMAIL_URL": smtp_server.url,
        "PORTIQUE_LOG_LEVEL": "WARNING",
    }
    subprocess.run(  # noqa: S603 (this interpreter, our own script)
        [sys.executable, "-c", QUEUE], env=env, check=True, timeout=TIMEOUT
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "portique.cli", "worker", "--batch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=TIMEOUT)[0].decode() for worker in workers]

    assert [worker.returncode for worker in workers] == [0] * WORKERS, outputs
    received = Counter(address for mail in smtp_server.received for address in mail.rcpt_tos)
    assert len(received) == MAILS
    assert set(received.values()) == {1}
