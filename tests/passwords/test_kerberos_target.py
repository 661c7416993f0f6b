"""The Kerberos target against a real MIT realm (tests/kerberos_realm.py): after an
activation, kinit with the new password gets a ticket and the provisional one does not; a
stopped KDC and kadmind give the 503 page with nothing marked done, and trying again once
they are back finishes; the realm's own policy speaks on the form; the password never
appears on kadmin's command line or in its environment."""

import json
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from portique.accounts.stores import get_account_store
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.passwords.models import TargetOutcome
from portique.passwords.targets import get_password_targets
from portique.passwords.targets.base import PasswordRefused, TargetUnavailable
from portique.passwords.targets.kerberos import KerberosTarget
from tests.factories import DemoPerson
from tests.support.after_activation import QUICK_PASSWORD_HASHERS, link_to, logged_in_browser
from tests.support.walkers import Walker
from tests.support.walks import to_new_password

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.kerberos_realm import KerberosRealm

pytest_plugins = ["tests.kerberos_realm"]
pytestmark = [pytest.mark.kerberos, pytest.mark.django_db]

NEW_PASSWORD = "Soleil-Vert-2031"
OTHER_PASSWORD = "Tournesol-2031-vert"


def at_step_9(walker_for: Any, person: DemoPerson) -> Walker:
    walker = walker_for(person)
    to_new_password(walker)
    return walker


def state_of(person: DemoPerson) -> State:
    return ActivationFlow.objects.get(login=person.login).current_state


def test_after_the_activation_kinit_takes_the_new_password_not_the_provisional_one(
    kerberos_target: "KerberosRealm", staff: DemoPerson, walker_for: Any
) -> None:
    # The university's provisioning created the principal with the letter's password.
    kerberos_target.add_principal(staff.login, staff.provisional_password)
    walker = at_step_9(walker_for, staff)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    assert state_of(staff) == State.ACTIVATED
    assert kerberos_target.kinit(staff.login, NEW_PASSWORD)
    assert not kerberos_target.kinit(staff.login, staff.provisional_password)


def test_the_activation_creates_a_principal_the_realm_lacks(
    kerberos_target: "KerberosRealm", staff: DemoPerson, walker_for: Any
) -> None:
    assert not kerberos_target.has_principal(staff.login)
    walker = at_step_9(walker_for, staff)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    assert kerberos_target.kinit(staff.login, NEW_PASSWORD)


def test_a_missing_principal_is_a_failed_target_when_creating_is_off(
    kerberos_target: "KerberosRealm", settings: Any
) -> None:
    target = KerberosTarget(**kerberos_target.target_options(), create_principals=False)
    with pytest.raises(TargetUnavailable, match="Principal does not exist"):
        target.set_password("jane.doe", NEW_PASSWORD)
    assert not kerberos_target.has_principal("jane.doe")


def test_setting_the_same_password_twice_leaves_it_set(
    kerberos_target: "KerberosRealm",
) -> None:
    target = KerberosTarget(**kerberos_target.target_options())
    target.set_password("jane.doe", NEW_PASSWORD)
    target.set_password("jane.doe", NEW_PASSWORD)
    assert kerberos_target.kinit("jane.doe", NEW_PASSWORD)


def test_a_stopped_kdc_gives_503_and_the_activation_stays_at_step_9_then_finishes(
    kerberos_target: "KerberosRealm", staff: DemoPerson, walker_for: Any
) -> None:
    kerberos_target.add_principal(staff.login, staff.provisional_password)
    walker = at_step_9(walker_for, staff)
    kerberos_target.stop()
    try:
        response = walker.set_password(NEW_PASSWORD)
        assert response.status_code == 503
        assert "Votre progression est conservée" in response.content.decode()
        assert state_of(staff) == State.AWAITING_NEW_PASSWORD
        assert not get_account_store().find(staff.login).activated  # type: ignore[union-attr]
        assert TargetOutcome.objects.get(login=staff.login).outcome == "failed"
    finally:
        kerberos_target.start()
    assert not kerberos_target.kinit(staff.login, NEW_PASSWORD)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    assert state_of(staff) == State.ACTIVATED
    assert kerberos_target.kinit(staff.login, NEW_PASSWORD)
    assert TargetOutcome.objects.get(login=staff.login).outcome == "set"


def test_the_realms_policy_refusal_is_shown_on_step_9(
    kerberos_target: "KerberosRealm", staff: DemoPerson, walker_for: Any
) -> None:
    kerberos_target.add_principal(staff.login, staff.provisional_password)
    kerberos_target.local("addpol -minlength 20 long")
    try:
        kerberos_target.local(f"modprinc -policy long {staff.login}")
        walker = at_step_9(walker_for, staff)
        response = walker.set_password(NEW_PASSWORD)
        assert response.status_code == 200
        assert "Le serveur Kerberos refuse ce mot de passe : il est trop court." in (
            response.content.decode().replace("&#x27;", "'")
        )
        assert state_of(staff) == State.AWAITING_NEW_PASSWORD
        assert kerberos_target.kinit(staff.login, staff.provisional_password)
    finally:
        kerberos_target.local(f"modprinc -clearpolicy {staff.login}")
        kerberos_target.local("delpol -force long")


def test_a_refusal_carries_the_realms_reason(kerberos_target: "KerberosRealm") -> None:
    kerberos_target.add_principal("jane.doe", OTHER_PASSWORD)
    kerberos_target.local("addpol -minclasses 4 mixed")
    try:
        kerberos_target.local("modprinc -policy mixed jane.doe")
        with pytest.raises(PasswordRefused, match="sortes de caractères"):
            KerberosTarget(**kerberos_target.target_options()).set_password(
                "jane.doe", "soleilvertdemain"
            )
    finally:
        kerberos_target.local("modprinc -clearpolicy jane.doe")
        kerberos_target.local("delpol -force mixed")


def test_the_password_is_never_on_kadmins_command_line_or_in_its_environment(
    kerberos_target: "KerberosRealm", tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kadmin first on the PATH that records how it was called, then runs the real one.
    spy = tmp_path / "kadmin"
    spy.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" >> {tmp_path}/argv\nenv >> {tmp_path}/env\n'
        'exec /usr/bin/kadmin "$@"\n'
    )
    spy.chmod(spy.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    KerberosTarget(**kerberos_target.target_options()).set_password("jane.doe", NEW_PASSWORD)
    assert kerberos_target.kinit("jane.doe", NEW_PASSWORD)
    assert "jane.doe@UNIV.TEST" in (tmp_path / "argv").read_text()
    assert NEW_PASSWORD not in (tmp_path / "argv").read_text()
    assert NEW_PASSWORD not in (tmp_path / "env").read_text()


def test_recovery_and_the_account_page_set_the_kerberos_password(
    kerberos_target: "KerberosRealm", staff: DemoPerson, walker_for: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = QUICK_PASSWORD_HASHERS
    walker = at_step_9(walker_for, staff)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    # « Compte Informatique »: the current password, then a new one.
    browser = logged_in_browser(staff.login, NEW_PASSWORD)
    changed = browser.post(
        "/compte/mot-de-passe/",
        {
            "current_password": NEW_PASSWORD,
            "new_password": OTHER_PASSWORD,
            "new_password_confirmation": OTHER_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert kerberos_target.kinit(staff.login, OTHER_PASSWORD)
    # « Problème de connexion »: the link mailed to the recovery address.
    Client().post("/probleme-de-connexion/", {"identifier": staff.login})
    reset = Client()
    reset.get(link_to("perso@example.com", "/probleme-de-connexion/lien/"))
    third = "Girafe-bleue-2032-nuit"
    done = reset.post(
        "/probleme-de-connexion/nouveau-mot-de-passe/",
        {"new_password": third, "new_password_confirmation": third},
    )
    assert done.status_code == 302
    assert kerberos_target.kinit(staff.login, third)
    assert not kerberos_target.kinit(staff.login, OTHER_PASSWORD)


def test_readyz_checks_the_realm(kerberos_target: "KerberosRealm") -> None:
    def checks() -> dict[str, str]:
        return dict(json.loads(Client().get("/readyz").content)["checks"])

    assert checks()["password_target:kerberos"] == "ok"
    kerberos_target.stop()
    try:
        assert checks()["password_target:kerberos"] == "failed"
    finally:
        kerberos_target.start()


def test_the_target_is_named_by_settings_alone(
    kerberos_target: "KerberosRealm", settings: Any
) -> None:
    options = kerberos_target.target_options()
    settings.PORTIQUE_KERBEROS_REALM = options["realm"]
    settings.PORTIQUE_KERBEROS_KEYTAB = options["keytab"]
    settings.PORTIQUE_KERBEROS_ADMIN_PRINCIPAL = options["admin_principal"]
    settings.PORTIQUE_KERBEROS_CONFIG = options["config"]
    settings.PORTIQUE_PASSWORD_TARGETS = ["portique.passwords.targets.kerberos.KerberosTarget"]
    (target,) = get_password_targets()
    target.set_password("jane.doe", NEW_PASSWORD)
    assert kerberos_target.kinit("jane.doe", NEW_PASSWORD)


def test_a_keytab_the_realm_does_not_take_is_a_failed_target(
    kerberos_target: "KerberosRealm", tmp_path: Path
) -> None:
    target = KerberosTarget(**{**kerberos_target.target_options(), "keytab": str(tmp_path / "no")})
    with pytest.raises(TargetUnavailable):
        target.check()
    with pytest.raises(TargetUnavailable):
        target.set_password("jane.doe", NEW_PASSWORD)
    assert not kerberos_target.has_principal("jane.doe")
