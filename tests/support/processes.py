"""The servers the tests start (slapd, a Kerberos realm, a Samba DC, a CAS server, an OpenID
provider) share their lifecycle: each runs in a session of its own, is waited for until it
answers, and is stopped with SIGTERM, then SIGKILL to its whole group."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar


def wait_until_answering(
    process: subprocess.Popen[bytes],
    answers: Callable[[], bool],
    *,
    name: str,
    timeout: float,
    log: Callable[[], str],
    pause: float = 0.1,
) -> None:
    """Return once `answers()` is true; raise RuntimeError, with the server's log, when
    `process` exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not answers():
        status = process.poll()
        if status is not None:
            raise RuntimeError(f"{name} exited ({status}) before answering:\n{log()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {timeout:.0f} s:\n{log()}")
        time.sleep(pause)


def stop_process(process: subprocess.Popen[bytes] | None, *, timeout: float) -> None:
    """Stop `process` (started with start_new_session=True) and return once it has exited:
    SIGTERM, then SIGKILL to its group if it has not exited within `timeout` seconds."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Not reaped yet, so the group id is still ours and names no one else's group.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


class Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


S = TypeVar("S", bound=Server)


@contextmanager
def started_in_temporary_directory(prefix: str, make: Callable[[Path], S]) -> Iterator[S]:
    """The server `make` builds in a new temporary directory, started; stopped, and the
    directory removed, when the block ends."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        server = make(workdir)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
