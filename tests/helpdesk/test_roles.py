"""The two roles: what each may open and do, the secrets neither ever sees, and agents
created from the command line."""

import re
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.test import Client

from portique.accounts.models import Account, Person
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent, OneTimeLink
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.security.conftest import (
    ELSEWHERE,
    NEW_PASSWORD,
    RECOVERY,
    activate,
    reach_forwarding_sent,
    token_of,
)
from tests.support.mail import last_link
from tests.support.pages import text
from tests.support.walkers import Walker

HELPDESK_PERMISSIONS = {
    "accounts.view_person",
    "accounts.view_account",
    "activation.view_activationflow",
    "mail.view_outboundmail",
    "core.view_auditevent",
    "core.view_onetimelink",
    "helpdesk.view_personfile",
    "helpdesk.view_dashboard",
    "helpdesk.resend_mail",
    "helpdesk.unlock_account",
    "helpdesk.restart_activation",
    "helpdesk.reissue_letter",
    "helpdesk.end_sessions",
    "helpdesk.export_consents",
}
HELPDESK_MODELS = {
    "accounts.person",
    "accounts.account",
    "activation.activationflow",
    "mail.outboundmail",
    "core.auditevent",
    "core.onetimelink",
    "helpdesk.personfile",
}
TOKEN_IN_BODY = re.compile(r"/activation/lien/([^/\s\"<]+)/")


def codenames(permissions: Any) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


# --- The groups -------------------------------------------------------------------------


def test_helpdesk_group_has_exactly_its_permissions(db: None) -> None:
    group = Group.objects.get(name="helpdesk")

    assert codenames(group.permissions.all()) == HELPDESK_PERMISSIONS


def test_administrators_group_has_every_permission(db: None) -> None:
    group = Group.objects.get(name="administrateurs")

    assert group.permissions.count() == Permission.objects.count()
    assert {"helpdesk.view_configuration", "auth.change_user"} <= codenames(group.permissions.all())


def test_helpdesk_agent_may_add_change_or_delete_nothing(agent: User) -> None:
    writes = {
        perm
        for perm in agent.get_all_permissions()
        if perm.split(".")[1].startswith(("add_", "change_", "delete_"))
    }

    assert writes == set()


# --- Secrets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Landscape:
    people: list[DemoPerson]
    secrets: dict[str, str]


@pytest.fixture
def landscape(
    staff: DemoPerson, vacataire: DemoPerson, student: DemoPerson, walker_for: Any
) -> Landscape:
    """Three people at three places: one waits for a mail not yet delivered (its body holds
    the link), one waits for a redirection link, one is activated."""
    activate(Walker(Client(), staff))

    forwarding_link = reach_forwarding_sent(Walker(Client(), vacataire))
    recovery_link = last_link(RECOVERY)

    student_walker = walker_for(student, Client())
    student_walker.identify()
    student_walker.give_provisional_password()
    student_walker.give_recovery_email(RECOVERY)
    queued = OutboundMail.objects.get(subject_login=student.login, status="queued")
    found = TOKEN_IN_BODY.search(queued.body_text)
    assert found, "the queued mail should hold its link"

    secrets = {"queued token": found.group(1), "queued body": queued.body_text.strip()}
    secrets["forwarding token"] = token_of(forwarding_link)
    secrets["recovery token"] = token_of(recovery_link)
    secrets["new password"] = NEW_PASSWORD
    for person in (staff, vacataire, student):
        secrets[f"provisional password of {person.login}"] = person.provisional_password
    for login, provisional_hash, password in Account.objects.values_list(
        "login", "provisional_password_hash", "password"
    ):
        secrets[f"provisional hash of {login}"] = provisional_hash
        if password:
            secrets[f"password hash of {login}"] = password
    for flow_id, digest in ActivationFlow.objects.values_list("pk", "provisional_password_digest"):
        if digest:
            secrets[f"digest of flow {flow_id}"] = digest
    for link_id, token_hash in OneTimeLink.objects.values_list("pk", "token_hash"):
        secrets[f"hash of link {link_id}"] = token_hash
    assert ELSEWHERE in {mail.to for mail in OutboundMail.objects.all()}
    return Landscape(people=[staff, vacataire, student], secrets=secrets)


def admin_pages(browser: Client) -> tuple[dict[str, str], set[str]]:
    """Every admin changelist and change page `browser` can open, by URL, with the models
    whose changelist it could open."""
    pages: dict[str, str] = {}
    opened = set()
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        listing = browser.get(base)
        if listing.status_code == 403:
            continue
        assert listing.status_code == 200, f"{base} answered {listing.status_code}"
        opened.add(label)
        pages[base] = listing.content.decode()
        for pk in model._default_manager.values_list("pk", flat=True)[:30]:
            change = browser.get(f"{base}{pk}/change/", follow=True)
            assert change.status_code == 200, f"{base}{pk}/change/ answered {change.status_code}"
            pages[f"{base}{pk}/change/"] = change.content.decode()
    return pages, opened


def console_pages(browser: Client) -> dict[str, str]:
    pages = {"/helpdesk/": browser.get("/helpdesk/").content.decode()}
    for pk in Person.objects.values_list("pk", flat=True):
        url = f"/helpdesk/personnes/{pk}/"
        response = browser.get(url)
        assert response.status_code == 200
        pages[url] = response.content.decode()
    return pages


def leaks(pages: dict[str, str], secrets: dict[str, str]) -> set[tuple[str, str]]:
    return {
        (url, name)
        for url, body in pages.items()
        for name, value in secrets.items()
        if value in body
    }


def test_helpdesk_opens_the_pages_of_its_models_and_no_other(
    landscape: Landscape, agent_browser: Client
) -> None:
    _pages, opened = admin_pages(agent_browser)

    assert opened == HELPDESK_MODELS


def test_helpdesk_sees_no_hash_token_or_provisional_password(
    landscape: Landscape, agent_browser: Client
) -> None:
    pages, _opened = admin_pages(agent_browser)
    pages.update(console_pages(agent_browser))

    assert len(pages) > 20
    assert leaks(pages, landscape.secrets) == set()


def test_administrators_see_no_hash_token_or_provisional_password_either(
    landscape: Landscape, admin_browser: Client
) -> None:
    pages, opened = admin_pages(admin_browser)
    pages.update(console_pages(admin_browser))

    assert opened > HELPDESK_MODELS | {"auth.user", "auth.group"}
    assert leaks(pages, landscape.secrets) == set()


# --- What the helpdesk may not do -------------------------------------------------------


def test_helpdesk_cannot_change_an_account(landscape: Landscape, agent_browser: Client) -> None:
    account = Account.objects.get(login=landscape.people[0].login)

    response = agent_browser.post(
        f"/admin/accounts/account/{account.pk}/change/", {"keep_copy": "", "login": "x"}
    )

    assert response.status_code == 403
    assert Account.objects.get(pk=account.pk).login == account.login


@pytest.mark.parametrize(
    "url",
    [
        "/helpdesk/configuration/",
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/auth/user/add/",
        "/admin/accounts/person/add/",
        "/admin/django_tasks_database/dbtaskresult/",
    ],
)
def test_helpdesk_gets_403_on_administrators_pages(agent_browser: Client, url: str) -> None:
    assert agent_browser.get(url).status_code == 403


def test_administrators_see_the_charter_version_and_category_rules(
    admin_browser: Client, settings: Any
) -> None:
    settings.PORTIQUE_CHARTER_VERSION = "2031-01"

    page = text(admin_browser.get("/helpdesk/configuration/"))

    assert "2031-01" in page
    assert "vacataire" in page
    assert "mandatory" in page


@pytest.mark.parametrize("url", ["/helpdesk/", "/helpdesk/personnes/1/"])
def test_console_sends_strangers_to_the_admin_login(db: None, client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("url", ["/helpdesk/", "/helpdesk/configuration/"])
def test_console_refuses_staff_without_a_role(db: None, url: str) -> None:
    browser = Client()
    browser.force_login(User.objects.create_user("intern", is_staff=True))

    assert browser.get(url).status_code == 403


def test_console_refuses_a_signed_in_person_who_is_not_staff(db: None) -> None:
    browser = Client()
    browser.force_login(User.objects.create_user("someone"))

    assert browser.get("/helpdesk/")["Location"].startswith("/admin/login/")


# --- create-agent -----------------------------------------------------------------------


def create_agent(**options: str) -> str:
    out = StringIO()
    call_command("create_agent", stdout=out, **options)
    return out.getvalue()


def password_link(output: str) -> str:
    found = re.search(r"https://portail\.example\.org(/helpdesk/lien/[^/\s]+/)", output)
    assert found, output
    return found.group(1)


@pytest.mark.parametrize(
    ("role", "group"), [("helpdesk", "helpdesk"), ("admin", "administrateurs")]
)
def test_create_agent_makes_a_staff_user_of_the_role_without_a_password(
    db: None, role: str, group: str
) -> None:
    create_agent(username="marc", email="marc@univ.example", role=role)

    marc = User.objects.get(username="marc")
    assert marc.is_staff and not marc.is_superuser
    assert [g.name for g in marc.groups.all()] == [group]
    assert not marc.has_usable_password()
    row = AuditEvent.objects.get(action="agent_created")
    assert (row.actor, row.subject, row.data) == ("cli", "marc", {"role": role})


def test_create_agent_link_sets_the_password_once(db: None) -> None:
    link = password_link(create_agent(username="marc", email="marc@univ.example", role="helpdesk"))
    browser = Client()

    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"] is True
    # The token leaves the address bar before the form is shown (it would leak in Referer).
    assert token_of(link).split(".")[1] not in form_page.request["PATH_INFO"]
    done = browser.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "Agrafe-cheval-pile-42", "new_password2": "Agrafe-cheval-pile-42"},
    )

    assert done["Location"] == "/helpdesk/mot-de-passe-enregistre/"
    assert Client().login(username="marc", password="Agrafe-cheval-pile-42")
    assert Client().get(link, follow=True).context["validlink"] is False


def test_create_agent_link_applies_the_password_rules(db: None) -> None:
    link = password_link(create_agent(username="marc", email="marc@univ.example", role="helpdesk"))
    browser = Client()
    form_page = browser.get(link, follow=True)

    refused = browser.post(
        form_page.request["PATH_INFO"], {"new_password1": "soleil", "new_password2": "soleil"}
    )

    assert refused.status_code == 200
    assert not User.objects.get(username="marc").has_usable_password()


def test_create_agent_refuses_a_taken_username(agent: User) -> None:
    with pytest.raises(CommandError, match="already exists"):
        create_agent(username=agent.username, email="x@univ.example", role="helpdesk")


def test_create_agent_refuses_an_unknown_role(db: None) -> None:
    with pytest.raises(CommandError, match="role"):
        create_agent(username="marc", email="marc@univ.example", role="superhero")
