"""Argon2, computed behind the pages rather than in their way, in memory kept for it.

A password hash costs about 0.16 s of CPU, by design; every other page costs a few
milliseconds. Each app process hashes in one thread of its own, at the lowest CPU priority
(Linux lets a thread lower its own): while it hashes, the pages that other threads serve get
the processor first, and the hash takes what they leave, so a person waiting for step 10
does not slow down everyone else's steps 1 to 9. One hash at a time per process also bounds
the memory argon2 takes (100 MiB a hash with Django's parameters).

That memory is kept from one hash to the next. libargon2 would map 100 MiB afresh for each
hash and unmap it afterwards: the kernel then zeroes each of its 25,600 pages on first touch,
about a quarter of the hash's CPU spent on memory argon2 overwrites anyway. The hashing
thread lends libargon2 the same block memory instead, and lets it go after IDLE_SECONDS
without a hash, so a quiet portal holds none of it. libargon2 wipes the blocks at the end of
every hash, before handing them back: between two hashes the memory holds zeros, nothing
derived from a password.

The hashes are Django's own, same algorithm, parameters and encoding: the stored passwords
do not change, and Django's Argon2PasswordHasher reads them as well. A stored hash this
module does not recognise (another encoding, an older version) is verified by Django's code.
"""

import base64
import contextlib
import hmac
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import Type
from argon2.low_level import ffi, lib
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher

T = TypeVar("T")
LOWEST_PRIORITY = 19
# A hash a minute keeps the memory; a quieter portal gives it back to the system.
IDLE_SECONDS = 60.0

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0


def _lower_this_threads_priority() -> None:
    # On Linux, setpriority() on a thread id changes that thread alone (and the threads it
    # starts, argon2's lanes); elsewhere it would slow the whole process, pages included, so
    # the hash keeps the normal priority there.
    if sys.platform.startswith("linux"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


def _hashing_executor() -> ThreadPoolExecutor:
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
        return _executor


def _in_hashing_thread(function: Callable[..., T], *args: object) -> T:
    return _hashing_executor().submit(function, *args).result()


class BlockMemory:
    """The hashing thread's argon2 block memory: lent to each hash, kept while hashes
    follow one another, released once none came for IDLE_SECONDS.

    Only the hashing thread lends or releases it (the release is queued to that thread),
    so no hash ever runs in memory that is being let go.
    """

    def __init__(self) -> None:
        self._buffer: Any = None
        self._used_at = 0.0
        self._timer: threading.Thread | None = None

    @property
    def size(self) -> int:
        return len(self._buffer) if self._buffer is not None else 0

    def lend(self, size: int) -> Any:
        if self._buffer is None or len(self._buffer) < size:
            self._buffer = None  # the smaller one first, not both at once
            # Not cleared: argon2 writes every block before it reads it.
            self._buffer = _uncleared(f"uint8_t[{size}]")
        return self._buffer

    def returned(self) -> None:
        self._used_at = time.monotonic()
        if self._timer is None or not self._timer.is_alive():
            self._release_later(IDLE_SECONDS)

    def _release_later(self, seconds: float) -> None:
        self._timer = threading.Thread(
            target=self._queue_release, args=(seconds,), name="argon2-release", daemon=True
        )
        self._timer.start()

    def _queue_release(self, after: float) -> None:
        # A sleep, not a threading.Timer: under a clock moved by faketime (as the tests
        # move it, a year ahead or a month back), the Timer's timed wait never returned.
        time.sleep(after)
        # An interpreter shutting down takes no more work: the memory goes with it.
        with contextlib.suppress(RuntimeError):
            _hashing_executor().submit(self._release_if_idle)

    def _release_if_idle(self) -> None:
        idle = time.monotonic() - self._used_at
        if idle >= IDLE_SECONDS:
            self._buffer = None
        else:
            self._release_later(IDLE_SECONDS - idle)


_uncleared = ffi.new_allocator(should_clear_after_alloc=False)
_memory = BlockMemory()


def _lend(memory: Any, size: int) -> int:
    memory[0] = _memory.lend(size)
    return 0


def _give_back(memory: Any, size: int) -> None:
    # libargon2 has wiped the blocks already (clear_internal_memory): keep them for the
    # next hash.
    _memory.returned()


try:
    _allocate: Any = ffi.callback(
        "int(uint8_t **, size_t)", _lend, error=lib.ARGON2_MEMORY_ALLOCATION_ERROR
    )
    _deallocate: Any = ffi.callback("void(uint8_t *, size_t)", _give_back)
except (MemoryError, OSError):
    # A system that forbids writable code where libffi needs it for a callback: libargon2
    # then allocates for each hash, as it does by default.
    _allocate = _deallocate = ffi.NULL


_TYPES = {"argon2d": Type.D, "argon2i": Type.I, "argon2id": Type.ID}
_NAMES = {kind: name for name, kind in _TYPES.items()}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def argon2_raw(
    password: bytes,
    salt: bytes,
    *,
    time_cost: int,
    memory_cost: int,
    parallelism: int,
    hash_len: int,
    type: Type,
    version: int = lib.ARGON2_VERSION_NUMBER,
) -> bytes | None:
    """The raw argon2 hash, computed in the kept block memory; None when libargon2 refuses
    the parameters. Call it in the hashing thread only."""
    out = ffi.new(f"uint8_t[{hash_len}]")
    context = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": hash_len,
            "pwd": ffi.from_buffer(password),
            "pwdlen": len(password),
            "salt": ffi.from_buffer(salt),
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": time_cost,
            "m_cost": memory_cost,
            "lanes": parallelism,
            "threads": parallelism,
            "version": version,
            "allocate_cbk": _allocate,
            "free_cbk": _deallocate,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    if lib.argon2_ctx(context, type.value) != lib.ARGON2_OK:
        return None
    return bytes(ffi.buffer(out, hash_len))


def _decode(encoded: str) -> tuple[Type, int, int, int, int, bytes, bytes] | None:
    """Type, version, m, t, p, salt and hash of `$argon2id$v=19$m=..,t=..,p=..$salt$hash`,
    or None for anything else."""
    try:
        empty, name, version, costs, salt, digest = encoded.split("$")
        m, t, p = costs.split(",")
        labelled = zip((version, m, t, p), ("v=", "m=", "t=", "p="), strict=True)
        if empty or not all(part.startswith(label) for part, label in labelled):
            return None
        v, memory_cost, time_cost, parallelism = (int(part[2:]) for part in (version, m, t, p))
        return _TYPES[name], v, memory_cost, time_cost, parallelism, _unb64(salt), _unb64(digest)
    except (KeyError, ValueError):
        return None


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Django's argon2 hasher, run in the process's low-priority hashing thread, in the
    block memory that thread keeps."""

    def encode(self, password: str, salt: str) -> str:
        return _in_hashing_thread(self._encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        return _in_hashing_thread(self._verify, password, encoded)

    def _encode(self, password: str, salt: str) -> str:
        params = self.params()  # type: ignore[attr-defined]  # Django's; not in django-stubs
        digest = argon2_raw(
            password.encode(),
            salt.encode(),
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            type=params.type,
        )
        if digest is None:
            return super().encode(password, salt)  # which says why
        return (
            f"{self.algorithm}${_NAMES[params.type]}$v={lib.ARGON2_VERSION_NUMBER}"
            f"$m={params.memory_cost},t={params.time_cost},p={params.parallelism}"
            f"${_b64(salt.encode())}${_b64(digest)}"
        )

    def _verify(self, password: str, encoded: str) -> bool:
        algorithm, _, rest = encoded.partition("$")
        decoded = _decode("$" + rest) if algorithm == self.algorithm else None
        if decoded is not None:
            kind, version, memory_cost, time_cost, parallelism, salt, expected = decoded
            digest = argon2_raw(
                password.encode(),
                salt,
                time_cost=time_cost,
                memory_cost=memory_cost,
                parallelism=parallelism,
                hash_len=len(expected),
                type=kind,
                version=version,
            )
            if digest is not None:
                return hmac.compare_digest(digest, expected)
        return super().verify(password, encoded)
