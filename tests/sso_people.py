"""The fixture `jane`: the one of the identity providers' people (tests/sso_users.py) whose
account is activated.

Load with `pytest_plugins = ["tests.support.after_activation", "tests.sso_people"]`."""

from typing import Any

import pytest

from tests.factories import DemoPerson
from tests.support.after_activation import Activated


@pytest.fixture
def jane(activate: Any, staff: DemoPerson) -> Activated:
    """jane.doe, activated. Name it before the fixture that sets PORTIQUE_AUTH and aims
    PORTIQUE_BASE_URL at the live server: the activation's mailed links are read at the
    tests' own base URL."""
    return activate(staff)  # type: ignore[no-any-return]
