"""Queue mails with the change that causes them; deliver them from the worker."""

import logging
import smtplib
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from portique.core import clock, links
from portique.mail.models import OutboundMail

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=15)


def _retry_for() -> timedelta:
    """How long a mail the server cannot take is retried before it is marked failed."""
    return timedelta(hours=settings.PORTIQUE_MAIL_RETRY_HOURS)


def _longest_wait() -> timedelta:
    """The longest wait between two attempts: also how late a mail can arrive after the
    server comes back."""
    return timedelta(seconds=settings.PORTIQUE_MAIL_RETRY_MAX_INTERVAL_SECONDS)


def _stalled_after() -> timedelta:
    """A delivery claimed this long ago and still not recorded was cut short (the worker
    died): the mail may be tried again."""
    return timedelta(seconds=max(300, 3 * settings.EMAIL_TIMEOUT))


def mail_queue(*, to: str, kind: str, subject_login: str, context: dict[str, Any]) -> OutboundMail:
    """Render the mail `kind` in the active language and queue it; must run inside the
    transaction of the change it reports, so that both happen or neither."""
    from portique.mail.tasks import deliver_mail

    context = {
        "institution_name": settings.PORTIQUE_INSTITUTION_NAME,
        "portal_url": settings.PORTIQUE_BASE_URL + "/",
        **context,
    }
    text = engines["text"]
    subject = text.get_template(f"mail/{kind}.subject.txt").render(context).strip()
    mail = OutboundMail.objects.create(
        kind=kind,
        subject_login=subject_login,
        to=to,
        subject=" ".join(subject.split()),
        body_text=text.get_template(f"mail/{kind}.txt").render(context),
        body_html=render_to_string(f"mail/{kind}.html", context),
        created_at=clock.now(),
    )
    # The database task backend writes its row in this same transaction: the outbox.
    deliver_mail.enqueue(mail.pk)
    return mail


class SendLimitReached(Exception):
    """Too many mails with a link, for this account or to this address, in the window."""

    def __init__(self) -> None:
        minutes = settings.PORTIQUE_MAIL_RESEND_WINDOW_MINUTES
        super().__init__(
            ngettext(
                "Vous avez demandé trop de mails en peu de temps. Vérifiez vos spams et "
                "l'adresse saisie ; vous pourrez demander un nouveau mail d'ici %(minutes)d "
                "minute.",
                "Vous avez demandé trop de mails en peu de temps. Vérifiez vos spams et "
                "l'adresse saisie ; vous pourrez demander un nouveau mail d'ici %(minutes)d "
                "minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def mail_link(
    *,
    subject: str,
    purpose: str,
    to: str,
    kind: str,
    url_name: str,
    context: dict[str, Any],
    flow_id: UUID | None = None,
) -> None:
    """Mail `to` a new one-time link for `subject` and `purpose` (the earlier one stops
    working), unless the resend limit is reached. Must run inside the caller's transaction.

    The limit, PORTIQUE_MAIL_RESEND_LIMIT resends per PORTIQUE_MAIL_RESEND_WINDOW_MINUTES, is
    counted per account and per destination, so that nobody can flood another's mailbox.
    """
    since = clock.now() - timedelta(minutes=settings.PORTIQUE_MAIL_RESEND_WINDOW_MINUTES)
    per_account, per_address = links.links_sent_since(
        since, subject=subject, purpose=purpose, email=to
    )
    # The first mail is not a resend: the limit counts the ones after it.
    if max(per_account, per_address) > settings.PORTIQUE_MAIL_RESEND_LIMIT:
        raise SendLimitReached()
    issued = links.link_issue(subject=subject, purpose=purpose, email=to, flow_id=flow_id)
    url = settings.PORTIQUE_BASE_URL + reverse(url_name, args=[issued.token])
    mail_queue(
        to=to,
        kind=kind,
        subject_login=subject,
        context={**context, "url": url, "expires_at": issued.expires_at},
    )


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


def _claim(mail_id: int) -> OutboundMail | None:
    """Mark the mail as being delivered now and return it, or None if it is not queued or
    another worker is delivering it."""
    now = clock.now()
    claimed = (
        OutboundMail.objects.filter(pk=mail_id, status=OutboundMail.Status.QUEUED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - _stalled_after()))
        .update(claimed_at=now)
    )
    return OutboundMail.objects.get(pk=mail_id) if claimed else None


def mail_deliver(mail_id: int) -> OutboundMail.Status | None:
    """Hand one queued mail to the mail server; on a temporary failure, schedule a retry.
    Returns the mail's new status, or None when there was nothing to do.

    No transaction is held while talking to the server: a slow server must not keep the
    database locked. The claim (a conditional UPDATE) makes sure that two workers never
    send the same mail at the same time.
    """
    from portique.mail.tasks import deliver_mail

    mail = _claim(mail_id)
    if mail is None:
        return None
    reply_to = settings.PORTIQUE_EMAIL_REPLY_TO
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        to=[mail.to],
        reply_to=[reply_to] if reply_to else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    attempts = mail.attempts + 1
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        last_error = f"{type(error).__name__}: {error}"[:2000]
        gave_up = clock.now() - mail.created_at > _retry_for()
        status = OutboundMail.Status.QUEUED
        with transaction.atomic():
            if _is_permanent(error) or gave_up:
                status = OutboundMail.Status.FAILED
                logger.warning("mail %s to %s failed: %s", mail.pk, mail.to, last_error)
            else:
                retry_at = clock.now() + _retry_delay(attempts)
                deliver_mail.using(run_after=retry_at).enqueue(mail.pk)
                logger.info("mail %s deferred until %s: %s", mail.pk, retry_at, last_error)
            update: dict[str, object] = {
                "status": status, "attempts": attempts, "last_error": last_error, "claimed_at": None
            }  # fmt: skip
            if status == OutboundMail.Status.FAILED:
                # A mail that will never leave must not keep its link in the database.
                update.update(body_text="", body_html="")
            OutboundMail.objects.filter(pk=mail.pk).update(**update)
        return status
    # The bodies may hold a one-time link: once the mail has left, the outbox forgets them.
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundMail.Status.SENT,
        sent_at=clock.now(),
        attempts=attempts,
        last_error="",
        body_text="",
        body_html="",
        claimed_at=None,
    )
    return OutboundMail.Status.SENT


def mail_requeue_stalled() -> int:
    """Give a new delivery task to each queued mail whose last delivery was cut short (a
    worker died while sending); return how many. Run when a worker starts."""
    from portique.mail.tasks import deliver_mail

    stalled = OutboundMail.objects.filter(
        status=OutboundMail.Status.QUEUED, claimed_at__lt=clock.now() - _stalled_after()
    ).values_list("pk", flat=True)
    count = 0
    for mail_id in stalled:
        with transaction.atomic():
            deliver_mail.enqueue(mail_id)
        count += 1
    return count


def mails_purge() -> int:
    """Delete the mails sent, or failed for good, longer ago than
    PORTIQUE_MAIL_RETENTION_DAYS; returns how many. A queued mail is never deleted, however
    old: it may still leave."""
    cutoff = clock.now() - timedelta(days=settings.PORTIQUE_MAIL_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = OutboundMail.objects.filter(
            Q(status=OutboundMail.Status.SENT, sent_at__lt=cutoff)
            | Q(status=OutboundMail.Status.FAILED, created_at__lt=cutoff)
        ).delete()
    return deleted


def tasks_purge() -> int:
    """Delete the delivery tasks finished longer ago than PORTIQUE_TASK_RETENTION_DAYS;
    returns how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = clock.now() - timedelta(days=settings.PORTIQUE_TASK_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
