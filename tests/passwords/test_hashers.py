"""The portal's argon2 hasher: Django's hashes, byte for byte, computed in the hashing
thread's kept block memory (passwords/hashers.py)."""

import os
import sys
import threading
import time

import argon2
import pytest
from argon2.low_level import ffi
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portique.passwords import hashers
from portique.passwords.hashers import Argon2PasswordHasher

PASSWORD = "Velo-rouge-mardi-42"
# Django's parameters: 100 MiB of blocks.
BLOCKS = DjangoArgon2PasswordHasher.memory_cost * 1024


class SmallArgon2PasswordHasher(DjangoArgon2PasswordHasher):
    """Other parameters, as a site that changed them, or an older Django, stored."""

    time_cost = 3
    memory_cost = 8192
    parallelism = 2


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> hashers.BlockMemory:
    """A block memory of the test's own, released soon after its last hash."""
    fresh = hashers.BlockMemory()
    monkeypatch.setattr(hashers, "_memory", fresh)
    monkeypatch.setattr(hashers, "IDLE_SECONDS", 0.3)
    return fresh


def address(memory: hashers.BlockMemory) -> int:
    return int(ffi.cast("uintptr_t", memory._buffer))


def wait_until(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=st.text(max_size=40))
def test_encodes_what_djangos_hasher_encodes(password: str) -> None:
    salt = DjangoArgon2PasswordHasher().salt()

    encoded = Argon2PasswordHasher().encode(password, salt)

    assert encoded == DjangoArgon2PasswordHasher().encode(password, salt)


def test_djangos_hasher_verifies_what_it_encodes_and_it_verifies_djangos() -> None:
    ours, django = Argon2PasswordHasher(), DjangoArgon2PasswordHasher()

    assert django.verify(PASSWORD, ours.encode(PASSWORD, ours.salt()))
    assert ours.verify(PASSWORD, django.encode(PASSWORD, django.salt()))
    assert not ours.verify(PASSWORD + "!", django.encode(PASSWORD, django.salt()))


@pytest.mark.parametrize(
    "encoded",
    [
        # Other parameters, and a hash of another length.
        SmallArgon2PasswordHasher().encode(PASSWORD, "sel-de-seize-octets"),
        "argon2"
        + argon2.low_level.hash_secret(
            PASSWORD.encode(), b"sel-du-site-x", 2, 8192, 1, 24, argon2.Type.ID
        ).decode(),
        # argon2i, as Django before 3.1 stored it.
        "argon2"
        + argon2.low_level.hash_secret(
            PASSWORD.encode(), b"sel-du-site-x", 2, 8192, 2, 16, argon2.Type.I
        ).decode(),
        # Version 1.0 of the algorithm, whose encoding has no "v=".
        "argon2"
        + argon2.low_level.hash_secret(
            PASSWORD.encode(), b"sel-du-site-x", 2, 8192, 2, 16, argon2.Type.I, version=0x10
        ).decode(),
    ],
    ids=["other-costs", "other-length", "argon2i", "version-1.0"],
)
def test_verifies_hashes_stored_with_other_parameters_as_django_does(encoded: str) -> None:
    ours, django = Argon2PasswordHasher(), DjangoArgon2PasswordHasher()

    assert ours.verify(PASSWORD, encoded) is django.verify(PASSWORD, encoded) is True
    assert ours.verify("autre", encoded) is django.verify("autre", encoded) is False


@pytest.mark.parametrize(
    "encoded",
    [
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2Vs$",
        "argon2$argon2id$v=19$m=lots,t=2,p=8$c2VsLWR1LXNpdGU$aGFjaGU",
        "argon2$argon2xx$v=19$m=8192,t=2,p=1$c2VsLWR1LXNpdGU$aGFjaGU",
        "argon2$argon2id$v=19$m=8192,t=2,p=1$c2VsLWR1LXNpdGU$not base64!",
    ],
)
def test_a_malformed_hash_is_refused_as_djangos_hasher_refuses_it(encoded: str) -> None:
    try:
        expected: object = DjangoArgon2PasswordHasher().verify(PASSWORD, encoded)
    except Exception as error:  # whatever Django does, ours must do
        expected = type(error)

    if isinstance(expected, type):
        with pytest.raises(expected):
            Argon2PasswordHasher().verify(PASSWORD, encoded)
    else:
        assert Argon2PasswordHasher().verify(PASSWORD, encoded) is expected


def test_the_block_memory_is_kept_between_hashes_and_holds_only_zeros(
    memory: hashers.BlockMemory,
) -> None:
    hasher = Argon2PasswordHasher()

    hasher.encode(PASSWORD, hasher.salt())
    first = address(memory)
    hasher.verify(PASSWORD, hasher.encode(PASSWORD, hasher.salt()))

    assert memory.size == BLOCKS
    assert address(memory) == first
    # libargon2 wipes the blocks before handing them back: nothing of a password stays.
    assert ffi.buffer(memory._buffer)[:] == bytes(BLOCKS)


def test_a_hash_that_needs_more_memory_gets_it(memory: hashers.BlockMemory) -> None:
    small = SmallArgon2PasswordHasher().encode(PASSWORD, "sel-de-seize-octets")
    hasher = Argon2PasswordHasher()

    assert hasher.verify(PASSWORD, small)
    assert memory.size == SmallArgon2PasswordHasher.memory_cost * 1024
    assert hasher.verify(PASSWORD, hasher.encode(PASSWORD, hasher.salt()))
    assert memory.size == BLOCKS


def test_the_block_memory_is_released_once_no_hash_came_for_a_while(
    memory: hashers.BlockMemory,
) -> None:
    hasher = Argon2PasswordHasher()
    hasher.encode(PASSWORD, hasher.salt())
    assert memory.size == BLOCKS

    assert wait_until(lambda: memory.size == 0)


def test_a_hash_keeps_the_memory_from_being_released(memory: hashers.BlockMemory) -> None:
    hasher = Argon2PasswordHasher()
    hasher.encode(PASSWORD, hasher.salt())
    idle = hashers.IDLE_SECONDS
    # Hashes closer together than the idle delay, for longer than it.
    deadline = time.monotonic() + 2.5 * idle
    while time.monotonic() < deadline:
        time.sleep(idle / 3)
        hasher.verify("autre", SmallArgon2PasswordHasher().encode(PASSWORD, "sel-de-seize-octets"))
        assert memory.size == BLOCKS

    assert wait_until(lambda: memory.size == 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")
def test_hashes_run_in_one_thread_at_the_lowest_priority() -> None:
    def where() -> tuple[int, int]:
        native = threading.get_native_id()
        return native, os.getpriority(os.PRIO_PROCESS, native)

    first, priority = hashers._in_hashing_thread(where)

    assert priority == hashers.LOWEST_PRIORITY
    assert hashers._in_hashing_thread(where) == (first, priority)
    assert first != threading.get_native_id()


def test_without_callbacks_libargon2_allocates_and_the_hashes_are_the_same(
    monkeypatch: pytest.MonkeyPatch, memory: hashers.BlockMemory
) -> None:
    # Where the system forbids libffi's callbacks, libargon2 allocates for each hash.
    monkeypatch.setattr(hashers, "_allocate", ffi.NULL)
    monkeypatch.setattr(hashers, "_deallocate", ffi.NULL)
    salt = DjangoArgon2PasswordHasher().salt()

    encoded = Argon2PasswordHasher().encode(PASSWORD, salt)

    assert encoded == DjangoArgon2PasswordHasher().encode(PASSWORD, salt)
    assert Argon2PasswordHasher().verify(PASSWORD, encoded)
    assert memory.size == 0
