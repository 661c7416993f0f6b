"""The message of an outbox mail is written out byte for byte as Django's own policy
(compat32) writes it, long, encoded and short headers alike."""

from __future__ import annotations

from email.generator import BytesGenerator
from email.message import Message
from email.policy import Policy, compat32
from io import BytesIO
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives

from portique.mail.messages import message_for
from portique.mail.models import OutboundMail, OutboundMailAttachment


def written(message: Message, policy: Policy) -> bytes:
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=policy.clone(linesep="\r\n")).flatten(message)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "subject",
    [
        "Université de Montpellier : confirmez votre adresse mail de secours",
        "Short ASCII subject",
        "A long ASCII subject that goes well past the seventy-eight columns of a header line",
        "Université  d'Angers ;  deux espaces, une tabulation\tet des « guillemets »",
    ],
)
def test_message_is_written_as_compat32_writes_it(settings: Any, subject: str) -> None:
    settings.PORTIQUE_EMAIL_REPLY_TO = "Assistance Université <assistance@umontpellier.fr>"
    mail = OutboundMail.objects.create(
        kind="hr_digest",
        subject_login="x",
        to="perso@example.com",
        subject=subject,
        body_text="Bonjour,\n" + "une ligne assez longue, avec des accents : é à ç ù\n" * 30,
        body_html="<p>" + "é " * 600 + "</p>",
        created_at="2030-06-14T08:00:00Z",
        attachment_count=1,
    )
    OutboundMailAttachment.objects.create(
        mail=mail, filename="nouveaux.csv", content=b"login;nom\nx;X\n", content_type="text/csv"
    )

    message = message_for(mail).message()

    assert written(message, message.policy) == written(message, compat32)
    assert message.policy is not compat32


@pytest.mark.django_db
@pytest.mark.parametrize(
    "subject",
    [
        "Université de Montpellier : confirmez votre adresse mail de secours",
        "Short ASCII subject",
        "Université  d'Angers ;  deux espaces\tet des « guillemets » sur une très longue ligne",
    ],
)
def test_message_carries_the_subject_header_django_writes(subject: str) -> None:
    mail = OutboundMail(to="perso@example.com", subject=subject, body_text="Bonjour")
    django_message = EmailMultiAlternatives(
        subject=subject,
        body="Bonjour",
        to=[mail.to],
        headers={"Auto-Submitted": "auto-generated"},
    )

    ours, django = message_for(mail).message(), django_message.message()

    assert ours["Subject"] == django["Subject"]
    assert list(ours.keys()) == list(django.keys())
