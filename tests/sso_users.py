"""The people the tests' identity providers know (the OpenID Connect provider and the CAS
server alike), with their password there and the values of their roles attribute."""

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
