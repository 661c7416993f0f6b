"""Whether a mail domain can receive mail at all, asked of DNS before a recovery or
redirection address is taken: a domain with no MX and no A or AAAA record would only make the
mail bounce, long after the person has left the page.

Fail open: a resolver that does not answer in time (PORTIQUE_EMAIL_DNS_TIMEOUT), answers
SERVFAIL, or is not configured lets the address through, and the mail's fate on the waiting
page tells the rest. Only a definite answer (NXDOMAIN, or no record of any of the three types)
refuses it.
"""

import hashlib
import logging
import time

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# Long enough for the two or three tries of one person, short enough that a domain just
# set up is not refused for long.
ANSWER_SECONDS = 300
# A resolver that did not answer is not asked again for this domain at once: each try would
# wait the whole timeout again.
NO_ANSWER_SECONDS = 60

_RECEIVES, _RECEIVES_NOT, _UNKNOWN = "yes", "no", "unknown"


def domain_receives_mail(domain: str) -> bool:
    """Return False only when DNS answers that `domain` does not exist or has no MX, A or
    AAAA record; True when it has one, when DNS gives no answer, or when the check is off
    (PORTIQUE_EMAIL_DNS_CHECK)."""
    if not settings.PORTIQUE_EMAIL_DNS_CHECK:
        return True
    name = domain.strip().rstrip(".").lower()
    if not name:
        return True
    key = "mail-domain:" + hashlib.sha256(name.encode()).hexdigest()
    verdict = cache.get(key)
    if verdict is None:
        verdict = _ask(name)
        cache.set(key, verdict, NO_ANSWER_SECONDS if verdict == _UNKNOWN else ANSWER_SECONDS)
    return verdict != _RECEIVES_NOT


def _ask(name: str) -> str:
    """Ask for MX, then A, then AAAA records of `name`, within one timeout for all three."""
    timeout = settings.PORTIQUE_EMAIL_DNS_TIMEOUT
    deadline = time.monotonic() + timeout
    try:
        resolver = _resolver(timeout)
        for rdtype in ("MX", "A", "AAAA"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise dns.exception.Timeout(timeout=timeout)
            try:
                resolver.resolve(name, rdtype, lifetime=left, search=False)
            except dns.resolver.NoAnswer:
                continue
            return _RECEIVES
        return _RECEIVES_NOT
    except dns.resolver.NXDOMAIN:
        return _RECEIVES_NOT
    except (dns.exception.DNSException, OSError, ValueError) as error:
        # Timeout, SERVFAIL from every resolver (NoNameservers), no resolv.conf, a bad name.
        logger.warning("mail domain %s not checked, address accepted: %r", name, error)
        return _UNKNOWN


def _resolver(timeout: float) -> dns.resolver.Resolver:
    """The system's resolvers, or those of PORTIQUE_DNS_NAMESERVERS."""
    configured = settings.PORTIQUE_DNS_NAMESERVERS
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = [_nameserver(entry) for entry in configured]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _nameserver(entry: str) -> dns.nameserver.Nameserver:
    """One resolver of PORTIQUE_DNS_NAMESERVERS: `ip`, `ipv4:port`, `[ipv6]:port` or `ipv6`."""
    entry = entry.strip()
    if entry.startswith("["):
        host, _, port = entry[1:].partition("]")
        return dns.nameserver.Do53Nameserver(host, int(port.lstrip(":") or 53))
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return dns.nameserver.Do53Nameserver(host, int(port))
    return dns.nameserver.Do53Nameserver(entry)
