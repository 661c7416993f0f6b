"""Reading and checking HR's file, and making logins: no database involved."""

from datetime import date

import pytest

from portique.onboarding.importers import (
    InvalidFile,
    LoginAllocator,
    PersonRow,
    check_rows,
    login_base,
    read_csv,
)
from tests.onboarding.conftest import csv_file


def checked(data: bytes) -> tuple[list[PersonRow], dict[int, str]]:
    """The valid rows, and {line: reasons} of the rejected ones."""
    result = check_rows(read_csv(data))
    return result.valid, {r.line: " ; ".join(r.reasons) for r in result.rejected}


# --- Reading the file -------------------------------------------------------------------


def test_file_with_a_bom_reads_like_one_without() -> None:
    with_bom = checked(csv_file("1,Jane,Doe,staff", bom=True))
    without = checked(csv_file("1,Jane,Doe,staff"))

    assert with_bom == without
    assert [row.hr_id for row in with_bom[0]] == ["1"]


def test_semicolon_separated_file_is_read() -> None:
    valid, rejected = checked(csv_file("1,Jane,Doe,staff", separator=";", bom=True))

    assert rejected == {}
    assert (valid[0].first_name, valid[0].last_name, valid[0].category) == ("Jane", "Doe", "staff")


def test_comma_separated_file_is_read() -> None:
    valid, rejected = checked(csv_file("1,Jane,Doe,staff"))

    assert rejected == {}
    assert (valid[0].first_name, valid[0].last_name, valid[0].category) == ("Jane", "Doe", "staff")


def test_accented_names_are_kept_as_written() -> None:
    valid, _ = checked(csv_file("1,Élodie,Lefèvre-Durand,staff", separator=";"))

    assert (valid[0].first_name, valid[0].last_name) == ("Élodie", "Lefèvre-Durand")


def test_windows_line_endings_and_quoted_fields_are_read() -> None:
    data = b'hr_id;first_name;last_name;category\r\n1;"Anne; Marie";Doe;staff\r\n'

    valid, rejected = checked(data)

    assert rejected == {}
    assert valid[0].first_name == "Anne; Marie"


def test_optional_columns_are_read_with_french_or_iso_dates() -> None:
    header = "hr_id,first_name,last_name,category,birth_date,department,contract_end"

    valid, _ = checked(
        csv_file("1,Jane,Doe,vacataire,02/03/1990,UFR Sciences,2027-08-31", header=header)
    )

    assert (valid[0].birth_date, valid[0].department, valid[0].contract_end) == (
        date(1990, 3, 2), "UFR Sciences", date(2027, 8, 31),
    )  # fmt: skip


def test_line_numbers_count_the_header_and_blank_lines() -> None:
    _, rejected = checked(csv_file("1,Jane,Doe,staff", "", "2,,Doe,staff"))

    assert list(rejected) == [4]


def test_header_without_a_required_column_refuses_the_file() -> None:
    with pytest.raises(InvalidFile, match="category"):
        list(read_csv(csv_file("1,Jane,Doe", header="hr_id,first_name,last_name")))


def test_header_with_an_unknown_column_refuses_the_file() -> None:
    with pytest.raises(InvalidFile, match="surname"):
        list(read_csv(csv_file("1,Jane,Doe,staff", header="hr_id,first_name,surname,category")))


def test_file_not_in_utf8_is_refused_with_the_line() -> None:
    data = "hr_id,first_name,last_name,category\n1,Élodie,Doe,staff\n".encode("latin-1")

    with pytest.raises(InvalidFile, match=r"UTF-8.*ligne 2"):
        list(read_csv(data))


# --- Checking each line -----------------------------------------------------------------


def test_duplicate_hr_id_rejects_both_lines_naming_each_other() -> None:
    valid, rejected = checked(
        csv_file("7,Jane,Doe,staff", "8,Paul,Martin,staff", "7,Jean,Doe,staff")
    )

    assert [row.hr_id for row in valid] == ["8"]
    assert rejected == {
        2: "hr_id « 7 » aussi ligne 4",
        4: "hr_id « 7 » aussi ligne 2",
    }


def test_same_login_given_on_two_lines_rejects_both() -> None:
    header = "hr_id,first_name,last_name,category,login"

    _, rejected = checked(csv_file("1,Jane,Doe,staff,jd", "2,John,Doe,staff,jd", header=header))

    assert sorted(rejected) == [2, 3]


def test_empty_first_name_is_rejected() -> None:
    _, rejected = checked(csv_file("1,   ,Doe,staff"))

    assert rejected == {2: "prénom manquant"}


def test_empty_last_name_is_rejected() -> None:
    _, rejected = checked(csv_file("1,Jane,,staff"))

    assert rejected == {2: "nom manquant"}


def test_unknown_category_is_rejected() -> None:
    _, rejected = checked(csv_file("1,Jane,Doe,professor"))

    assert rejected == {2: "catégorie « professor » inconnue (attendu : student, staff, vacataire)"}


def test_category_is_read_whatever_its_case() -> None:
    valid, _ = checked(csv_file("1,Jane,Doe,Vacataire"))

    assert valid[0].category == "vacataire"


def test_line_with_a_missing_field_is_rejected() -> None:
    _, rejected = checked(csv_file("1,Jane,Doe"))

    assert rejected == {2: "3 champs au lieu de 4"}


def test_invalid_date_is_rejected() -> None:
    header = "hr_id,first_name,last_name,category,contract_end"

    _, rejected = checked(csv_file("1,Jane,Doe,vacataire,31/02/2027", header=header))

    assert "fin de contrat « 31/02/2027 » invalide" in rejected[2]


def test_every_reason_of_a_line_is_given() -> None:
    _, rejected = checked(csv_file(",,Doe,nobody"))

    assert rejected[2].count(";") == 2


def test_rows_given_as_dicts_are_checked_like_a_file() -> None:
    result = check_rows(enumerate([{"hr_id": "1", "first_name": "Jane", "last_name": "Doe",
                                    "category": "staff"}, {"hr_id": "2"}], 1))  # fmt: skip

    assert [row.hr_id for row in result.valid] == ["1"]
    assert [rejection.line for rejection in result.rejected] == [2]


# --- Logins -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_name", "last_name", "login"),
    [
        ("Élodie", "Lefèvre-Durand", "elodie.lefevre-durand"),
        ("Jane", "Doe", "jane.doe"),
        ("Jean", "de La Fontaine", "jean.de-la-fontaine"),
        ("Charles", "D'Artagnan", "charles.dartagnan"),
        ("Aïssatou", "N\u2019Diaye", "aissatou.ndiaye"),  # a typographic apostrophe
        ("Marie   Claire", "Du  Pont", "marie-claire.du-pont"),
        ("Jean-Pierre", "Le Gall", "jean-pierre.le-gall"),
        ("Anne - Sophie", "Saint-Exupéry", "anne-sophie.saint-exupery"),
        ("Zoë", "Œuvray", "zoe.oeuvray"),
        ("Łukasz", "Ströbel", "lukasz.strobel"),
        ("Ngọc Ánh", "Nguyễn", "ngoc-anh.nguyen"),
        ("Ana", "García Márquez", "ana.garcia-marquez"),
    ],
)
def test_login_is_first_dot_last_in_ascii(first_name: str, last_name: str, login: str) -> None:
    assert login_base(first_name, last_name) == login


def test_name_without_latin_letters_must_come_with_a_login() -> None:
    _, rejected = checked(csv_file("1,明,王,staff"))

    assert "indiquez-le dans la colonne login" in rejected[2]


def test_collisions_are_numbered_from_2_in_order() -> None:
    allocator = LoginAllocator(lambda login: False)

    assert [allocator.allocate("jane.doe") for _ in range(3)] == [
        "jane.doe", "jane.doe2", "jane.doe3",
    ]  # fmt: skip


def test_taken_logins_are_skipped() -> None:
    allocator = LoginAllocator({"jane.doe", "jane.doe2"}.__contains__)

    assert allocator.allocate("jane.doe") == "jane.doe3"


def test_reserved_login_is_not_handed_out() -> None:
    allocator = LoginAllocator(lambda login: False)
    allocator.reserve("jane.doe")

    assert allocator.allocate("jane.doe") == "jane.doe2"
