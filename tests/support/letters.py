"""People imported from HR's file with a personal address, at a known time, and the people
the activation's walkers take from their letters."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from portique.onboarding.services import ImportReport, people_import
from tests.factories import DemoPerson

PARIS = ZoneInfo("Europe/Paris")
# A Monday, 9:00: the letters are issued.
ISSUED = datetime(2025, 3, 3, 9, 0, tzinfo=PARIS)
PERSONAL_HEADER = "hr_id,first_name,last_name,category,department,personal_email"


def import_people(
    *lines: str, at: datetime = ISSUED, header: str = PERSONAL_HEADER
) -> ImportReport:
    """Import these CSV lines at `at`, as HR's agent does."""
    data = ("\n".join([header, *lines]) + "\n").encode()
    with time_machine.travel(at, tick=False):
        return people_import(file=data, actor="hr.agent")


def person_of(report: ImportReport, login: str) -> DemoPerson:
    """The person as their letter names them, for a walker."""
    letter = next(letter for letter in report.credentials if letter.login == login)
    return DemoPerson(
        login=letter.login,
        first_name=letter.first_name,
        last_name=letter.last_name,
        category="staff",
        provisional_password=letter.provisional_password,
    )
