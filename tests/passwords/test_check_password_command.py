"""`portique check-password`: the helpdesk's way to tell someone why a password is refused."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DICTIONARY_MESSAGE = "Le mot de passe ne doit pas contenir un mot du dictionnaire."
COMMON_MESSAGE = "Ce mot de passe fait partie des plus utilisés."
NAME_MESSAGE = "Le mot de passe ne doit pas contenir votre nom ou prénom."
COMMAND_TIMEOUT = 60


def check_password(*args: str) -> tuple[int, list[str]]:
    """Run the command in-process; return its exit status and the lines it printed."""
    out = StringIO()
    try:
        call_command("check_password", *args, stdout=out)
    except SystemExit as exit_:
        status = exit_.code
    else:
        status = 0
    assert isinstance(status, int)
    return status, out.getvalue().splitlines()


def test_refused_password_exits_1() -> None:
    status, _ = check_password("soleil2024")

    assert status == 1


def test_refused_password_prints_the_message_of_each_broken_rule() -> None:
    _, lines = check_password("soleil2024")

    assert lines == [DICTIONARY_MESSAGE, COMMON_MESSAGE]


def test_password_breaking_many_rules_prints_each_message_once() -> None:
    _, lines = check_password("soleil")

    assert lines == [
        "Le mot de passe doit contenir au minimum 8 caractères.",
        "Le mot de passe doit contenir au moins une lettre et un chiffre.",
        DICTIONARY_MESSAGE,
        COMMON_MESSAGE,
    ]


def test_accepted_password_exits_0() -> None:
    status, _ = check_password("8cheval-agrafe-pile-Z")

    assert status == 0


def test_accepted_password_prints_ok() -> None:
    _, lines = check_password("8cheval-agrafe-pile-Z")

    assert lines == ["OK"]


def test_password_with_a_name_is_accepted_when_no_name_is_given() -> None:
    assert check_password("Xq8Jean6Zw") == (0, ["OK"])


def test_first_name_is_honoured() -> None:
    assert check_password("--first-name", "Jean-Pierre", "Xq8Jean6Zw") == (1, [NAME_MESSAGE])


def test_last_name_is_honoured() -> None:
    assert check_password("--last-name", "Dupont", "Kx9-DUP0NT-qz7w") == (1, [NAME_MESSAGE])


def test_login_is_honoured() -> None:
    assert check_password("--login", "jdurand7", "Xjdurand7y") == (1, [NAME_MESSAGE])


def test_accented_first_name_is_honoured_without_its_accent() -> None:
    assert check_password("--first-name", "Léa", "Lea2024xyz") == (1, [NAME_MESSAGE])


def test_password_beginning_with_a_dash_is_checked_after_double_dash() -> None:
    assert check_password("--", "-Kq7wz3Rm") == (0, ["OK"])


def test_refused_password_beginning_with_a_dash_is_refused_after_double_dash() -> None:
    assert check_password("--", "-soleil2024") == (1, [DICTIONARY_MESSAGE, COMMON_MESSAGE])


def test_command_through_the_cli_prints_the_messages_and_exits_1(tmp_path: Path) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PORTIQUE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    env.update(PORTIQUE_DEBUG="true", PORTIQUE_VAR_DIR=str(tmp_path))

    result = subprocess.run(
        [sys.executable, "-m", "portique.cli", "check-password", "--", "soleil2024"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )

    assert (result.returncode, result.stdout.splitlines()) == (
        1,
        [DICTIONARY_MESSAGE, COMMON_MESSAGE],
    ), result.stderr


@pytest.mark.parametrize("flag", ["--first-name", "--last-name", "--login"])
def test_empty_name_option_names_nobody(flag: str) -> None:
    # A name option given empty is the same as none: nothing of the password is a name.
    assert check_password(flag, "", "Xq8Jean6Zw") == (0, ["OK"])
