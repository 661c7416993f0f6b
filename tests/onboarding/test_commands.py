"""`portique import-people`, `letters`, `reissue` and `revoke`, as HR runs them."""

import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from portique.accounts.models import Person
from portique.core.models import AuditEvent
from tests.onboarding.conftest import (
    accepted,
    csv_file,
    pdf_pages,
    printed_password,
    refused,
    step_2,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_file(tmp_path: Path) -> Path:
    path = tmp_path / "rentree.csv"
    path.write_bytes(
        csv_file("1,Élodie,Lefèvre-Durand,staff", "2,Jane,Doe,vacataire", separator=";", bom=True)
    )
    return path


def run(*args: Any, **options: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_people_prints_the_summary(hr_file: Path) -> None:
    out, _ = run("import_people", str(hr_file))

    assert "Créés : 2, mis à jour : 0, inchangés : 0, rejetés : 0" in out


def test_import_people_writes_the_letters_in_file_order(hr_file: Path, tmp_path: Path) -> None:
    letters = tmp_path / "letters.pdf"

    run("import_people", str(hr_file), letters=str(letters))

    pages = pdf_pages(letters.read_bytes())
    assert ["elodie.lefevre-durand" in pages[0], "jane.doe" in pages[1]] == [True, True]


def test_letters_file_is_readable_by_its_owner_only(hr_file: Path, tmp_path: Path) -> None:
    letters = tmp_path / "letters.pdf"

    run("import_people", str(hr_file), letters=str(letters))

    assert stat.S_IMODE(letters.stat().st_mode) == 0o600


def test_import_people_with_an_invalid_line_writes_nothing(tmp_path: Path) -> None:
    hr_file = tmp_path / "bad.csv"
    hr_file.write_bytes(csv_file("1,Jane,Doe,staff", "2,Paul,Martin,professor"))
    letters = tmp_path / "letters.pdf"
    err = StringIO()

    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_people", str(hr_file), letters=str(letters), stderr=err)

    assert "ligne 3 : catégorie « professor » inconnue" in err.getvalue()
    assert not Person.objects.exists()
    assert not letters.exists()


def test_import_people_skip_invalid_imports_the_others(tmp_path: Path) -> None:
    hr_file = tmp_path / "bad.csv"
    hr_file.write_bytes(csv_file("1,Jane,Doe,staff", "2,Paul,Martin,professor"))

    out, err = run("import_people", str(hr_file), skip_invalid=True)

    assert "rejetés : 1" in out
    assert "ligne 3" in err
    assert list(Person.objects.values_list("login", flat=True)) == ["jane.doe"]


def test_import_people_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    hr_file = tmp_path / "bad.csv"
    hr_file.write_bytes(b"name;surname\nJane;Doe\n")

    with pytest.raises(CommandError, match="colonnes manquantes"):
        run("import_people", str(hr_file))


def test_reissue_option_gives_new_letters(hr_file: Path, tmp_path: Path, browser: Client) -> None:
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    run("import_people", str(hr_file), letters=str(first))

    out, _ = run("import_people", str(hr_file), letters=str(second), reissue=True)

    assert "mis à jour : 2" in out
    old = printed_password(pdf_pages(first.read_bytes())[1])
    new = printed_password(pdf_pages(second.read_bytes())[1])
    assert refused(step_2(browser, "jane.doe", old))
    assert accepted(step_2(Client(), "jane.doe", new))


def test_no_progress_bar_when_stderr_is_not_a_terminal(hr_file: Path) -> None:
    _, err = run("import_people", str(hr_file))

    assert "Import [" not in err


def test_progress_option_shows_the_bar(hr_file: Path) -> None:
    _, err = run("import_people", str(hr_file), progress=True)

    assert "Import [##############################] 2/2 100%" in err


@pytest.mark.parametrize("command", ["letters", "reissue"])
def test_letters_command_prints_working_new_passwords(
    command: str, hr_file: Path, tmp_path: Path, browser: Client
) -> None:
    first = tmp_path / "first.pdf"
    run("import_people", str(hr_file), letters=str(first))
    out_path = tmp_path / "again.pdf"

    run(command, hr_ids=["2"], output=str(out_path))

    (page,) = pdf_pages(out_path.read_bytes())
    assert accepted(step_2(browser, "jane.doe", printed_password(page)))
    assert refused(step_2(Client(), "jane.doe", printed_password(pdf_pages(first.read_bytes())[1])))


def test_letters_command_follows_the_order_of_the_ids(hr_file: Path, tmp_path: Path) -> None:
    run("import_people", str(hr_file))
    out_path = tmp_path / "letters.pdf"

    run("letters", hr_ids=["2", "1"], output=str(out_path))

    pages = pdf_pages(out_path.read_bytes())
    assert ["jane.doe" in pages[0], "elodie.lefevre-durand" in pages[1]] == [True, True]


def test_letters_help_says_it_issues_new_passwords() -> None:
    from portique.onboarding.management.commands.letters import Command

    assert "REISSUES" in Command.help
    assert "new provisional password" in Command.help


def test_letters_command_refuses_an_unknown_hr_id(hr_file: Path, tmp_path: Path) -> None:
    run("import_people", str(hr_file))

    with pytest.raises(CommandError, match="Unknown hr_id: 42"):
        run("letters", hr_ids=["1", "42"], output=str(tmp_path / "x.pdf"))

    assert not AuditEvent.objects.filter(action="provisional_password_reissued").exists()


def test_revoke_command_makes_the_letter_refused(
    hr_file: Path, tmp_path: Path, browser: Client
) -> None:
    letters = tmp_path / "letters.pdf"
    run("import_people", str(hr_file), letters=str(letters))

    out, _ = run("revoke", hr_ids=["2"])

    assert "1 provisional password(s) revoked." in out
    assert refused(
        step_2(browser, "jane.doe", printed_password(pdf_pages(letters.read_bytes())[1]))
    )


def test_commands_are_audited_with_the_cli_actor(hr_file: Path) -> None:
    run("import_people", str(hr_file))

    actors = set(AuditEvent.objects.values_list("actor", flat=True))
    assert len(actors) == 1
    assert actors.pop().startswith("cli")
