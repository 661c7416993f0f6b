"""Against a real slapd: `add_person` and `demo` create directory entries that people can
bind to, and a whole activation through the pages leaves the entry as the person chose."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from typing import TYPE_CHECKING, Any

import ldap3
import pytest
from django.core.management import call_command

from tests.factories import DemoPerson, PersonFactory
from tests.support.flows import flow_of
from tests.support.mail import last_link
from tests.support.walkers import Walker

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = [pytest.mark.ldap, pytest.mark.django_db]

PROVISIONAL = "Prov-1234-Abcd"
RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"
NEW_PASSWORD = "Soleil-Vert-2031"
DEMO_LOGINS = ["jane.doe", "paul.martin", "lea.bernard"]
# "  jane.doe       staff      Kx7m-Rt9q-Bz4w", as `demo` prints each person.
DEMO_LINE = re.compile(r"^\s+(\S+)\s+(staff|vacataire|student)\s+(\S+)\s*$", re.MULTILINE)

MakeWalker = Callable[..., Walker]


def dn(slapd: SlapdServer, login: str) -> str:
    return f"uid={login},{slapd.people_base}"


def entry(slapd: SlapdServer, login: str) -> ldap3.Entry:
    """The person's entry, every user attribute, read as the directory admin."""
    with slapd.connection() as admin:
        assert admin.search(dn(slapd, login), "(objectClass=*)", ldap3.BASE, attributes=["*"])
        return admin.entries[0]


def raw(slapd: SlapdServer, login: str, attribute: str) -> list[bytes]:
    return list(entry(slapd, login)[attribute].raw_values)


def binds(slapd: SlapdServer, login: str, password: str) -> bool:
    with slapd.connection(user=dn(slapd, login), password=password) as person:
        return bool(person.bound)


# -- add_person --------------------------------------------------------------------------


@pytest.fixture
def added(ldap_settings: SlapdServer) -> str:
    call_command(
        "add_person",
        login="marc.petit",
        first_name="Marc",
        last_name="Petit",
        category="vacataire",
        provisional_password=PROVISIONAL,
        stdout=StringIO(),
    )
    return "marc.petit"


def test_add_person_creates_the_directory_entry_with_the_person(
    added: str, ldap_settings: SlapdServer
) -> None:
    found = entry(ldap_settings, added)

    assert {
        name: found[name].values
        for name in ("uid", "mail", "givenName", "sn", "eduPersonAffiliation")
    } == {
        "uid": ["marc.petit"],
        "mail": ["marc.petit@umontpellier.fr"],
        "givenName": ["Marc"],
        "sn": ["Petit"],
        "eduPersonAffiliation": ["affiliate"],
    }


def test_add_person_gives_the_entry_the_object_classes_portique_needs(
    added: str, ldap_settings: SlapdServer
) -> None:
    classes = {value.lower() for value in entry(ldap_settings, added).objectClass.values}

    assert {
        "inetorgperson", "eduperson", "supannperson", "mailforwarding", "portiqueaccount"
    } <= classes  # fmt: skip


def test_add_person_provisional_password_binds(added: str, ldap_settings: SlapdServer) -> None:
    assert binds(ldap_settings, added, PROVISIONAL)


# -- demo --------------------------------------------------------------------------------


@pytest.fixture
def demo_passwords(ldap_settings: SlapdServer) -> dict[str, str]:
    """Run `demo --no-serve`; return {login: printed provisional password}."""
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return {login: password for login, _, password in DEMO_LINE.findall(out.getvalue())}


def test_demo_creates_the_three_demo_entries(
    demo_passwords: dict[str, str], ldap_settings: SlapdServer
) -> None:
    with ldap_settings.connection() as admin:
        admin.search(ldap_settings.people_base, "(uid=*)", attributes=["uid"])
        assert sorted(e.uid.value for e in admin.entries) == sorted(DEMO_LOGINS)


def test_demo_prints_a_password_for_each_demo_person(demo_passwords: dict[str, str]) -> None:
    assert sorted(demo_passwords) == sorted(DEMO_LOGINS)


def test_demo_printed_passwords_bind(
    demo_passwords: dict[str, str], ldap_settings: SlapdServer
) -> None:
    assert {login: binds(ldap_settings, login, pw) for login, pw in demo_passwords.items()} == {
        login: True for login in DEMO_LOGINS
    }


# -- a whole activation ------------------------------------------------------------------


@pytest.fixture
def staff_person(ldap_settings: SlapdServer) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


def activate(walker: Walker, *, directory_consent: bool) -> None:
    """Steps 1 to 10 through the pages, with a redirection to another address, keeping a
    copy."""
    walker.reach_charter(RECOVERY)
    assert walker.accept_charter()["Location"] == "/activation/annuaire/"
    assert walker.choose_directory(directory_consent)["Location"] == "/activation/messagerie/"
    chosen = walker.choose_forwarding(ELSEWHERE, keep_copy=True)
    assert chosen["Location"] == "/activation/messagerie/envoye/"
    assert walker.follow_link(last_link(ELSEWHERE))["Location"] == "/activation/mot-de-passe/"
    assert walker.set_password(NEW_PASSWORD)["Location"] == "/activation/termine/"


@pytest.fixture
def activated(walker_for: MakeWalker, staff_person: DemoPerson) -> str:
    """Jane's activation, consenting to the public directory; returns her login."""
    activate(walker_for(staff_person), directory_consent=True)
    return staff_person.login


def test_activation_leaves_the_new_password_that_binds(
    activated: str, ldap_settings: SlapdServer
) -> None:
    assert binds(ldap_settings, activated, NEW_PASSWORD)


def test_activation_leaves_the_provisional_password_that_no_longer_binds(
    activated: str, ldap_settings: SlapdServer, staff_person: DemoPerson
) -> None:
    with pytest.raises(ldap3.core.exceptions.LDAPBindError):
        binds(ldap_settings, activated, staff_person.provisional_password)


def test_activation_writes_the_recovery_and_redirection_addresses(
    activated: str, ldap_settings: SlapdServer
) -> None:
    assert (
        raw(ldap_settings, activated, "supannMailPerso"),
        raw(ldap_settings, activated, "mailForwardingAddress"),
    ) == ([RECOVERY.encode()], [ELSEWHERE.encode()])


def test_activation_keeping_a_copy_leaves_mail_delivered_to_the_mailbox(
    activated: str, ldap_settings: SlapdServer
) -> None:
    # qmail-ldap delivers to the mailbox and forwards unless `forwardonly` is among the
    # options; the Portique-only portiqueKeepCopy is no longer written.
    values = entry(ldap_settings, activated).entry_attributes_as_dict

    assert (values.get("mailDeliveryOption"), values.get("portiqueKeepCopy")) == (None, None)


def test_activation_with_consent_writes_supann_liste_rouge_false(
    activated: str, ldap_settings: SlapdServer
) -> None:
    assert raw(ldap_settings, activated, "supannListeRouge") == [b"FALSE"]


def test_activation_declining_the_directory_writes_supann_liste_rouge_true(
    walker_for: MakeWalker, staff_person: DemoPerson, ldap_settings: SlapdServer
) -> None:
    activate(walker_for(staff_person), directory_consent=False)

    assert raw(ldap_settings, staff_person.login, "supannListeRouge") == [b"TRUE"]


def test_activation_writes_the_charter_version_accepted(
    activated: str, ldap_settings: SlapdServer, settings: Any
) -> None:
    assert raw(ldap_settings, activated, "portiqueCharterVersion") == [
        settings.PORTIQUE_CHARTER_VERSION.encode()
    ]


def test_activation_writes_when_the_charter_was_accepted(
    activated: str, ldap_settings: SlapdServer
) -> None:
    accepted = flow_of(activated).charter_accepted_at
    assert accepted is not None

    # GeneralizedTime, as Portique writes it, keeps whole seconds.
    assert entry(ldap_settings, activated).portiqueCharterAcceptedAt.value == accepted.replace(
        microsecond=0
    )


def test_activation_writes_when_the_account_was_activated(
    activated: str, ldap_settings: SlapdServer
) -> None:
    activated_at = flow_of(activated).activated_at
    assert activated_at is not None

    assert entry(ldap_settings, activated).portiqueActivatedAt.value == activated_at.replace(
        microsecond=0
    )
