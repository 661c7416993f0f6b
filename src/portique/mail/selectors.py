"""Read the outbox (a step's mail and its fate) and the development outbox."""

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from typing import cast
from uuid import UUID

from django.conf import settings

from portique.core import sql
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


_FATE = ("status", "to", "sent_at", "smtp_code", "smtp_answer")


def mail_fate(*, flow_id: UUID, kind: str) -> MailFate | None:
    """Return the fate of the newest mail `kind` queued for the flow `flow_id`, or None
    when there is none; nothing of any other flow's mails."""
    # The steps that mail a link ask it on their page, and the page's script every few
    # seconds while the person waits: written in SQL (core/sql.py), as the ORM writes
    # OutboundMail.objects.filter(flow_id=.., kind=..).order_by("-created_at", "-id")
    # .values_list(*_FATE).first().
    connection = sql.connection_for(OutboundMail, write=False)
    column = partial(sql.columns, OutboundMail, connection=connection)
    row = sql.fetch_one(
        connection,
        f"SELECT {column(*_FATE)} FROM {sql.table(OutboundMail, connection)}"  # noqa: S608 (names quoted by the backend)
        f" WHERE {column('flow_id')} = %s AND {column('kind')} = %s"
        f" ORDER BY {column('created_at')} DESC, {column('pk')} DESC LIMIT 1",
        sql.prepared(OutboundMail, connection, flow_id=flow_id, kind=kind),
    )
    if row is None:
        return None
    status, to, sent_at, smtp_code, smtp_answer = (
        sql.value(OutboundMail, name, raw, connection) for name, raw in zip(_FATE, row, strict=True)
    )
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
