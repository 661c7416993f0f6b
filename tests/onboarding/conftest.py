"""Helpers for the onboarding tests: HR files, letters read back, step 2 of the activation."""

import io
import re
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from portique.onboarding.services import ImportReport, people_import

HEADER = "hr_id,first_name,last_name,category"
REFUSAL = "Identifiant ou mot de passe provisoire incorrect."
# Where step 2 sends someone whose provisional password was accepted.
STEP_3 = "/activation/mail-de-secours/"
PASSWORD_RE = re.compile(r"^([A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4})$", re.MULTILINE)


def csv_file(*lines: str, header: str = HEADER, separator: str = ",", bom: bool = False) -> bytes:
    """HR's file: the header and lines written with ',' and turned to `separator`."""
    text = "\n".join([header, *lines]).replace(",", separator) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def run_import(*lines: str, header: str = HEADER, **options: Any) -> ImportReport:
    options.setdefault("actor", "hr.agent")
    return people_import(file=csv_file(*lines, header=header), **options)


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def printed_password(page: str) -> str:
    """The provisional password a letter prints."""
    found = PASSWORD_RE.findall(page)
    assert len(found) == 1, page
    return str(found[0])


def step_2(client: Client, login: str, password: str) -> Any:
    """Steps 1 and 2 of the activation, as a person types them; returns step 2's answer."""
    client.post("/activation/identifiant/", {"identifier": login})
    return client.post("/activation/mot-de-passe-provisoire/", {"provisional_password": password})


def accepted(response: Any) -> bool:
    return response.status_code == 302 and response["Location"] == STEP_3


def refused(response: Any) -> bool:
    return response.status_code == 200 and REFUSAL in response.content.decode()


@pytest.fixture
def browser() -> Client:
    """Another browser for each use: step 2 opens a flow in the session of the one used."""
    return Client()
