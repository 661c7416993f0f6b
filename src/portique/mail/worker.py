"""The mail worker: django-tasks' database worker on the mail queue, which keeps the
connection to the mail server open while mails follow one another (connection.py), and
claims and finishes each task with plain SQL (core/sql.py)."""

import json
import logging
import time
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TASKS_LOGGER, Task, TaskResultStatus, task_finished
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception, retry

from portique.core import sql
from portique.mail.connection import mail_connection


@dataclass(frozen=True)
class _Claimed:
    """A task this worker marked as running: its row's id, what to call, with what."""

    id: Any
    task_path: str
    args: list[Any]
    kwargs: dict[str, Any]


class MailWorker(Worker):
    """Runs the delivery tasks one after another, as db_worker does, on one SMTP connection
    that is closed once the queue has been empty for a few seconds."""

    def run(self) -> None:
        with mail_connection.kept():
            while self.running:
                # After a sleep, the database may have closed the connection.
                close_old_connections()
                claimed, polled = self._claim_next()
                if claimed is not None:
                    self._run(claimed)
                    continue
                mail_connection.close_if_idle()
                if self.batch and polled:
                    return
                # Ctrl-C during the last task cleared self.running: stop without sleeping.
                if self.running:
                    time.sleep(self.interval)

    def _claim_next(self) -> tuple[_Claimed | None, bool]:
        """Mark the next ready task of the queues as running, as django-tasks' get_locked()
        and claim() do, and return it; and whether the queue could be read (a locked SQLite
        database is not an empty queue)."""
        now = timezone.now()
        (ready,) = sql.prepared(DBTaskResult, status=TaskResultStatus.READY)
        # A task enqueued without a time waits until the end of time: it is due at once.
        (never,) = sql.prepared(DBTaskResult, run_after=get_date_max())
        (due,) = sql.prepared(DBTaskResult, run_after=now)
        with exclusive_transaction(DBTaskResult.objects.db):
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        _next_ready(connection.vendor, len(self.queue_names)),
                        [ready, self.backend_name, *self.queue_names, never, due],
                    )
                    row = cursor.fetchone()
                if row is None:
                    return None, True
                task_id, task_path, args_kwargs, worker_ids = row
                sql.update(
                    DBTaskResult,
                    task_id,
                    status=TaskResultStatus.RUNNING,
                    started_at=now,
                    worker_ids=[*_json(worker_ids), self.worker_id],
                )
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False
                raise
        args_kwargs = _json(args_kwargs)
        return _Claimed(task_id, task_path, args_kwargs["args"], args_kwargs["kwargs"]), True

    def _run(self, claimed: _Claimed) -> None:
        """Run the task and record its outcome, as db_worker's run_task does."""
        task = _task(claimed.task_path)
        if (
            task is None
            or task.takes_context
            or logging.getLogger(TASKS_LOGGER).isEnabledFor(logging.INFO)
        ):
            # db_worker's way, with the row as the ORM reads it: for what the fast path
            # leaves out (a task it cannot import, its context, and the started and finished
            # signals, through which django-tasks logs each task).
            self.run_task(DBTaskResult.objects.get(pk=claimed.id))
            return
        self.running_task = True
        try:
            return_value = task.call(*claimed.args, **claimed.kwargs)
            _finish(claimed.id, return_value)
        except BaseException as error:
            db_task_result = DBTaskResult.objects.get(pk=claimed.id)
            db_task_result.set_failed(error)
            task_finished.send(
                sender=type(task.get_backend()), task_result=db_task_result.task_result
            )
        finally:
            self.running_task = False
            self._run_tasks += 1


@retry()
def _finish(task_id: Any, return_value: Any) -> None:
    sql.update(
        DBTaskResult,
        task_id,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now(),
        return_value=return_value,
        exception_class_path="",
        traceback="",
    )


@cache
def _task(task_path: str) -> Task[Any, Any] | None:
    try:
        task = import_string(task_path)
    except ImportError:
        return None
    return task if isinstance(task, Task) else None


@cache
def _next_ready(vendor: str, queue_count: int) -> str:
    """The statement that picks the next ready task, in get_locked()'s order."""
    column = partial(sql.columns, DBTaskResult)
    # Two workers on PostgreSQL take different tasks; SQLite locks the whole database.
    lock = "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    # Names from the model, values as parameters:
    return (
        f"SELECT {column('pk', 'task_path', 'args_kwargs', 'worker_ids')}"  # noqa: S608
        f" FROM {sql.table(DBTaskResult)}"
        f" WHERE {column('status')} = %s AND {column('backend_name')} = %s"
        f" AND {column('queue_name')} IN ({', '.join(['%s'] * queue_count)})"
        f" AND ({column('run_after')} = %s OR {column('run_after')} <= %s)"
        f" ORDER BY {column('priority')} DESC, {column('run_after')} ASC,"
        f" {column('enqueued_at')} ASC LIMIT 1 {lock}"
    )


def _json(value: Any) -> Any:
    """A JSON column's value: the database drivers hand it over as text."""
    return json.loads(value) if isinstance(value, str) else value
