"""Pages read as a person reads them."""

import html
import re
from typing import Any


def readable(markup: str) -> str:
    """Markup as a person reads it: no tags, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(without_tags).split())


def text(response: Any) -> str:
    """The page as a person reads it: no tags, entities decoded, spaces collapsed."""
    return readable(response.content.decode())


def error_summary(response: Any) -> str:
    """The whole error block of a form page, as HTML."""
    found = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    return found.group(0) if found else ""
