"""The mail queue's task, run by `portique worker` (django-tasks' database worker)."""

from django_tasks import task

from portique.mail.services import mail_deliver


@task(queue_name="mail")
def deliver_mail(mail_id: int) -> str:
    """Deliver one outbox mail; see mail_deliver."""
    return str(mail_deliver(mail_id) or "skipped")
