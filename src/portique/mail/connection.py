"""The connection to the mail server that a worker's deliveries share: opened for the first
mail, kept while mails follow one another, closed when idle, too old, or on any error."""

import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

# A kept connection is closed after this long without a mail: the server keeps a process or
# a slot for each open connection, and many servers drop idle ones within a minute anyway.
IDLE_SECONDS = 5.0
# Nor is one used longer than this (Postfix's smtp_connection_reuse_time_limit), so that a
# change of the server's address or configuration is seen within minutes.
MAX_AGE_SECONDS = 300.0


def _dropped(error: Exception) -> bool:
    """The server closed the connection (its idle timeout, a restart), or said it would
    (421): an answer about the connection, not about the mail. On a kept connection it comes
    at the first command of the next mail; only a drop between the end of the data and its
    answer would have the mail, resent, arrive twice, the window of any retry (README:
    delivered at least once)."""
    if isinstance(error, smtplib.SMTPResponseException):
        # 421: the service closes the channel (too many mails on it, shutting down).
        return error.smtp_code == 421
    return isinstance(
        error, smtplib.SMTPServerDisconnected | ConnectionResetError | BrokenPipeError
    )


class MailConnection:
    """Hands messages to the mail server, on one connection while `kept()` lasts and on a
    new connection per message otherwise."""

    def __init__(self) -> None:
        self._backend: BaseEmailBackend | None = None
        self._opened_at = 0.0
        self._last_used = 0.0
        self._keep = False

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Keep the connection open from one message to the next until the block ends."""
        self._keep = True
        try:
            yield
        finally:
            self._keep = False
            self.close()

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server, or raise what the server or the network said.

        A kept connection the server dropped meanwhile is reopened and the message sent on
        the new one: the server's own answer about this mail (a refused recipient) is what
        the caller must see, not the stale connection.
        """
        # Idle that long, the server may have dropped it: better a new one at once.
        self.close_if_idle()
        reused = self._backend is not None
        try:
            try:
                self._send(message)
            except (smtplib.SMTPException, OSError) as error:
                if not (reused and _dropped(error)):
                    raise
                self.close()
                self._send(message)
        except BaseException:
            # Whatever the server said, the next mail starts on a fresh connection: a
            # session left in an unknown state must not answer for another mail.
            self.close()
            raise
        if self._keep:
            self._last_used = time.monotonic()
        else:
            self.close()

    def close_if_idle(self) -> None:
        """Close the connection if no mail used it for IDLE_SECONDS, or it has been open for
        MAX_AGE_SECONDS."""
        now = time.monotonic()
        if self._backend is not None and (
            now - self._last_used >= IDLE_SECONDS or now - self._opened_at >= MAX_AGE_SECONDS
        ):
            self.close()

    def close(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            # A connection that cannot even say QUIT is closed all the same.
            with suppress(smtplib.SMTPException, OSError):
                backend.close()

    def _send(self, message: EmailMessage) -> None:
        now = time.monotonic()
        if self._backend is None:
            # A new backend each time: it reads the settings (host, port, credentials) then.
            backend = get_connection()
            try:
                backend.open()
            except BaseException:
                # A connection opened then refused at STARTTLS or login must not linger.
                with suppress(smtplib.SMTPException, OSError):
                    backend.close()
                raise
            self._backend, self._opened_at = backend, now
        self._last_used = now
        self._backend.send_messages([message])


# The process's connection: the delivery task sends through it, the worker keeps it open.
mail_connection = MailConnection()
