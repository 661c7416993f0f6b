"""A real Chromium, Debian's, driven by Playwright. Playwright's own browser downloads are
never used: `playwright install` needs the network, /usr/bin/chromium is a package."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.support import PHONE, TIMEOUT_MS, Visitor
from tests.support.after_activation import QUICK_PASSWORD_HASHERS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The checklist waits 200 ms after the last keystroke, then asks the server: on a loaded CI
# machine that takes more than Playwright's default 5 seconds now and then.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the end-to-end tests, closed when they are done.

    Package-scoped rather than session-scoped: Playwright's sync API keeps an event loop
    marked as running in this thread while it is started, and Django then refuses its ORM
    here ("you cannot call this from an async context"). The tests' own ORM calls (creating
    a person, delivering the mail, emptying the database) come between browser actions,
    never during one, so Django's check is lifted, for these tests only.
    """
    if not CHROMIUM.exists():
        pytest.skip("install Debian's chromium (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser window (no cookies), in French."""
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings: Any) -> None:
    """The live server speaks plain http: cookies marked Secure would not come back."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def window(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open browser windows of given language and size, each with cookies of its own; each
    step waits 10 seconds at most, so that a broken page fails fast."""
    contexts: list[BrowserContext] = []

    def open_window(locale: str = "fr-FR", *, phone: bool = False) -> Page:
        context = browser.new_context(
            locale=locale,
            viewport=PHONE if phone else {"width": 1280, "height": 800},
            is_mobile=phone,
            has_touch=phone,
        )
        contexts.append(context)
        new_page = context.new_page()
        new_page.set_default_timeout(TIMEOUT_MS)
        return new_page

    yield open_window
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(window: Callable[..., Page], live_server: Any) -> Visitor:
    """A person in a French desktop browser, on the live server."""
    return Visitor(window(), live_server.url)


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    """Argon2 at its lowest cost: what these tests check does not depend on it."""
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS
