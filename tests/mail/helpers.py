"""Helpers for the mail tests: a queued mail, pages read as a person reads them, hidden
fields, the mail worker, links taken from mails."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import transaction

from portique.mail.models import OutboundMail
from portique.mail.services import mail_queue
from tests.support.pages import readable

PARIS = ZoneInfo("Europe/Paris")
LIMIT_MESSAGE = "Vous avez demandé trop de mails en peu de temps"
URL = "https://portail.example.org/activation/lien/abc/"
RECIPIENT = "perso@example.com"
# 23:59 in Montpellier (UTC+2 in summer).
EXPIRES_AT = datetime(2030, 6, 14, 21, 59, tzinfo=UTC)


def queue_recovery_mail(to: str = RECIPIENT) -> OutboundMail:
    """Queue a recovery-address mail with its link, as step 3 does."""
    with transaction.atomic():
        return mail_queue(
            to=to,
            kind="recovery_email",
            subject_login="x",
            context={"url": URL, "expires_at": EXPIRES_AT, "login": "x@umontpellier.fr"},
        )


def run_worker() -> None:
    """Run the mail worker until the queue is empty (what `portique worker --batch` does)."""
    call_command("worker", batch=True, verbosity=0)


def main_text(response: Any) -> str:
    """The readable text of the page's <main>, without the header and footer."""
    found = re.search(r"<main\b.*?</main>", response.content.decode(), re.S)
    assert found, "the page has no <main>"
    return readable(found.group(0))


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            self.inputs.append(dict(attrs))


def hidden_value(response: Any, name: str) -> str:
    """The value of the hidden input `name` the page carries, as a browser would send it."""
    parser = _Inputs()
    parser.feed(response.content.decode())
    for attributes in parser.inputs:
        if attributes.get("type") == "hidden" and attributes.get("name") == name:
            return attributes.get("value") or ""
    raise AssertionError(f"the page has no hidden input {name!r}")


def link_path(body: str, base_url: str) -> str:
    """The path of the activation link in a mail body, which must start with `base_url`."""
    found = re.search(re.escape(base_url) + r"(/activation/lien/[^/\s\"]+/)", body)
    assert found, f"no link starting with {base_url} in the mail"
    return found.group(1)
