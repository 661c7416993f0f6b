"""Spot an address whose domain looks like a misspelt common provider (gmial.com,
hotmial.fr, orange.f), to ask the person to check it before a link is mailed there."""

import functools

# The providers people in France use most, and the big international ones.
COMMON_DOMAINS = (
    "gmail.com", "googlemail.com", "hotmail.fr", "hotmail.com", "live.fr", "live.com",
    "outlook.fr", "outlook.com", "msn.com", "yahoo.fr", "yahoo.com", "icloud.com", "me.com",
    "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "bbox.fr",
    "numericable.fr", "aol.com", "gmx.fr", "gmx.com", "protonmail.com", "proton.me",
    "mail.com", "ymail.com", "gmx.net", "gmx.de", "web.de", "yahoo.co.uk", "hotmail.co.uk",
    "skynet.be", "bluewin.ch", "tutanota.com", "club-internet.fr", "aliceadsl.fr",
)  # fmt: skip
_KNOWN = frozenset(COMMON_DOMAINS)
_MOST_TYPOS = 2


def _distance(a: str, b: str, *, bound: int | None = None) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): typos, with swapped
    neighbours ("gmial") counting as one. With a `bound`, any distance above it is returned
    as bound + 1, as soon as a row shows it (no row's minimum ever decreases)."""
    if bound is None:
        bound = len(a) + len(b)
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return min(previous[-1], bound + 1)


def suggest(address: str) -> str | None:
    """Return the address with its domain corrected when the domain is one or two typos away
    from a common provider's, or None."""
    local, _, domain = address.rpartition("@")
    domain = domain.lower()
    if not local or not domain or domain in _KNOWN:
        return None
    corrected = _corrected(domain)
    return f"{local}@{corrected}" if corrected else None


# People type the same few domains: each is compared with the providers once per process.
@functools.lru_cache(maxsize=4096)
def _corrected(domain: str) -> str | None:
    """The common provider's domain that `domain` is a misspelling of, or None."""
    best, best_distance = None, _MOST_TYPOS + 1
    for known in COMMON_DOMAINS:
        # Each typo changes the length by one at most: a domain whose length differs by
        # more than the typos allowed cannot match, and costs no comparison.
        if abs(len(known) - len(domain)) < best_distance:
            distance = _distance(domain, known, bound=best_distance - 1)
            if distance < best_distance:
                best, best_distance = known, distance
    if best is None:
        return None
    # Two typos on a short domain would match too much: allow them from 8 letters up.
    allowed = _MOST_TYPOS if len(best) >= 8 else 1
    return best if best_distance <= allowed else None
