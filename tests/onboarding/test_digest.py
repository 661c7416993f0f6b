"""HR's digest: per department, who has not started, who started and stopped at which
step, who is activated, whose provisional password ended; a CSV listing each person; sent
weekly to PORTIQUE_HR_DIGEST_TO by `portique remind`."""

import csv
import io
from datetime import timedelta
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from portique.accounts.models import Person
from portique.mail.models import OutboundMail, OutboundMailAttachment
from portique.onboarding.services import credentials_revoke
from tests.security.conftest import RECOVERY, activate
from tests.support.letters import ISSUED, import_people, person_of
from tests.support.mail import deliver_mail
from tests.support.walkers import Walker

if TYPE_CHECKING:
    from tests.smtp import SmtpServer

pytest_plugins = ["tests.smtp"]
pytestmark = pytest.mark.django_db

HR = ["drh@univ.example", "rh.paie@univ.example"]
PEOPLE = (
    "1,Jane,Doe,staff,Chimie,jane@example.com",
    "2,Paul,Martin,staff,Chimie,paul@example.com",
    "3,Léa,Bernard,staff,Chimie,lea@example.com",
    "4,Anne,Durand,vacataire,Physique,anne@example.com",
    "5,Marc,Petit,staff,Physique,",
)


@pytest.fixture
def hr_recipients(settings: Any) -> list[str]:
    settings.PORTIQUE_HR_DIGEST_TO = HR
    return HR


@pytest.fixture
def letters_lived() -> None:
    """Jane has not begun; Paul stopped at step 4; Léa activated; Anne has not begun; Marc's
    letter was revoked. The reminders of day 7 went to Jane, Paul and Anne."""
    report = import_people(*PEOPLE)
    with time_machine.travel(ISSUED + timedelta(days=1), tick=False):
        paul = Walker(Client(), person_of(report, "paul.martin"))
        paul.identify()
        paul.give_provisional_password()
        paul.give_recovery_email(RECOVERY)
        activate(Walker(Client(), person_of(report, "lea.bernard")))
        credentials_revoke(people=[Person.objects.get(hr_id="5")], actor="hr.agent")
    remind(days=7, no_digest=True)


def remind(*, days: float, **options: Any) -> str:
    out = StringIO()
    with time_machine.travel(ISSUED + timedelta(days=days), tick=False):
        call_command("remind", stdout=out, **options)
    return out.getvalue()


def digests() -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(kind="hr_digest").order_by("id"))


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_digest_goes_to_each_hr_address(hr_recipients: list[str], letters_lived: None) -> None:
    printed = remind(days=7)

    assert [mail.to for mail in digests()] == HR
    assert "HR digest: queued for 2 recipient(s)." in printed


def test_the_digest_counts_each_department(hr_recipients: list[str], letters_lived: None) -> None:
    remind(days=7)

    body = digests()[0].body_text
    assert (
        digests()[0].subject == "Université de Montpellier : point sur les PASS'UM au 10 mars 2025"
    )
    assert "Voici où en sont les 5 PASS'UM remis ces derniers mois, par service." in body
    assert (
        "Chimie\n"
        "  Pas commencé : 1\n"
        "  Commencé, arrêté en cours : 1\n"
        "    étape 4 (Confirmation de l'adresse de secours) : 1\n"
        "  Activé : 1\n"
        "  Mot de passe provisoire expiré ou révoqué, sans activation : 0\n"
    ) in body
    assert (
        "Physique\n"
        "  Pas commencé : 1\n"
        "  Commencé, arrêté en cours : 0\n"
        "  Activé : 0\n"
        "  Mot de passe provisoire expiré ou révoqué, sans activation : 1\n"
    ) in body


def test_the_csv_lists_each_person(hr_recipients: list[str], letters_lived: None) -> None:
    remind(days=7)

    [attachment] = OutboundMailAttachment.objects.filter(mail=digests()[0])
    assert (attachment.filename, attachment.content_type) == (
        "portique-pass-um-2025-03-10.csv",
        "text/csv",
    )
    rows = csv_rows(bytes(attachment.content))
    summary = [
        (r["hr_id"], r["login"], r["department"], r["status"], r["step"], r["reminders_sent"])
        for r in rows
    ]
    assert summary == [
        ("3", "lea.bernard", "Chimie", "activated", "", "0"),
        ("1", "jane.doe", "Chimie", "not_started", "", "1"),
        ("2", "paul.martin", "Chimie", "started", "4", "1"),
        ("4", "anne.durand", "Physique", "not_started", "", "1"),
        ("5", "marc.petit", "Physique", "revoked", "", "0"),
    ]
    assert rows[0]["first_name"] == "Léa"
    assert rows[3]["category"] == "vacataire"
    assert {row["letter_issued_at"] for row in rows} == {"2025-03-03T09:00+01:00"}
    assert rows[2]["step_label"] == "Confirmation de l'adresse de secours"


def test_the_digest_is_weekly(hr_recipients: list[str]) -> None:
    import_people(*PEOPLE)

    remind(days=7)
    printed = remind(days=13.9)
    remind(days=14)

    assert len(digests()) == 2 * len(HR)
    assert "HR digest: not due" in printed


def test_digest_option_sends_one_before_the_week_is_over(hr_recipients: list[str]) -> None:
    import_people(*PEOPLE)
    remind(days=7)

    remind(days=9, digest=True)

    assert len(digests()) == 2 * len(HR)


def test_no_digest_without_hr_addresses() -> None:
    import_people(*PEOPLE)

    printed = remind(days=7, digest=True)

    assert digests() == []
    assert "HR digest: not due (or no PORTIQUE_HR_DIGEST_TO)." in printed


def test_the_digest_reaches_the_mail_server_with_its_csv_then_the_outbox_forgets_it(
    hr_recipients: list[str], smtp_settings: "SmtpServer"
) -> None:
    import_people(*PEOPLE)
    remind(days=7, no_digest=False)

    deliver_mail()

    received = [mail for mail in smtp_settings.wait_for(6, timeout=10) if mail.rcpt_tos[0] in HR]
    assert sorted(mail.rcpt_tos[0] for mail in received) == sorted(HR)
    [attachment] = list(received[0].message.iter_attachments())
    assert attachment.get_filename() == "portique-pass-um-2025-03-10.csv"
    assert [row["login"] for row in csv_rows(attachment.get_payload(decode=True))] == [
        "lea.bernard", "jane.doe", "paul.martin", "anne.durand", "marc.petit",
    ]  # fmt: skip
    assert not OutboundMailAttachment.objects.exists()
