"""Hand one queued mail to the mail server and record what happened. The delivery task
(tasks.py) calls it and, from the outcome, schedules the next attempt: this module enqueues
nothing, so that queueing, the task and delivery import each other in one direction only."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from portique.core import clock, sql
from portique.mail.connection import mail_connection
from portique.mail.messages import message_for
from portique.mail.models import OutboundMail, OutboundMailAttachment

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=15)


@dataclass(frozen=True)
class Delivery:
    """What an attempt did: the mail's new status, and when to try again if it is still
    queued (the caller schedules it, then calls mail_release)."""

    status: OutboundMail.Status
    retry_at: datetime | None = None


def stalled_after() -> timedelta:
    """A delivery claimed this long ago and still not recorded was cut short (the worker
    died): the mail may be tried again."""
    return timedelta(seconds=max(300, 3 * settings.EMAIL_TIMEOUT))


def _longest_wait() -> timedelta:
    """The longest wait between two attempts: also how late a mail can arrive after the
    server comes back."""
    return timedelta(seconds=settings.PORTIQUE_MAIL_RETRY_MAX_INTERVAL_SECONDS)


def _retry_for() -> timedelta:
    """How long a mail the server cannot take is retried before it is marked failed."""
    return timedelta(hours=settings.PORTIQUE_MAIL_RETRY_HOURS)


def _retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** (attempts - 1)), _longest_wait())


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer is final (the address is refused); anything else may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Refused at RCPT TO, where servers turn down an unknown user; this exception
        # carries one answer per recipient instead of an smtp_code.
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def _server_answer(error: Exception) -> tuple[int | None, str]:
    """The code and text the server answered, when it answered at all (not a lost
    connection); for a refused recipient, that recipient's answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        for code, message in error.recipients.values():
            return code, _text(message)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code, _text(error.smtp_error)
    return None, ""


def _text(message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return " ".join(text.split())[:512]


def _claim(mail_id: int) -> OutboundMail | None:
    """Mark the mail as being delivered now and return it, or None if it is not queued or
    another worker is delivering it."""
    now = clock.now()
    queued, claimed_at = sql.prepared(
        OutboundMail, status=OutboundMail.Status.QUEUED, claimed_at=now
    )
    (stale,) = sql.prepared(OutboundMail, claimed_at=now - stalled_after())
    table, pk = sql.table(OutboundMail), sql.columns(OutboundMail, "pk")
    claim, status = sql.columns(OutboundMail, "claimed_at"), sql.columns(OutboundMail, "status")
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, values as parameters:
            f"UPDATE {table} SET {claim} = %s WHERE {pk} = %s AND {status} = %s"  # noqa: S608
            f" AND ({claim} IS NULL OR {claim} < %s)",
            [claimed_at, mail_id, queued, stale],
        )
        if cursor.rowcount != 1:
            return None
        cursor.execute(
            f"SELECT {sql.columns(OutboundMail, *_SENT_WITH)} FROM {table} WHERE {pk} = %s",  # noqa: S608
            [mail_id],
        )
        row = cursor.fetchone()
    return OutboundMail(pk=mail_id, **dict(zip(_SENT_WITH, row, strict=True)))


# The fields a delivery reads from the outbox row it claimed.
_SENT_WITH = ("to", "subject", "body_text", "body_html", "attachment_count", "attempts")


def _forget_attachments(mail: OutboundMail) -> None:
    if mail.attachment_count:
        OutboundMailAttachment.objects.filter(mail_id=mail.pk).delete()


def mail_deliver(mail_id: int) -> Delivery | None:
    """Hand one queued mail to the mail server; on a temporary failure, say when to retry,
    the mail still claimed until the caller has scheduled it (mail_release). Returns what
    happened, or None when there was nothing to do.

    No transaction is held while talking to the server: a slow server must not keep the
    database locked. The claim (a conditional UPDATE) makes sure that two workers never
    send the same mail at the same time.
    """
    mail = _claim(mail_id)
    if mail is None:
        return None
    message = message_for(mail)
    attempts = mail.attempts + 1
    try:
        mail_connection.send(message)
    except (smtplib.SMTPException, OSError) as error:
        last_error = f"{type(error).__name__}: {error}"[:2000]
        created_at = OutboundMail.objects.values_list("created_at", flat=True).get(pk=mail.pk)
        gave_up = clock.now() - created_at > _retry_for()
        status = OutboundMail.Status.QUEUED
        retry_at = None
        smtp_code, smtp_answer = _server_answer(error)
        update: dict[str, object] = {
            "attempts": attempts,
            "last_error": last_error,
            "smtp_code": smtp_code,
            "smtp_answer": smtp_answer,
        }
        if _is_permanent(error) or gave_up:
            # Refused at RCPT TO is the person's to fix (the address); any other end is ours.
            refused = _is_permanent(error) and isinstance(error, smtplib.SMTPRecipientsRefused)
            status = OutboundMail.Status.REFUSED if refused else OutboundMail.Status.FAILED
            logger.warning("mail %s to %s failed: %s", mail.pk, mail.to, last_error)
            # A mail that will never leave must not keep its link in the database.
            update.update(
                status=status, claimed_at=None, body_text="", body_html="", attachment_count=0
            )
            _forget_attachments(mail)
        else:
            retry_at = clock.now() + _retry_delay(attempts)
            logger.info("mail %s deferred until %s: %s", mail.pk, retry_at, last_error)
            # Still claimed: should the next attempt never be scheduled (the worker dies
            # first), the claim goes stale and mail_requeue_stalled gives it a new task.
        OutboundMail.objects.filter(pk=mail.pk).update(**update)
        return Delivery(status, retry_at)
    # The bodies may hold a one-time link, the attachments a list of people: once the mail
    # has left, the outbox forgets them.
    _forget_attachments(mail)
    sql.update(
        OutboundMail,
        mail.pk,
        status=OutboundMail.Status.SENT,
        sent_at=clock.now(),
        attempts=attempts,
        last_error="",
        smtp_code=None,
        smtp_answer="",
        body_text="",
        body_html="",
        attachment_count=0,
        claimed_at=None,
    )
    return Delivery(OutboundMail.Status.SENT)


def mail_release(mail_id: int) -> None:
    """Release the claim of a mail whose next attempt is scheduled; in the transaction that
    schedules it, so that both happen or neither."""
    OutboundMail.objects.filter(pk=mail_id, status=OutboundMail.Status.QUEUED).update(
        claimed_at=None
    )
