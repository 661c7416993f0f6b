"""Read the outbox (a step's mail and its fate) and the development outbox."""

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import cast
from uuid import UUID

from django.conf import settings

from portique.mail.models import OutboundMail


@dataclass(frozen=True)
class MailFate:
    """What became of a mail: still queued, handed to the mail server (when), refused by
    it at RCPT TO (its answer), or failed after the retries."""

    status: OutboundMail.Status
    to: str
    sent_at: datetime | None = None
    smtp_code: int | None = None
    smtp_answer: str = ""

    @property
    def refused(self) -> bool:
        return self.status == OutboundMail.Status.REFUSED

    @property
    def settled(self) -> bool:
        """Nothing will change it any more: no need to look again."""
        return self.status != OutboundMail.Status.QUEUED

    @property
    def mailbox_unknown(self) -> bool:
        """The server said the mailbox does not exist (enhanced status 5.1.x, RFC 3463),
        rather than refusing it for another reason (full, policy)."""
        return self.refused and self.smtp_answer.startswith("5.1.")


def mail_fate(*, flow_id: UUID, kind: str) -> MailFate | None:
    """Return the fate of the newest mail `kind` queued for the flow `flow_id`, or None
    when there is none; nothing of any other flow's mails."""
    row = (
        OutboundMail.objects.filter(flow_id=flow_id, kind=kind)
        .order_by("-created_at", "-id")
        .values_list("status", "to", "sent_at", "smtp_code", "smtp_answer")
        .first()
    )
    if row is None:
        return None
    status, to, sent_at, smtp_code, smtp_answer = row
    return MailFate(
        status=OutboundMail.Status(status),
        to=to,
        sent_at=sent_at,
        smtp_code=smtp_code,
        smtp_answer=smtp_answer,
    )


@dataclass(frozen=True)
class DevMail:
    name: str
    to: str
    subject: str
    date: str
    text: str


def dev_mail_list(limit: int = 50) -> list[DevMail]:
    """Return the newest mails of the development outbox, newest first."""
    directory = settings.PORTIQUE_DEV_MAIL_DIR
    if not directory.exists():
        return []
    mails = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:limit]:
        # With the default policy, the parser builds EmailMessage objects.
        message = cast(
            EmailMessage,
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default),
        )
        body = message.get_body(preferencelist=("plain",))
        mails.append(
            DevMail(
                name=path.stem,
                to=str(message["To"]),
                subject=str(message["Subject"]),
                date=str(message["Date"]),
                text=body.get_content() if body else "",
            )
        )
    return mails
