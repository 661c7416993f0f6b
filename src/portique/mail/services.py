"""Queue mails with the change that causes them; deliver them from the worker."""

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from portique.core import clock
from portique.mail.models import OutboundMail

logger = logging.getLogger(__name__)

# Retry a mail the server could not take for this long, waiting longer each time.
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=15)
LONGEST_WAIT = timedelta(hours=1)


def mail_queue(*, to: str, kind: str, subject_login: str, context: dict[str, Any]) -> OutboundMail:
    """Render the mail `kind` in the active language and queue it; must run inside the
    transaction of the change it reports, so that both happen or neither."""
    from portique.mail.tasks import deliver_mail

    context = {"institution_name": settings.PORTIQUE_INSTITUTION_NAME, **context}
    subject = render_to_string(f"mail/{kind}.subject.txt", context).strip()
    mail = OutboundMail.objects.create(
        kind=kind,
        subject_login=subject_login,
        to=to,
        subject=" ".join(subject.split()),
        body_text=render_to_string(f"mail/{kind}.txt", context),
        body_html=render_to_string(f"mail/{kind}.html", context),
        created_at=clock.now(),
    )
    # The database task backend writes its row in this same transaction: the outbox.
    deliver_mail.enqueue(mail.pk)
    return mail


def _retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), LONGEST_WAIT)


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer is final (the address is refused); anything else may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Refused at RCPT TO, where servers turn down an unknown user; this exception
        # carries one answer per recipient instead of an smtp_code.
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def mail_deliver(mail_id: int) -> OutboundMail.Status:
    """Hand one queued mail to the mail server; on a temporary failure, schedule a retry.

    No transaction is held while talking to the server: a slow server must not keep the
    database locked. The task queue gives each run to one worker only.
    """
    from portique.mail.tasks import deliver_mail

    mail = OutboundMail.objects.filter(pk=mail_id).first()
    if mail is None or mail.status != OutboundMail.Status.QUEUED:
        return OutboundMail.Status(mail.status) if mail else OutboundMail.Status.FAILED
    reply_to = settings.PORTIQUE_EMAIL_REPLY_TO
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        to=[mail.to],
        reply_to=[reply_to] if reply_to else None,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    mail.attempts += 1
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        gave_up = clock.now() - mail.created_at > RETRY_FOR
        with transaction.atomic():
            if _is_permanent(error) or gave_up:
                mail.status = OutboundMail.Status.FAILED
                logger.warning("mail %s to %s failed: %s", mail.pk, mail.to, mail.last_error)
            else:
                retry_at = clock.now() + _retry_delay(mail.attempts)
                deliver_mail.using(run_after=retry_at).enqueue(mail.pk)
                logger.info("mail %s to %s deferred: %s", mail.pk, mail.to, mail.last_error)
            mail.save(update_fields=["attempts", "last_error", "status"])
        return OutboundMail.Status(mail.status)
    # The bodies may hold a one-time link: once the mail has left, the outbox forgets them.
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundMail.Status.SENT,
        sent_at=clock.now(),
        attempts=mail.attempts,
        last_error="",
        body_text="",
        body_html="",
    )
    return OutboundMail.Status.SENT
