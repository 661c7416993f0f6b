"""Name the browser and the system of a session from its User-Agent header, for the list of
sessions on "Compte Informatique": « Firefox sur Linux ».

A few lines of our own rather than a library: the person only needs to recognise their
devices, the header is the client's to write (so nothing here is trusted or shown raw), and
the main browsers and systems name themselves plainly enough.
"""

from django.utils.translation import gettext as _

# (token in the header, name), in the order they are looked for: browsers built on another
# one's engine carry its token too (Edge and Opera say "Chrome/", every browser on iOS says
# "Safari/"), so they come first and Safari last.
BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Vivaldi/", "Vivaldi"),
    ("YaBrowser/", "Yandex"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("MSIE ", "Internet Explorer"),
    ("Trident/", "Internet Explorer"),
    ("Safari/", "Safari"),
)

# iOS says "like Mac OS X", Android says "Linux", ChromeOS says "X11" and "Linux": the
# narrower names come first.
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("iPod", "iOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
    ("FreeBSD", "FreeBSD"),
    ("OpenBSD", "OpenBSD"),
    ("X11", "Unix"),
)


def _first_match(user_agent: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((name for token, name in table if token in user_agent), "")


def browser_name(user_agent: str) -> str:
    """The browser the header names (« Firefox »), or "" when none of the main ones."""
    return _first_match(user_agent, BROWSERS)


def system_name(user_agent: str) -> str:
    """The operating system the header names (« Linux »), or "" when none of the main ones."""
    return _first_match(user_agent, SYSTEMS)


def browser_described(user_agent: str) -> str:
    """A short description of the browser, in the active language: « Firefox sur Linux »,
    « Firefox » when the system is unknown, « Navigateur inconnu » when the browser is."""
    browser, system = browser_name(user_agent), system_name(user_agent)
    if not browser:
        if system:
            return _("Navigateur inconnu sur %(system)s") % {"system": system}
        return _("Navigateur inconnu")
    if not system:
        return browser
    return _("%(browser)s sur %(system)s") % {"browser": browser, "system": system}
