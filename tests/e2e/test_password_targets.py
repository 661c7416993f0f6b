"""One activation in a real Chromium sets the password everywhere at once: in the LDAP
directory (a real slapd), in a real Kerberos realm and in a real Active Directory (a Samba
DC), each checked by a bind or a kinit with the new password. A stopped KDC gives the "come
back later" page with nothing marked done; once it is back, the person resumes at step 9 and
finishes."""

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from tests.e2e.support import PASSWORD, RECOVERY, Visitor
from tests.factories import DemoPerson, PersonFactory

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.kerberos_realm import KerberosRealm
    from tests.ldap_server import SlapdServer
    from tests.samba_dc import SambaDomainController

pytest_plugins = ["tests.ldap_server", "tests.kerberos_realm", "tests.samba_dc"]
pytestmark = [pytest.mark.ldap, pytest.mark.kerberos, pytest.mark.samba]

DONE = "Félicitations, votre compte informatique est activé."
UNAVAILABLE = "Service temporairement indisponible"


@pytest.fixture
def jane(
    transactional_db: None, ldap_settings: "SlapdServer", kerberos_target: "KerberosRealm"
) -> DemoPerson:
    """Jane Doe, in the directory and in the realm, both with her letter's password."""
    person = PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")
    kerberos_target.add_principal(person.login, person.provisional_password)
    return person


@pytest.fixture
def windows_domain(
    settings: Any, samba_dc: "SambaDomainController", kerberos_target: "KerberosRealm"
) -> "SambaDomainController":
    """The university's Windows domain, a Samba DC, as the second password target after the
    Kerberos realm, with Jane's user in it."""
    if not samba_dc.running:
        samba_dc.start()
    samba_dc.reset()
    samba_dc.add_person("jane.doe", "Jane", "Doe")
    settings.PORTIQUE_PASSWORD_TARGETS = [
        *settings.PORTIQUE_PASSWORD_TARGETS,
        {
            "class": "portique.passwords.targets.active_directory.ActiveDirectoryTarget",
            "options": samba_dc.target_options(),
        },
    ]
    return samba_dc


def binds(slapd: "SlapdServer", login: str, password: str) -> bool:
    from ldap3.core.exceptions import LDAPBindError

    try:
        with slapd.connection(user=f"uid={login},{slapd.people_base}", password=password):
            return True
    except LDAPBindError:
        return False


def to_step_9(visitor: Visitor, person: DemoPerson) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_role("link", name="1ère connexion").click()
    visitor.identify(person.login)
    visitor.give_provisional_password(person.provisional_password)
    visitor.give_recovery_email(RECOVERY)
    visitor.open_mailed_link(RECOVERY)
    page.get_by_role("button", name="Poursuivre l'activation").click()
    visitor.accept_charter()
    visitor.choose_directory(False)
    # Staff: the redirection is optional; none.
    visitor.next()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()


def test_one_activation_sets_the_password_in_ldap_kerberos_and_active_directory(
    visitor: Visitor,
    jane: DemoPerson,
    ldap_settings: "SlapdServer",
    kerberos_target: "KerberosRealm",
    windows_domain: "SambaDomainController",
) -> None:
    to_step_9(visitor, jane)
    visitor.set_password(PASSWORD)
    expect(visitor.page.get_by_text(DONE)).to_be_visible()
    in_domain = windows_domain.person_dn(jane.login)
    assert binds(ldap_settings, jane.login, PASSWORD)
    assert kerberos_target.kinit(jane.login, PASSWORD)
    assert windows_domain.binds(in_domain, PASSWORD)
    assert not binds(ldap_settings, jane.login, jane.provisional_password)
    assert not kerberos_target.kinit(jane.login, jane.provisional_password)
    assert not windows_domain.binds(in_domain, windows_domain.provisional_password)


def test_a_stopped_kdc_shows_come_back_later_then_the_activation_finishes(
    visitor: Visitor,
    jane: DemoPerson,
    ldap_settings: "SlapdServer",
    kerberos_target: "KerberosRealm",
) -> None:
    page = visitor.page
    to_step_9(visitor, jane)
    kerberos_target.stop()
    try:
        visitor.set_password(PASSWORD)
        expect(page.get_by_role("heading", name=UNAVAILABLE)).to_be_visible()
        expect(page.get_by_text("Votre progression est conservée")).to_be_visible()
        flow = ActivationFlow.objects.get(login=jane.login)
        assert flow.current_state == State.AWAITING_NEW_PASSWORD
    finally:
        kerberos_target.start()
    page.get_by_role("link", name="Reprendre l'activation").click()
    expect(page.get_by_label("Nouveau mot de passe", exact=True)).to_be_visible()
    visitor.set_password(PASSWORD)
    expect(page.get_by_text(DONE)).to_be_visible()
    assert binds(ldap_settings, jane.login, PASSWORD)
    assert kerberos_target.kinit(jane.login, PASSWORD)
