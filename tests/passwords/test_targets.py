"""Password targets: loaded from PORTIQUE_PASSWORD_TARGETS like Django's backends, each set
after the account store, retried, and a failure rolling the person's request back (503)
with nothing marked done; the hook target, run for real; what the helpdesk, /readyz and
/metrics read of them. Never a password anywhere but where it is set."""

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from portique.accounts.models import Person
from portique.accounts.stores import get_account_store
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core import clock
from portique.core.models import AuditEvent
from portique.helpdesk.services import records_purge
from portique.mail.models import OutboundMail
from portique.passwords.models import TargetFailureCount, TargetOutcome
from portique.passwords.services import passwords_set_everywhere
from portique.passwords.targets import get_password_targets
from portique.passwords.targets.base import TargetUnavailable
from portique.passwords.targets.hook import HookTarget
from tests.factories import DemoPerson
from tests.helpdesk.conftest import make_agent, signed_in
from tests.support.pages import text
from tests.support.password_targets import HOOK, REFUSAL, REFUSING, failing_hook, script
from tests.support.walkers import Walker
from tests.support.walks import to_new_password

NEW_PASSWORD = "Soleil-Vert-2031"


@pytest.fixture
def recording_hook(tmp_path: Path) -> Path:
    """A hook that writes its arguments, its standard input and its environment to files."""
    return script(
        tmp_path,
        "record.sh",
        f'printf "%s\\n" "$@" > {tmp_path}/argv\ncat > {tmp_path}/stdin\nenv > {tmp_path}/env\n',
    )


@pytest.fixture
def hook_settings(settings: Any) -> Any:
    settings.PORTIQUE_PASSWORD_TARGET_ATTEMPTS = 2
    settings.PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS = 0
    return settings


def use_hook(settings: Any, command: Path | str, **options: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": str(command), **options}}
    ]


# --- Loading --------------------------------------------------------------------------


def test_targets_are_loaded_in_the_listed_order_with_their_options(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": "/bin/true", "name": "first"}},
        REFUSING,
    ]
    targets = get_password_targets()
    assert [target.name for target in targets] == ["first", "strict"]
    assert isinstance(targets[0], HookTarget) and targets[0].argv == ["/bin/true"]


def test_the_hook_setting_adds_the_hook_after_the_listed_targets(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [REFUSING]
    settings.PORTIQUE_PASSWORD_HOOK = "/usr/local/bin/sync-google --domain univ.example"
    targets = get_password_targets()
    assert [target.name for target in targets] == ["strict", "hook"]
    assert targets[1].argv == ["/usr/local/bin/sync-google", "--domain", "univ.example"]  # type: ignore[attr-defined]


def test_the_hook_setting_does_not_add_a_hook_the_list_names(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_HOOK = "/bin/true"
    settings.PORTIQUE_PASSWORD_TARGETS = [HOOK, REFUSING]
    assert [target.name for target in get_password_targets()] == ["hook", "strict"]


def test_two_targets_of_one_name_are_refused(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [REFUSING, REFUSING]
    with pytest.raises(ImproperlyConfigured, match="share a name"):
        get_password_targets()


def test_a_target_that_cannot_be_imported_is_named(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = ["portique.passwords.targets.nowhere.Target"]
    with pytest.raises(ImproperlyConfigured, match=r"nowhere\.Target"):
        get_password_targets()


# --- The hook -------------------------------------------------------------------------


def test_hook_gets_the_login_as_argument_and_the_password_on_stdin_only(
    recording_hook: Path, tmp_path: Path
) -> None:
    HookTarget(command=str(recording_hook)).set_password("jane.doe", NEW_PASSWORD)
    assert (tmp_path / "argv").read_text() == "jane.doe\n"
    assert (tmp_path / "stdin").read_text() == NEW_PASSWORD + "\n"
    assert NEW_PASSWORD not in (tmp_path / "env").read_text()


def test_hook_gets_none_of_portiques_own_settings_and_their_secrets(
    recording_hook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTIQUE_LDAP_BIND_PASSWORD", "directory-service-secret")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/etc/portique/google.json")
    HookTarget(command=str(recording_hook)).set_password("jane.doe", NEW_PASSWORD)
    environment = (tmp_path / "env").read_text()
    assert "PORTIQUE_" not in environment
    assert "GOOGLE_APPLICATION_CREDENTIALS=/etc/portique/google.json" in environment


def test_hook_exiting_other_than_zero_is_unavailable(tmp_path: Path) -> None:
    failing = script(tmp_path, "fail.sh", "cat > /dev/null\nexit 3\n")
    with pytest.raises(TargetUnavailable, match="exited 3"):
        HookTarget(command=str(failing)).set_password("jane.doe", NEW_PASSWORD)


def test_hook_that_does_not_end_in_time_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    stuck = script(tmp_path, "stuck.sh", "sleep 30\n")
    started = time.monotonic()
    with pytest.raises(TargetUnavailable, match=r"did not end within 0\.5 s"):
        HookTarget(command=str(stuck), timeout=0.5).set_password("jane.doe", NEW_PASSWORD)
    assert time.monotonic() - started < 5


def test_what_a_failed_hook_printed_is_logged_without_the_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    echoing = script(tmp_path, "echo.sh", 'read -r password\necho "refused: $password"\nexit 1\n')
    with pytest.raises(TargetUnavailable):
        HookTarget(command=str(echoing)).set_password("jane.doe", NEW_PASSWORD)
    assert "refused: [password]" in caplog.text
    assert NEW_PASSWORD not in caplog.text


def test_hook_check_fails_when_its_command_is_missing(tmp_path: Path) -> None:
    HookTarget(command="/bin/true").check()
    with pytest.raises(TargetUnavailable):
        HookTarget(command=str(tmp_path / "gone.sh")).check()


# --- Setting every target -------------------------------------------------------------


@pytest.mark.django_db
def test_a_target_failing_once_is_retried_within_the_request(
    hook_settings: Any, tmp_path: Path
) -> None:
    # Fails the first time it runs, succeeds the second.
    flaky = script(
        tmp_path, "flaky.sh", f"cat > /dev/null\n[ -e {tmp_path}/ran ] && exit 0\n"
        f"touch {tmp_path}/ran\nexit 1\n",
    )  # fmt: skip
    use_hook(hook_settings, flaky)
    passwords_set_everywhere(login="jane.doe", password=NEW_PASSWORD)
    outcome = TargetOutcome.objects.get(login="jane.doe")
    assert (outcome.target, outcome.outcome, outcome.attempts) == ("hook", "set", 2)
    assert not TargetFailureCount.objects.exists()


@pytest.mark.django_db
def test_a_target_failing_for_good_stops_the_change_and_counts_one_failure(
    hook_settings: Any, tmp_path: Path, recording_hook: Path
) -> None:
    failing = failing_hook(tmp_path)
    hook_settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": str(failing), "name": "google"}},
        {"class": HOOK, "options": {"command": str(recording_hook), "name": "local-db"}},
    ]
    with pytest.raises(TargetUnavailable):
        passwords_set_everywhere(login="jane.doe", password=NEW_PASSWORD)
    outcomes = TargetOutcome.objects.filter(login="jane.doe").order_by("position")
    assert [(o.target, o.outcome, o.attempts) for o in outcomes] == [
        ("google", "failed", 2),
        ("local-db", "not_tried", 0),
    ]
    assert not (tmp_path / "stdin").exists()
    assert TargetFailureCount.objects.get(target="google").count == 1


@pytest.mark.django_db
def test_a_new_change_replaces_the_outcomes_of_the_last_one(
    hook_settings: Any, tmp_path: Path
) -> None:
    failing = failing_hook(tmp_path)
    use_hook(hook_settings, failing)
    with pytest.raises(TargetUnavailable):
        passwords_set_everywhere(login="jane.doe", password=NEW_PASSWORD)
    use_hook(hook_settings, "/bin/true")
    passwords_set_everywhere(login="jane.doe", password=NEW_PASSWORD)
    assert list(TargetOutcome.objects.values_list("outcome", flat=True)) == ["set"]
    assert TargetFailureCount.objects.get(target="hook").count == 1


# --- In the activation ----------------------------------------------------------------


def at_step_9(walker_for: Any, person: DemoPerson) -> Walker:
    walker = walker_for(person)
    to_new_password(walker)
    return walker


def flow_of(person: DemoPerson) -> ActivationFlow:
    return ActivationFlow.objects.get(login=person.login)


def test_activation_sets_the_password_in_the_hook(
    hook_settings: Any, staff: DemoPerson, walker_for: Any, recording_hook: Path, tmp_path: Path
) -> None:
    use_hook(hook_settings, recording_hook)
    walker = at_step_9(walker_for, staff)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    assert flow_of(staff).state == State.ACTIVATED
    assert (tmp_path / "argv").read_text() == "jane.doe\n"
    assert (tmp_path / "stdin").read_text() == NEW_PASSWORD + "\n"


def test_activation_with_a_failing_target_answers_503_and_stays_at_step_9(
    hook_settings: Any, staff: DemoPerson, walker_for: Any, tmp_path: Path
) -> None:
    use_hook(hook_settings, failing_hook(tmp_path))
    walker = at_step_9(walker_for, staff)
    response = walker.set_password(NEW_PASSWORD)
    assert response.status_code == 503
    assert "Votre progression est conservée" in response.content.decode()
    assert flow_of(staff).state == State.AWAITING_NEW_PASSWORD
    assert not get_account_store().find(staff.login).activated  # type: ignore[union-attr]
    assert not AuditEvent.objects.filter(action="account_activated").exists()
    assert not OutboundMail.objects.filter(kind="activated").exists()
    failed = AuditEvent.objects.get(action="password_target_failed")
    assert failed.data == {"target": "hook", "outcome": "failed", "attempts": 2}


def test_activation_trying_again_once_the_target_is_back_sets_it_and_finishes(
    hook_settings: Any, staff: DemoPerson, walker_for: Any, tmp_path: Path, recording_hook: Path
) -> None:
    use_hook(hook_settings, failing_hook(tmp_path))
    walker = at_step_9(walker_for, staff)
    assert walker.set_password(NEW_PASSWORD).status_code == 503
    use_hook(hook_settings, recording_hook)
    assert walker.set_password(NEW_PASSWORD).status_code == 302
    assert flow_of(staff).state == State.ACTIVATED
    assert get_account_store().find(staff.login).activated  # type: ignore[union-attr]
    assert (tmp_path / "stdin").read_text() == NEW_PASSWORD + "\n"


def test_a_password_a_target_refuses_is_shown_on_step_9_and_nothing_is_done(
    settings: Any, staff: DemoPerson, walker_for: Any
) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [REFUSING]
    walker = at_step_9(walker_for, staff)
    response = walker.set_password(NEW_PASSWORD)
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert flow_of(staff).state == State.AWAITING_NEW_PASSWORD
    assert not get_account_store().find(staff.login).activated  # type: ignore[union-attr]
    assert TargetOutcome.objects.get(login=staff.login).outcome == "refused"


def test_no_password_is_kept_in_the_outcomes_or_the_audit_trail(
    hook_settings: Any, staff: DemoPerson, walker_for: Any, tmp_path: Path
) -> None:
    use_hook(hook_settings, failing_hook(tmp_path))
    walker = at_step_9(walker_for, staff)
    walker.set_password(NEW_PASSWORD)
    use_hook(hook_settings, "/bin/true")
    walker.set_password(NEW_PASSWORD)
    kept = json.dumps(
        [
            *TargetOutcome.objects.values("login", "target", "outcome"),
            *AuditEvent.objects.values("action", "data"),
        ]
    )
    assert NEW_PASSWORD not in kept


# --- /readyz, /metrics, the helpdesk --------------------------------------------------


def test_readyz_checks_each_target(settings: Any, db: None, tmp_path: Path) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": "/bin/true", "name": "google"}},
        {"class": HOOK, "options": {"command": str(tmp_path / "gone.sh"), "name": "local-db"}},
    ]
    response = Client().get("/readyz")
    checks = json.loads(response.content)["checks"]
    assert response.status_code == 503
    assert checks["password_target:google"] == "ok"
    assert checks["password_target:local-db"] == "failed"


def target_failures(settings: Any) -> dict[str, float]:
    body = Client().get("/metrics").content.decode()
    return {
        sample.labels["target"]: sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "portique_password_target_failures_total"
    }


def test_metrics_count_failures_per_target_from_the_database(
    hook_settings: Any, db: None, tmp_path: Path
) -> None:
    failing = failing_hook(tmp_path)
    hook_settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": "/bin/true", "name": "google"}},
        {"class": HOOK, "options": {"command": str(failing), "name": "local-db"}},
    ]
    for login in ("jane.doe", "paul.martin"):
        with pytest.raises(TargetUnavailable):
            passwords_set_everywhere(login=login, password=NEW_PASSWORD)
    # Another process's failure: the figure is the database's, not this process's.
    TargetFailureCount.objects.create(target="kerberos", count=4)
    assert target_failures(hook_settings) == {"google": 0, "local-db": 2, "kerberos": 4}


def test_helpdesk_page_shows_which_targets_the_last_change_set_and_when(
    hook_settings: Any, staff: DemoPerson, tmp_path: Path
) -> None:
    failing = failing_hook(tmp_path)
    hook_settings.PORTIQUE_PASSWORD_TARGETS = [
        {"class": HOOK, "options": {"command": "/bin/true", "name": "google"}},
        {"class": HOOK, "options": {"command": str(failing), "name": "local-db"}},
        {"class": HOOK, "options": {"command": "/bin/true", "name": "m365"}},
    ]
    with pytest.raises(TargetUnavailable):
        passwords_set_everywhere(login=staff.login, password=NEW_PASSWORD)
    person_page = f"/helpdesk/personnes/{Person.objects.get(login=staff.login).pk}/"
    page = text(signed_in(make_agent("agent.smith", "helpdesk")).get(person_page))
    assert "Dernier changement de mot de passe" in page
    assert "google défini 1" in page
    assert "local-db injoignable 2" in page
    assert "m365 pas essayé 0" in page
    assert "n'a pas abouti partout" in page
    assert NEW_PASSWORD not in page


@pytest.mark.django_db
def test_the_purge_deletes_outcomes_older_than_the_audit_retention_and_keeps_the_counts(
    hook_settings: Any, tmp_path: Path
) -> None:
    failing = failing_hook(tmp_path)
    use_hook(hook_settings, failing)
    for login in ("jane.doe", "paul.martin"):
        with pytest.raises(TargetUnavailable):
            passwords_set_everywhere(login=login, password=NEW_PASSWORD)
    days = hook_settings.PORTIQUE_AUDIT_RETENTION_DAYS
    TargetOutcome.objects.filter(login="jane.doe").update(at=clock.now() - timedelta(days=days + 1))
    records_purge()
    assert list(TargetOutcome.objects.values_list("login", flat=True)) == ["paul.martin"]
    assert TargetFailureCount.objects.get(target="hook").count == 2


def test_a_misconfigured_target_is_reported_by_the_system_checks(settings: Any) -> None:
    settings.PORTIQUE_PASSWORD_TARGETS = ["portique.passwords.targets.kerberos.KerberosTarget"]
    with pytest.raises(SystemCheckError, match="PORTIQUE_KERBEROS_REALM"):
        call_command("check")
