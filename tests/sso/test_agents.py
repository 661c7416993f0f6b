"""The console's agents through the single sign-on (here behind a trusted proxy, with the
test client): their groups come from the roles attribute at each login, an SSO user without
it is no agent, and the local admin login is kept only as a break-glass account."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from portique.core.models import AuditEvent
from portique.selfservice.views import SESSION_ACCOUNT
from tests.sso_users import ADMIN_ROLE, HELPDESK_ROLE, SSO_ROLES

pytestmark = pytest.mark.django_db

ROLES_HEADER = "X-Remote-Roles"


@pytest.fixture(autouse=True)
def _behind_a_trusted_proxy(settings: Any) -> None:
    settings.PORTIQUE_AUTH = "remote_user"
    settings.PORTIQUE_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTIQUE_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.PORTIQUE_SSO_ROLES_ATTRIBUTE = ROLES_HEADER
    settings.PORTIQUE_SSO_ROLES = SSO_ROLES


def sso_login(client: Client, login: str, roles: str = "", next_url: str = "") -> Any:
    if next_url:
        client.get("/sso/connexion/", {"next": next_url})
    headers = {"X-Remote-User": login, ROLES_HEADER: roles} if roles else {"X-Remote-User": login}
    return client.get("/sso/retour/", headers=headers)


def groups_of(login: str) -> list[str]:
    return sorted(User.objects.get(username=login).groups.values_list("name", flat=True))


def test_console_login_goes_to_the_sso() -> None:
    answer = Client().get("/admin/login/", {"next": "/helpdesk/"})

    assert answer["Location"] == "/sso/connexion/?next=/helpdesk/"


def test_roles_attribute_makes_a_helpdesk_agent_back_where_they_were_going() -> None:
    client = Client()
    answer = sso_login(client, "agent.x", f"{HELPDESK_ROLE};urn:other", next_url="/admin/")

    assert answer["Location"] == "/admin/"
    assert groups_of("agent.x") == ["helpdesk"]
    assert client.get("/helpdesk/").status_code == 200


def test_roles_follow_the_attribute_at_each_login() -> None:
    sso_login(Client(), "agent.x", HELPDESK_ROLE)

    sso_login(Client(), "agent.x", f"{HELPDESK_ROLE},{ADMIN_ROLE}")

    assert groups_of("agent.x") == ["administrateurs", "helpdesk"]
    changes = AuditEvent.objects.filter(action="agent_roles_changed", subject="agent.x")
    assert [event.data["groups"] for event in changes.order_by("id")] == [
        ["helpdesk"],
        ["administrateurs", "helpdesk"],
    ]


def test_without_the_attribute_an_sso_user_is_no_agent() -> None:
    client = Client()
    sso_login(client, "someone")

    assert not User.objects.filter(username="someone").exists()
    assert client.get("/helpdesk/").status_code == 302


def test_agent_whose_roles_are_gone_is_an_agent_no_longer() -> None:
    sso_login(Client(), "agent.x", HELPDESK_ROLE)
    client = Client()

    sso_login(client, "agent.x")

    agent = User.objects.get(username="agent.x")
    assert not agent.is_staff and groups_of("agent.x") == []
    assert client.get("/helpdesk/").status_code == 302


def test_values_outside_the_mapping_give_no_role() -> None:
    sso_login(Client(), "agent.x", "urn:other")

    assert not User.objects.filter(username="agent.x").exists()


def test_sso_never_opens_a_local_account_of_the_same_name() -> None:
    User.objects.create_user(username="breakglass", password="Local-Secret-2031", is_staff=True)
    client = Client()

    sso_login(client, "breakglass", ADMIN_ROLE)

    assert groups_of("breakglass") == []
    assert client.get("/helpdesk/").status_code == 302


def test_break_glass_login_form_only_when_the_setting_allows_it(settings: Any) -> None:
    assert Client().get("/admin/login/", {"local": "1"}).status_code == 302

    settings.PORTIQUE_SSO_LOCAL_ADMIN_LOGIN = True

    page = Client().get("/admin/login/", {"local": "1"})
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()


def test_break_glass_account_logs_in_with_its_password(settings: Any) -> None:
    settings.PORTIQUE_SSO_LOCAL_ADMIN_LOGIN = True
    user = User.objects.create_user(username="breakglass", password="Local-Secret-2031")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client = Client()

    answer = client.post(
        "/admin/login/?local=1&next=/admin/",
        {"username": "breakglass", "password": "Local-Secret-2031", "next": "/admin/"},
    )

    assert answer["Location"] == "/admin/"
    assert AuditEvent.objects.filter(action="admin_login_succeeded", subject="breakglass").exists()


def test_local_mode_keeps_the_admin_login_form(settings: Any) -> None:
    settings.PORTIQUE_AUTH = "local"

    assert Client().get("/admin/login/").status_code == 200


def test_person_logging_in_after_an_agent_in_the_same_browser_gets_no_console() -> None:
    client = Client()
    sso_login(client, "agent.x", HELPDESK_ROLE)
    assert client.get("/helpdesk/").status_code == 200

    sso_login(client, "someone")

    assert client.get("/helpdesk/").status_code == 302


def test_someone_else_logging_in_after_a_person_in_the_same_browser_ends_their_session() -> None:
    client = Client()
    session = client.session
    session[SESSION_ACCOUNT] = "jane.doe"
    session.save()
    before = session.session_key

    sso_login(client, "inconnu")

    assert SESSION_ACCOUNT not in client.session
    assert client.session.session_key != before
