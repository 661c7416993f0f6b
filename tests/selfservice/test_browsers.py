"""The short description of a session's browser, from the User-Agent header recorded at
login: the main browsers and systems by name, « Navigateur inconnu » otherwise."""

import pytest
from django.utils import translation

from portique.selfservice.browsers import browser_described
from tests.support.after_activation import CHROME_ON_WINDOWS, FIREFOX_ON_LINUX, SAFARI_ON_IPHONE

EDGE_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)
OPERA_ON_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 OPR/112.0.0.0"
)
SAFARI_ON_MACOS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.122 Mobile Safari/537.36"
)
SAMSUNG_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)
FIREFOX_ON_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "FxiOS/127.0 Mobile/15E148 Safari/605.1.15"
)
CHROME_ON_CHROMEOS = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
INTERNET_EXPLORER = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (FIREFOX_ON_LINUX, "Firefox sur Linux"),
        (CHROME_ON_WINDOWS, "Chrome sur Windows"),
        (EDGE_ON_WINDOWS, "Edge sur Windows"),
        (OPERA_ON_MACOS, "Opera sur macOS"),
        (SAFARI_ON_MACOS, "Safari sur macOS"),
        (SAFARI_ON_IPHONE, "Safari sur iOS"),
        (FIREFOX_ON_IPAD, "Firefox sur iPadOS"),
        (CHROME_ON_ANDROID, "Chrome sur Android"),
        (SAMSUNG_ON_ANDROID, "Samsung Internet sur Android"),
        (CHROME_ON_CHROMEOS, "Chrome sur ChromeOS"),
        (INTERNET_EXPLORER, "Internet Explorer sur Windows"),
        ("Firefox/128.0", "Firefox"),
        ("curl/8.5.0", "Navigateur inconnu"),
        ("Lynx/2.9.0 (Linux)", "Navigateur inconnu sur Linux"),
        ("", "Navigateur inconnu"),
    ],
)
def test_browser_is_described_by_name_and_system(user_agent: str, described: str) -> None:
    with translation.override("fr"):
        assert browser_described(user_agent) == described


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [(FIREFOX_ON_LINUX, "Firefox on Linux"), ("curl/8.5.0", "Unknown browser")],
)
def test_browser_is_described_in_english_under_english(user_agent: str, described: str) -> None:
    with translation.override("en"):
        assert browser_described(user_agent) == described
