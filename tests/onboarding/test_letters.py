"""The PASS'UM letters, read back from the PDF as a person reads the paper."""

import io
import re
import sys
from datetime import UTC, datetime

import pytest
import segno
from django.test import Client
from django.views.debug import ExceptionReporter
from pypdf import PdfReader

from portique.onboarding.letters import Letter, printable, render_letters
from tests.onboarding.conftest import accepted, pdf_pages, printed_password, run_import, step_2

pytestmark = pytest.mark.django_db
ACTIVATION_URL = "https://portail.example.org/activation/identifiant/"


def letter(login: str, **names: str) -> Letter:
    return Letter(
        first_name=names.get("first_name", "Jane"),
        last_name=names.get("last_name", "Doe"),
        login=login,
        provisional_password="Abcd-Efgh-Jkmn",
        expires_at=datetime(2026, 3, 15, 22, 59, tzinfo=UTC),
    )


def test_one_page_per_person_in_file_order() -> None:
    report = run_import("9,Zoé,Zola,staff", "1,Adam,Abel,staff", "5,Élodie,Lefèvre-Durand,staff")

    logins = ["zoe.zola", "adam.abel", "elodie.lefevre-durand"]

    pages = pdf_pages(render_letters(report.credentials))

    assert [[login for login in logins if login in page] for page in pages] == [
        [login] for login in logins
    ]


def test_letter_prints_the_name_with_its_accents() -> None:
    (page,) = pdf_pages(render_letters([letter("e.l", first_name="Élodie", last_name="Lefèvre")]))

    assert "Élodie Lefèvre" in page


def test_letter_prints_the_validity_end_in_local_time() -> None:
    # 22:59 UTC on 15 March is 23:59 in Paris: still the 15th there.
    (page,) = pdf_pages(render_letters([letter("jane.doe")]))

    assert "Valable jusqu'au 15/03/2026 inclus" in page


def test_letter_prints_the_activation_address_and_institution() -> None:
    (page,) = pdf_pages(render_letters([letter("jane.doe")]))

    assert ACTIVATION_URL in page
    assert page.startswith("Université de Montpellier\n")


def test_password_read_back_from_the_letter_passes_step_2(browser: Client) -> None:
    report = run_import("1,Jane,Doe,staff", "2,Paul,Martin,vacataire")
    page = pdf_pages(render_letters(report.credentials))[1]

    response = step_2(browser, "paul.martin", printed_password(page))

    assert accepted(response)


def page_contents(pdf: bytes, number: int) -> str:
    page = PdfReader(io.BytesIO(pdf)).pages[number]
    return page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]


def drawn_matrix(content: str) -> list[list[bool]]:
    """Rasterise the rectangles of the QR code's block ("x y w h re", in module units)."""
    block = content[content.index("q 0 g") : content.index("f Q")]
    rectangles = [
        tuple(map(int, m)) for m in re.findall(r"^(\d+) (\d+) (\d+) (\d+) re$", block, re.M)
    ]
    size = max(x + w for x, _, w, _ in rectangles)
    matrix = [[False] * size for _ in range(size)]
    for x, y, w, h in rectangles:
        for row in matrix[y : y + h]:
            row[x : x + w] = [True] * w
    return matrix


def test_qr_code_draws_the_activation_address_as_vector_squares() -> None:
    pdf = render_letters([letter("jane.doe"), letter("paul.martin")])
    expected = [
        [bool(cell) for cell in row] for row in segno.make(ACTIVATION_URL, error="m").matrix
    ]

    assert drawn_matrix(page_contents(pdf, 0)) == expected
    assert drawn_matrix(page_contents(pdf, 1)) == expected


def test_every_font_a_page_uses_is_in_its_resources() -> None:
    pdf = render_letters([letter("jane.doe"), letter("paul.martin"), letter("lea.bernard")])
    reader = PdfReader(io.BytesIO(pdf))

    for number, page in enumerate(reader.pages):
        used = set(re.findall(r"/(F\d+) [\d.]+ Tf", page_contents(pdf, number)))
        listed = {name.lstrip("/") for name in page["/Resources"]["/Font"]}
        assert used <= listed, number


def test_letter_is_text_and_vectors_without_any_image() -> None:
    pdf = render_letters([letter("jane.doe")])

    assert "/XObject" not in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]


def test_characters_the_standard_fonts_lack_lose_their_accent() -> None:
    assert printable("Łukasz Şahin Nguyễn") == "Lukasz Sahin Nguyen"


def test_french_letters_stay_as_they_are() -> None:
    assert printable("Œuvray Lefèvre « ça »") == "Œuvray Lefèvre « ça »"


def test_error_reports_hide_the_variables_that_hold_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(self: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr("portique.onboarding.letters._Renderer.output", fail)
    report = run_import("1,Jane,Doe,staff")
    try:
        render_letters(report.credentials)
    except RuntimeError:
        frames = ExceptionReporter(None, *sys.exc_info()).get_traceback_frames()

    shown = dict(next(f["vars"] for f in frames if f["function"] == "render_letters"))
    assert shown["letters"] == "********************"


def test_no_letter_is_an_error_rather_than_a_blank_page() -> None:
    with pytest.raises(ValueError, match="no letter"):
        render_letters([])
