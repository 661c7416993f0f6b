"""The mail worker run on demand, and the links taken from the mails it delivered."""

import re

from django.core import mail
from django.core.management import call_command

LINK_RE = re.compile(r"https://portail\.example\.org(/activation/lien/[^/\s]+/)")


def deliver_mail() -> None:
    """Run the mail worker until the queue is empty (what `portique worker` does)."""
    call_command("worker", batch=True, verbosity=0)


def last_link(to: str) -> str:
    """Deliver the queue and return the path of the newest link mailed to `to`."""
    deliver_mail()
    for message in reversed(mail.outbox):
        if to in message.to:
            found = LINK_RE.search(str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no link mailed to {to}")
