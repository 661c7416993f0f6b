"""gunicorn's access log, without the one-time tokens that links carry in their path."""

import re
from typing import Any

from gunicorn.glogging import Logger

# /activation/lien/<token>/ and any later link of the same shape.
_TOKEN_IN_PATH = re.compile(r"(/lien/)[^/?\s]+")


def redact(text: str) -> str:
    """Replace the token of a link path by '…'."""
    return _TOKEN_IN_PATH.sub(r"\1…", text)


class RedactingLogger(Logger):
    """Log requests as gunicorn does, with link tokens blanked out."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
