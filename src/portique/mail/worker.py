"""The mail worker: django-tasks' database worker on the mail queue, which keeps the
connection to the mail server open while mails follow one another (connection.py)."""

import time

from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from portique.mail.connection import mail_connection


class MailWorker(Worker):
    """Runs the delivery tasks one after another, as db_worker does, on one SMTP connection
    that is closed once the queue has been empty for a few seconds."""

    def run(self) -> None:
        with mail_connection.kept():
            while self.running:
                # After a sleep, the database may have closed the connection.
                close_old_connections()
                task_result, polled = self._claim_next()
                if task_result is not None:
                    self.run_task(task_result)
                    continue
                mail_connection.close_if_idle()
                if self.batch and polled:
                    return
                # Ctrl-C during the last task cleared self.running: stop without sleeping.
                if self.running:
                    time.sleep(self.interval)

    def _claim_next(self) -> tuple[DBTaskResult | None, bool]:
        """Claim the next ready task of the mail queue; and whether the queue could be read
        (a locked SQLite database is not an empty queue)."""
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False
                raise
        return task_result, True
