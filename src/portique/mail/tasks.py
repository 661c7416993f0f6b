"""The mail queue's task, run by `portique worker` (django-tasks' database worker)."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TASKS_LOGGER, normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from portique.core import sql
from portique.mail.delivery import mail_deliver, mail_release

tasks_logger = logging.getLogger(TASKS_LOGGER)


@task(queue_name="mail")
def deliver_mail(mail_id: int) -> str:
    """Deliver one outbox mail (see delivery.mail_deliver) and, when the server could not
    take it yet, schedule the next attempt."""
    outcome = mail_deliver(mail_id)
    if outcome is None:
        return "skipped"
    if outcome.retry_at is not None:
        with transaction.atomic():
            deliver_mail.using(run_after=outcome.retry_at).enqueue(mail_id)
            mail_release(mail_id)
    return str(outcome.status)


def deliver_mail_enqueue(mail_id: int) -> None:
    """Queue deliver_mail(mail_id) to run at once: the row django-tasks' database backend
    writes for deliver_mail.enqueue(mail_id), column for column, with one plain INSERT.

    Through django-tasks, the enqueue cost a web request 0.23 ms of CPU per mail (a
    TaskResult built and a model saved through the ORM, with its signals), against 0.11 ms
    this way; an activation queues three mails. The worker and django-tasks' own tooling
    read the row as theirs (tests/mail/test_sql_inserts.py compares it with django-tasks')."""
    backend = deliver_mail.get_backend()
    if not isinstance(backend, DatabaseBackend):
        raise ImproperlyConfigured("the mail queue needs django-tasks' database backend")
    task = deliver_mail
    # The backend's id_function setting, or the model's default.
    task_id = backend._get_id()
    sql.insert(
        DBTaskResult(
            id=task_id,
            args_kwargs=normalize_json({"args": (mail_id,), "kwargs": {}}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What django-tasks' pre_save handler gives a task without run_after: "at once".
            run_after=get_date_max(),
            backend_name=backend.alias,
        )
    )
    # What django-tasks' task_enqueued signal logs (no other receiver listens to it).
    tasks_logger.debug(
        "Task id=%s path=%s enqueued backend=%s", task_id, task.module_path, backend.alias
    )
