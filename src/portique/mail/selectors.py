"""Read the development outbox."""

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from typing import cast

from django.conf import settings


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
