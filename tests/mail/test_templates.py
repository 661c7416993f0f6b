"""What each mail says: a subject, a text and an HTML part naming the institution, a link
built from PORTIQUE_BASE_URL whatever host the request came to, the exact deadline, what to do
when one did not ask for it; in English for a person browsing in English."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command, get_commands
from django.db import transaction
from django.test import Client
from django.test.signals import language_changed
from django.utils import translation

from portique.core import clock
from portique.mail.models import OutboundMail
from portique.mail.services import mail_queue
from tests.factories import DemoPerson
from tests.mail.helpers import PARIS, link_path, run_worker
from tests.support.pages import readable
from tests.support.walkers import Walker

MakeWalker = Callable[..., Walker]

RECOVERY = "perso@example.com"
REDIRECTION = "redirection@example.net"
PASSWORD = "Tournesol-2031-vert"
# A Wednesday, 10:00 in Montpellier: links sent now are valid until 23:59 tonight.
MORNING = datetime(2025, 3, 12, 10, 0, tzinfo=PARIS)
FRENCH_DAY = "mercredi 12 mars 2025"
ENGLISH_DAY = "Wednesday 12 March 2025"

KINDS = ["recovery_email", "forwarding_address", "activated"]
LINK_KINDS = ["recovery_email", "forwarding_address"]
NOT_THE_ORIGIN = "Si vous n'êtes pas à l'origine"
ENGLISH_MO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.mo"


class Mail:
    """A mail as it leaves Portique: its subject, its text, and its HTML as read."""

    def __init__(self, subject: str, text: str, html: str) -> None:
        self.subject = subject
        self.text = text
        self.html = html

    @property
    def readable_html(self) -> str:
        return readable(self.html)

    @property
    def parts(self) -> list[str]:
        return [self.subject, self.text, self.readable_html]


def newest_link(to: str) -> str:
    run_worker()
    for message in reversed(mail.outbox):
        if to in message.to:
            return link_path(str(message.body), settings.PORTIQUE_BASE_URL)
    raise AssertionError(f"no mail to {to}")


def mails_of_an_activation(walker: Walker) -> dict[str, Mail]:
    """Steps 1 to 10 with a redirection elsewhere, at 10:00; the three mails sent, by kind."""
    with time_machine.travel(MORNING, tick=False):
        walker.identify()
        walker.give_provisional_password()
        walker.give_recovery_email(RECOVERY)
        walker.follow_link(newest_link(RECOVERY))
        walker.accept_charter()
        walker.choose_directory(consent=False)
        walker.choose_forwarding(REDIRECTION)
        walker.follow_link(newest_link(REDIRECTION))
        assert walker.set_password(PASSWORD)["Location"] == "/activation/termine/"
        run_worker()
    kind_of = {(m.to, m.subject): m.kind for m in OutboundMail.objects.all()}
    mails = {}
    for message in mail.outbox:
        (html, _mimetype), *_ = message.alternatives
        kind = kind_of[(message.to[0], message.subject)]
        mails[kind] = Mail(str(message.subject), str(message.body), str(html))
    assert sorted(mails) == sorted(KINDS)
    return mails


@pytest.fixture
def activation_mails(staff: DemoPerson, walker_for: MakeWalker) -> Callable[..., dict[str, Mail]]:
    def make(browser: Client | None = None) -> dict[str, Mail]:
        return mails_of_an_activation(walker_for(staff, browser))

    return make


# --- Every kind --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_mail_has_a_subject_a_text_part_and_an_html_part(
    activation_mails: Callable[..., dict[str, Mail]], kind: str
) -> None:
    sent = activation_mails()[kind]

    assert sent.subject.strip()
    assert sent.text.strip()
    assert sent.html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("kind", KINDS)
def test_mail_names_the_institution_in_subject_text_and_html(
    activation_mails: Callable[..., dict[str, Mail]], kind: str
) -> None:
    sent = activation_mails()[kind]

    for part in sent.parts:
        assert "Université de Montpellier" in part


@pytest.mark.parametrize("kind", KINDS)
def test_mail_names_the_institution_the_settings_give(
    activation_mails: Callable[..., dict[str, Mail]], kind: str, settings: Any
) -> None:
    settings.PORTIQUE_INSTITUTION_NAME = "Université de Test"

    sent = activation_mails()[kind]

    for part in sent.parts:
        assert "Université de Test" in part
        assert "Montpellier" not in part.replace("umontpellier.fr", "")


@pytest.mark.parametrize("kind", KINDS)
def test_subject_and_text_give_an_institution_name_with_an_apostrophe_as_written(
    activation_mails: Callable[..., dict[str, Mail]], kind: str, settings: Any
) -> None:
    settings.PORTIQUE_INSTITUTION_NAME = "Université d'Angers"

    sent = activation_mails()[kind]

    assert "Université d'Angers" in sent.subject
    assert "Université d'Angers" in sent.text
    assert "&#x27;" not in sent.subject + sent.text


@pytest.mark.parametrize("kind", KINDS)
def test_html_part_escapes_the_institution_name(
    activation_mails: Callable[..., dict[str, Mail]], kind: str, settings: Any
) -> None:
    settings.PORTIQUE_INSTITUTION_NAME = "Arts & Métiers"

    sent = activation_mails()[kind]

    assert "Arts &amp; Métiers" in sent.html
    assert "Arts & Métiers" not in sent.html
    assert "Arts & Métiers" in sent.readable_html


@pytest.mark.parametrize("kind", KINDS)
def test_mail_says_what_to_do_for_who_did_not_ask_for_it(
    activation_mails: Callable[..., dict[str, Mail]], kind: str
) -> None:
    sent = activation_mails()[kind]

    assert NOT_THE_ORIGIN in sent.text
    assert NOT_THE_ORIGIN in sent.readable_html


# --- The link and its deadline -----------------------------------------------------------


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_link_starts_with_the_base_url_from_the_settings(
    activation_mails: Callable[..., dict[str, Mail]], kind: str, settings: Any
) -> None:
    settings.PORTIQUE_BASE_URL = "https://compte.example.net"

    sent = activation_mails()[kind]

    path = link_path(sent.text, "https://compte.example.net")
    assert f'href="https://compte.example.net{path}"' in sent.html
    assert "portail.example.org" not in sent.text + sent.html


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_link_ignores_the_host_the_request_came_to(
    activation_mails: Callable[..., dict[str, Mail]], kind: str, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]

    sent = activation_mails(Client(HTTP_HOST="evil.example"))[kind]

    assert link_path(sent.text, settings.PORTIQUE_BASE_URL)
    assert "evil.example" not in sent.text + sent.html


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_link_mail_gives_23_59_the_day_it_was_sent_as_the_deadline(
    activation_mails: Callable[..., dict[str, Mail]], kind: str
) -> None:
    sent = activation_mails()[kind]

    deadline = f"Ce lien est valable jusqu'au {FRENCH_DAY} à 23:59, une seule fois."
    assert deadline in sent.text
    assert deadline in sent.readable_html


def test_activated_mail_gives_the_date_and_time_of_the_activation(
    activation_mails: Callable[..., dict[str, Mail]], staff: DemoPerson
) -> None:
    sent = activation_mails()["activated"]

    activated = f"Votre compte informatique {staff.email} a été activé le {FRENCH_DAY} à 10:00."
    assert activated in sent.text
    assert activated in sent.readable_html


def test_activated_mail_links_to_the_ent(
    activation_mails: Callable[..., dict[str, Mail]], settings: Any
) -> None:
    settings.PORTIQUE_ENT_URL = "https://ent.example.net"

    sent = activation_mails()["activated"]

    assert "https://ent.example.net" in sent.text
    assert 'href="https://ent.example.net"' in sent.html


def test_activated_mail_names_the_redirection(
    activation_mails: Callable[..., dict[str, Mail]],
) -> None:
    sent = activation_mails()["activated"]

    assert f"Vos mails sont redirigés vers : {REDIRECTION}" in sent.text
    assert f"Vos mails sont redirigés vers : {REDIRECTION}" in sent.readable_html


# --- In English --------------------------------------------------------------------------


@pytest.fixture
def english() -> None:
    if "compiletranslations" in get_commands():
        call_command("compiletranslations", verbosity=0)
        # A catalogue loaded before the .mo was written stays cached otherwise.
        language_changed(setting="LOCALE_PATHS")
    if not ENGLISH_MO.exists():
        pytest.skip("English catalogue not built yet")


def rendered(kind: str) -> Mail:
    """Queue a mail of `kind` sent at 10:00 and return what it says."""
    with time_machine.travel(MORNING, tick=False), transaction.atomic():
        queued = mail_queue(
            to=RECOVERY,
            kind=kind,
            subject_login="jane.doe",
            context={
                "url": settings.PORTIQUE_BASE_URL + "/activation/lien/abc/",
                "expires_at": clock.end_of_local_day(clock.now()),
                "login": "jane.doe@umontpellier.fr",
                "forwarding_address": REDIRECTION,
                "keep_copy": True,
                "activated_at": clock.now(),
                "ent_url": settings.PORTIQUE_ENT_URL,
            },
        )
    return Mail(queued.subject, queued.body_text, queued.body_html)


FRENCH_WORDS = ["Bonjour", NOT_THE_ORIGIN, "valable jusqu'au", "confirmez", "votre compte"]


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("kind", KINDS)
def test_mail_rendered_in_english_has_no_french_left(kind: str) -> None:
    with translation.override("en"):
        sent = rendered(kind)

    for part in sent.parts:
        for french in FRENCH_WORDS:
            assert french not in part


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("kind", KINDS)
def test_mail_rendered_in_english_names_the_institution(kind: str) -> None:
    with translation.override("en"):
        sent = rendered(kind)

    for part in sent.parts:
        assert "Université de Montpellier" in part


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("kind", KINDS)
def test_mail_rendered_in_english_says_what_to_do_for_who_did_not_ask(kind: str) -> None:
    with translation.override("en"):
        sent = rendered(kind)

    assert "If you did not" in sent.text
    assert "If you did not" in sent.readable_html


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("kind", LINK_KINDS)
def test_mail_rendered_in_english_gives_the_deadline_in_english(kind: str) -> None:
    with translation.override("en"):
        sent = rendered(kind)

    for part in (sent.text, sent.readable_html):
        assert ENGLISH_DAY in part
        assert "23:59" in part


@pytest.mark.usefixtures("english")
def test_person_browsing_in_english_gets_the_mails_in_english(
    activation_mails: Callable[..., dict[str, Mail]],
) -> None:
    mails = activation_mails(Client(HTTP_ACCEPT_LANGUAGE="en"))

    for sent in mails.values():
        assert "If you did not" in sent.text
        assert "Bonjour" not in sent.text
