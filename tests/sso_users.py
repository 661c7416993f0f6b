"""The people the tests' identity providers know (the OpenID Connect provider and the CAS
server alike), with their password there and the values of their roles attribute, and the
fixture `jane`: the one of them whose account is activated.

Load with `pytest_plugins = ["tests.after_activation", "tests.sso_users"]`."""

from typing import Any

import pytest

from tests.after_activation import Activated
from tests.factories import DemoPerson

IDP_PASSWORD = "Mot-de-passe-IdP-7"
ROLES_ATTRIBUTE = "eduPersonEntitlement"
HELPDESK_ROLE = "urn:mace:univ.test:portique:helpdesk"
ADMIN_ROLE = "urn:mace:univ.test:portique:admin"
SSO_ROLES = {HELPDESK_ROLE: "helpdesk", ADMIN_ROLE: "administrateurs"}

# jane.doe and paul.martin are the `staff` and `vacataire` fixtures' logins; nobody of
# Portique's is called inconnu; the agents are agents only.
IDP_USERS: dict[str, dict[str, object]] = {
    "jane.doe": {"password": IDP_PASSWORD, "roles": []},
    "paul.martin": {"password": IDP_PASSWORD, "roles": []},
    "inconnu": {"password": IDP_PASSWORD, "roles": []},
    "agent.helpdesk": {"password": IDP_PASSWORD, "roles": [HELPDESK_ROLE, "urn:other"]},
    "agent.admin": {"password": IDP_PASSWORD, "roles": [ADMIN_ROLE]},
}


@pytest.fixture
def jane(activate: Any, staff: DemoPerson) -> Activated:
    """jane.doe, activated. Name it before the fixture that sets PORTIQUE_AUTH and aims
    PORTIQUE_BASE_URL at the live server: the activation's mailed links are read at the
    tests' own base URL."""
    return activate(staff)  # type: ignore[no-any-return]
