"""A real DNS server for the tests (dnslib, UDP on a loopback port, in a thread), answering
from a small zone the test writes, and the settings that point the address domain check at
it.

Load with `pytest_plugins = ["tests.dns_server"]` in a test module: it gives the fixtures
`dns_server` (the server, recording the questions it is asked) and `dns_settings` (the
server, with PORTIQUE_EMAIL_DNS_CHECK on and PORTIQUE_DNS_NAMESERVERS aimed at it).
"""

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from dnslib import AAAA, MX, QTYPE, RCODE, RR, A, DNSError, DNSRecord
from dnslib.server import BaseResolver, DNSServer

HOST = "127.0.0.1"
# What the tests' check waits for in all: a dropped question costs the test this much.
TIMEOUT_SECONDS = 0.5

_RDATA = {"MX": lambda value: MX(value), "A": A, "AAAA": AAAA}


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class _Quiet:
    """dnslib's logger prints every packet: the tests want none of it."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Zone(BaseResolver):  # type: ignore[misc]
    """Answers for the names the test gave: their records of the type asked (none: NODATA),
    NXDOMAIN for any other name; no answer at all, or SERVFAIL, for the names told so."""

    def __init__(self) -> None:
        self.records: dict[str, list[RR]] = {}
        self.dropped: set[str] = set()
        self.failing: set[str] = set()
        self.questions: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        name = str(request.q.qname).rstrip(".").lower()
        with self._lock:
            self.questions.append((name, QTYPE[request.q.qtype]))
            records = self.records.get(name)
            dropped, failing = name in self.dropped, name in self.failing
        if dropped:
            # dnslib sends nothing back when the resolver raises DNSError: a lost answer.
            raise DNSError(f"{name}: dropped, as told")
        reply = request.reply()
        if failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif records is None:
            reply.header.rcode = RCODE.NXDOMAIN
        else:
            for record in records:
                if record.rtype == request.q.qtype:
                    reply.add_answer(record)
        return reply


class DnsServer:
    """A DNS server on a loopback UDP port, answering from its zone."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = free_udp_port()
        self.zone = Zone()
        self._server = DNSServer(self.zone, address=self.host, port=self.port, logger=_Quiet())

    @property
    def address(self) -> str:
        """As PORTIQUE_DNS_NAMESERVERS writes it."""
        return f"{self.host}:{self.port}"

    def add(self, name: str, rtype: str, value: str) -> None:
        """Give `name` a record: add("example.org", "MX", "mx.example.org")."""
        record = RR(name, getattr(QTYPE, rtype), rdata=_RDATA[rtype](value), ttl=60)
        with self.zone._lock:
            self.zone.records.setdefault(name.lower(), []).append(record)

    def exists(self, name: str) -> None:
        """Make `name` exist with no record at all: every question about it gets NODATA."""
        with self.zone._lock:
            self.zone.records.setdefault(name.lower(), [])

    def drop(self, name: str) -> None:
        """Never answer a question about `name` (a resolver that times out)."""
        with self.zone._lock:
            self.zone.dropped.add(name.lower())

    def fail(self, name: str) -> None:
        """Answer SERVFAIL to every question about `name`."""
        with self.zone._lock:
            self.zone.failing.add(name.lower())

    def questions_about(self, name: str) -> list[str]:
        """The record types asked about `name`, in order."""
        with self.zone._lock:
            return [rtype for asked, rtype in self.zone.questions if asked == name.lower()]

    def start(self) -> None:
        self._server.start_thread()

    def stop(self) -> None:
        self._server.stop()
        self._server.server.server_close()


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dns_settings(settings: Any, dns_server: DnsServer) -> DnsServer:
    """Turn the address domain check on, asking `dns_server` only, with a short timeout."""
    settings.PORTIQUE_EMAIL_DNS_CHECK = True
    settings.PORTIQUE_DNS_NAMESERVERS = [dns_server.address]
    settings.PORTIQUE_EMAIL_DNS_TIMEOUT = TIMEOUT_SECONDS
    return dns_server
