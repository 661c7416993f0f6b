"""The mail queue's task, run by `portique worker` (django-tasks' database worker)."""

from django.db import transaction
from django_tasks import task

from portique.mail.delivery import mail_deliver, mail_release


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
