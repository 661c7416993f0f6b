"""What the onboarding commands share: a progress bar, and files only their owner reads."""

import os
import time
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import OutputWrapper


class ProgressBar:
    """A one-line progress bar, redrawn in place at most ten times a second; silent when
    not enabled (stderr is not a terminal and --progress was not given)."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, label: str, *, enabled: bool) -> None:
        self.stream, self.label, self.enabled = stream, label, enabled
        self.drawn_at = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.drawn_at < 0.1 and done < total):
            return
        self.drawn_at, self.drawn = now, True
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        percent = 100 * done // max(total, 1)
        line = f"\r{self.label} [{bar}] {done}/{total} {percent}%"
        self.stream.write(line, style_func=str, ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("", style_func=str)


def open_private(path: str) -> BinaryIO:
    """Open `path` for writing, readable by its owner only: it will hold passwords."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # O_CREAT's mode applies to a new file only; an existing one is narrowed too.
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


def discard(path: str) -> None:
    """Remove a letters file that will not be written after all."""
    Path(path).unlink(missing_ok=True)
