"""The quick password hasher for every test here (see tests/support/after_activation.py)."""

from typing import Any

import pytest

from tests.support.after_activation import QUICK_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS
