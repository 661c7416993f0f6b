"""A real SMTP server for the tests (aiosmtpd on a loopback port), and the settings that
point Django at it.

Load with `pytest_plugins = ["tests.smtp"]` in a test module: it gives the fixtures
`smtp_server` (the server, recording what it receives) and `smtp_settings` (the server,
with Django's SMTP backend aimed at it).
"""

import email
import email.policy
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
Stage = Literal["RCPT", "DATA"]


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    # The client's address and port: two mails with the same came on one connection.
    peer: Any = None

    @property
    def subject(self) -> str:
        # Python folds a long encoded subject onto the next line ("Subject:\n =?utf-8?..."):
        # unfolded, it starts with the space that mail readers drop.
        return str(self.message["Subject"]).strip()

    def text(self) -> str:
        return _part(self.message, "plain")

    def html(self) -> str:
        return _part(self.message, "html")


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        raise AssertionError(f"the mail has no text/{subtype} part")
    return str(body.get_content())


@dataclass
class _Refusal:
    answer: str
    remaining: int
    stage: Stage


class RecordingHandler:
    """Accept and record every message, unless told to refuse the next ones, or every one
    to some addresses (`refused_addresses`: address → answer at RCPT TO)."""

    def __init__(self, refused_addresses: dict[str, str] | None = None) -> None:
        self.received: list[ReceivedMail] = []
        self._refusals: deque[_Refusal] = deque()
        self._refused_addresses = {
            address.lower(): answer for address, answer in (refused_addresses or {}).items()
        }
        self._changed = threading.Condition()

    def refuse_address(self, address: str, answer: str = "550 5.1.1 no such user") -> None:
        """Answer `answer` at RCPT TO to every message for `address`, as a server does for
        a mailbox that does not exist."""
        with self._changed:
            self._refused_addresses[address.lower()] = answer

    def refuse_next(self, answer: str, *, count: int = 1, stage: Stage = "DATA") -> None:
        """Answer `answer` (e.g. "451 4.3.0 try later") to the next `count` messages, at
        RCPT TO (where real servers refuse an unknown user) or after DATA."""
        with self._changed:
            self._refusals.append(_Refusal(answer=answer, remaining=count, stage=stage))

    def _refusal_for(self, stage: Stage) -> str | None:
        with self._changed:
            if not self._refusals or self._refusals[0].stage != stage:
                return None
            refusal = self._refusals[0]
            refusal.remaining -= 1
            if refusal.remaining <= 0:
                self._refusals.popleft()
            return refusal.answer

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        # Every message here has one recipient: refusing it refuses the message.
        with self._changed:
            refused = self._refused_addresses.get(address.lower())
        refused = refused or self._refusal_for("RCPT")
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        refused = self._refusal_for("DATA")
        if refused:
            return refused
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._changed:
            self.received.append(
                ReceivedMail(
                    mail_from=envelope.mail_from or "",
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message,
                    peer=session.peer,
                )
            )
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, *, timeout: float) -> list[ReceivedMail]:
        """Wait until `count` messages have arrived (at most `timeout` seconds); return
        all of them, however many that is."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self.received)


class SmtpServer:
    """An aiosmtpd server on a fixed loopback port that can be stopped and started again,
    to play a mail server that is down for a while."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self.handler.received)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def refuse_next(self, answer: str, *, count: int = 1, stage: Stage = "DATA") -> None:
        self.handler.refuse_next(answer, count=count, stage=stage)

    def refuse_address(self, address: str, answer: str = "550 5.1.1 no such user") -> None:
        self.handler.refuse_address(address, answer)

    def received_by(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.handler.received if address in mail.rcpt_tos]

    def wait_for(self, count: int, *, timeout: float) -> list[ReceivedMail]:
        return self.handler.wait_for(count, timeout=timeout)

    def start(self) -> None:
        assert self._controller is None, "the SMTP server is already running"
        # A controller's event loop is closed when it stops: each start needs a new one.
        controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            # Without it, aiosmtpd asks DNS for this machine's name.
            server_hostname="smtp.portique.test",
            ready_timeout=10,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_settings(settings: Any, smtp_server: SmtpServer) -> SmtpServer:
    """Send Django's mails to `smtp_server`, the way PORTIQUE_EMAIL_URL=smtp://... does."""
    return send_mails_to(smtp_server, settings)


def send_mails_to(smtp_server: SmtpServer, settings: Any) -> SmtpServer:
    """Aim Django's SMTP backend at `smtp_server` (from now on, in the middle of a test)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_server
