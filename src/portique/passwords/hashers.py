"""Argon2, computed behind the pages rather than in their way.

A password hash costs about 0.3 s of CPU, by design; every other page costs a few
milliseconds. Each app process hashes in one thread of its own, at the lowest CPU priority
(Linux lets a thread lower its own): while it hashes, the pages that other threads serve get
the processor first, and the hash takes what they leave, so a person waiting for step 10
does not slow down everyone else's steps 1 to 9. One hash at a time per process also bounds
the memory argon2 takes (100 MiB a hash with Django's parameters).

The hashes are Django's own, same algorithm and parameters: the stored passwords do not
change, and Django's Argon2PasswordHasher reads them as well.
"""

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher

T = TypeVar("T")
LOWEST_PRIORITY = 19

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0


def _lower_this_threads_priority() -> None:
    # On Linux, setpriority() on a thread id changes that thread alone; elsewhere it would
    # slow the whole process, pages included, so the hash keeps the normal priority there.
    if sys.platform.startswith("linux"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


def _in_hashing_thread(function: Callable[..., T], *args: object) -> T:
    global _executor, _executor_pid
    with _lock:
        # gunicorn forks its workers after loading the application: a thread pool made
        # before the fork has no thread in the child.
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="argon2",
                initializer=_lower_this_threads_priority,
            )
            _executor_pid = os.getpid()
        executor = _executor
    return executor.submit(function, *args).result()


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Django's argon2 hasher, run in the process's low-priority hashing thread."""

    def encode(self, password: str, salt: str) -> str:
        return _in_hashing_thread(super().encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        return _in_hashing_thread(super().verify, password, encoded)
