"""Whole activations through the test client, one per branch of the seed's path, and what
they leave behind: the account, the done page, the audit trail and the notice mail."""

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client

from portique.accounts.models import Account
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent, OneTimeLink
from portique.mail.models import OutboundMail
from tests.factories import DemoPerson
from tests.support.mail import deliver_mail, last_link
from tests.support.pages import text
from tests.support.walkers import Walker

RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"
NEW_PASSWORD = "Soleil-Vert-2031"
REFUSAL = "Identifiant ou mot de passe provisoire incorrect."

MakeWalker = Callable[..., Walker]


@dataclass(frozen=True)
class Journey:
    """One way through the steps, and what the account should hold at the end."""

    person: str  # the fixture that creates the person
    directory_consent: bool
    forwarding: str | None  # the redirection typed at step 7, or None for no redirection
    keep_copy: bool  # the box as ticked at step 7 (where it is offered)
    expected_keep_copy: bool

    @property
    def forwarding_elsewhere(self) -> bool:
        return bool(self.forwarding) and self.forwarding.lower() != RECOVERY.lower()


JOURNEYS = {
    "staff-redirection-elsewhere": Journey("staff", True, ELSEWHERE, True, True),
    "staff-no-redirection": Journey("staff", False, None, True, True),
    "staff-redirection-to-recovery": Journey("staff", True, RECOVERY, False, False),
    # The vacataire's step 7 has neither the redirection box nor the keep-copy box.
    "vacataire": Journey("vacataire", False, ELSEWHERE, True, False),
    "student-redirection-elsewhere": Journey("student", True, ELSEWHERE, False, False),
    "student-no-redirection": Journey("student", False, None, True, True),
}


@dataclass
class Walked:
    """A finished activation: who, which journey, and the links that were mailed."""

    person: DemoPerson
    journey: Journey
    walker: Walker
    links: list[str] = field(default_factory=list)

    @property
    def account(self) -> Account:
        return Account.objects.get(login=self.person.login)


def walk(walker: Walker, journey: Journey) -> Walked:
    """Take `journey` from step 1 to step 10, checking each step leads to the next."""
    walked = Walked(walker.person, journey, walker)
    assert walker.identify()["Location"] == "/activation/mot-de-passe-provisoire/"
    assert walker.give_provisional_password()["Location"] == "/activation/mail-de-secours/"
    assert walker.give_recovery_email(RECOVERY)["Location"] == "/activation/mail-de-secours/envoye/"
    walked.links.append(last_link(RECOVERY))
    assert walker.follow_link(walked.links[-1])["Location"] == "/activation/charte/"
    assert walker.accept_charter()["Location"] == "/activation/annuaire/"
    assert walker.choose_directory(journey.directory_consent)["Location"] == (
        "/activation/messagerie/"
    )
    response = walker.choose_forwarding(
        journey.forwarding or "", wants=journey.forwarding is not None, keep_copy=journey.keep_copy
    )
    if journey.forwarding_elsewhere:
        assert response["Location"] == "/activation/messagerie/envoye/"
        walked.links.append(last_link(str(journey.forwarding)))
        response = walker.follow_link(walked.links[-1])
    assert response["Location"] == "/activation/mot-de-passe/"
    assert walker.set_password(NEW_PASSWORD)["Location"] == "/activation/termine/"
    return walked


@pytest.fixture(params=list(JOURNEYS.values()), ids=list(JOURNEYS))
def walked(request: pytest.FixtureRequest, walker_for: MakeWalker) -> Walked:
    journey: Journey = request.param
    return walk(walker_for(request.getfixturevalue(journey.person)), journey)


CONTROL_NAME = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
LABEL_FOR = re.compile(r'<label\b[^>]*\bfor="[^"]+"[^>]*>(.*?)</label>', re.S)


def control_names(response: Any) -> set[str]:
    return set(CONTROL_NAME.findall(response.content.decode()))


def label_texts(response: Any) -> set[str]:
    """The texts of the `<label for=...>` elements of the page."""
    found = LABEL_FOR.findall(response.content.decode())
    return {" ".join(html.unescape(re.sub(r"<[^>]+>", "", label)).split()) for label in found}


def reach_forwarding(walker: Walker) -> None:
    walker.reach_charter(RECOVERY)
    walker.accept_charter()
    walker.choose_directory(False)


# --- What every activation leaves in the account store ----------------------------------


def test_account_is_marked_activated(walked: Walked) -> None:
    assert walked.account.activated_at is not None


def test_new_password_is_stored_as_an_argon2_hash(walked: Walked) -> None:
    account = walked.account

    assert account.password.startswith("argon2")
    assert check_password(NEW_PASSWORD, account.password)


def test_a_wrong_provisional_password_of_an_activated_account_is_refused_as_any_other(
    walked: Walked,
) -> None:
    again = Walker(Client(), walked.person)
    again.identify()

    response = again.give_provisional_password("Wrong-0000-Pass")

    assert response.status_code == 200
    assert REFUSAL in text(response)


def test_recovery_email_is_stored_with_its_verification_time(walked: Walked) -> None:
    account = walked.account

    assert account.recovery_email == RECOVERY
    assert account.recovery_email_verified_at is not None


def test_redirection_is_stored_as_chosen(walked: Walked) -> None:
    account = walked.account

    assert account.forwarding_address == (walked.journey.forwarding or "")
    assert (account.forwarding_verified_at is not None) == bool(walked.journey.forwarding)
    assert account.keep_copy is walked.journey.expected_keep_copy


def test_directory_consent_is_stored_as_chosen(walked: Walked) -> None:
    assert walked.account.directory_consent is walked.journey.directory_consent


def test_charter_acceptance_is_stored_with_its_version(walked: Walked, settings: Any) -> None:
    account = walked.account

    assert account.charter_version == settings.PORTIQUE_CHARTER_VERSION
    assert account.charter_accepted_at is not None


def test_done_page_congratulates_and_gives_the_university_address(walked: Walked) -> None:
    response = walked.walker.client.get("/activation/termine/")

    assert response.status_code == 200
    page = text(response)
    assert "Félicitations, votre compte informatique est activé" in page
    assert f"votre identifiant : {walked.person.email}" in page


def test_done_page_states_the_redirection_as_chosen(walked: Walked) -> None:
    page = text(walked.walker.client.get("/activation/termine/"))

    if walked.journey.forwarding:
        assert (
            "Une redirection a été mise en place, vous avez choisi de rediriger vos mails "
            f"vers : {walked.journey.forwarding}"
        ) in page
    else:
        assert "Une redirection a été mise en place" not in page


def test_done_page_states_whether_a_copy_is_kept(walked: Walked) -> None:
    page = text(walked.walker.client.get("/activation/termine/"))
    kept = "Une copie de vos mails sera conservée sur votre messagerie universitaire" in page
    not_kept = "Aucune copie de vos mails ne sera conservée" in page

    if walked.journey.forwarding:
        expected = walked.journey.expected_keep_copy
        assert (kept, not_kept) == (expected, not expected)
    else:
        assert (kept, not_kept) == (False, False)


def test_provisional_password_no_longer_opens_the_flow(walked: Walked) -> None:
    # The right provisional password of an activated account opens nothing: the person is
    # sent to the login page, which points to "Problème de connexion".
    again = Walker(Client(), walked.person)
    again.identify()

    response = again.give_provisional_password()

    assert (response.status_code, response["Location"]) == (302, "/")
    assert "activation_flow" not in again.client.session
    home = text(again.client.get("/"))
    assert "Votre compte est déjà activé" in home
    assert "Problème de connexion" in home


def test_activation_notice_is_mailed_to_the_recovery_address(walked: Walked) -> None:
    deliver_mail()

    notices = [m for m in mail.outbox if "votre compte informatique est activé" in m.subject]

    assert [m.to for m in notices] == [[RECOVERY]]
    assert walked.person.email in str(notices[0].body)


def test_audit_trail_has_a_row_for_each_step(walked: Walked) -> None:
    actions = list(
        AuditEvent.objects.filter(subject=walked.person.login)
        .exclude(action="person_created")
        .order_by("id")
        .values_list("action", flat=True)
    )

    expected = [
        "provisional_password_accepted",
        "recovery_email_given",
        "recovery_email_confirmed",
        "charter_accepted",
        "directory_consent_chosen",
        "forwarding_chosen",
        *(["forwarding_address_confirmed"] if walked.journey.forwarding_elsewhere else []),
        "account_activated",
    ]
    assert actions == expected


def test_audit_trail_holds_no_password_or_token(walked: Walked) -> None:
    secrets = [
        walked.person.provisional_password,
        NEW_PASSWORD,
        *(link.rstrip("/").rsplit("/", 1)[-1] for link in walked.links),
    ]
    rows = [
        json.dumps([row.actor, row.subject, row.action, row.data], ensure_ascii=False, default=str)
        for row in AuditEvent.objects.all()
    ]

    leaks = [(secret, row) for secret in secrets for row in rows if secret in row]
    assert len(rows) >= 8
    assert leaks == []


# --- The branches of step 7 -------------------------------------------------------------


def test_staff_redirection_elsewhere_is_confirmed_by_a_mailed_link(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_forwarding(walker)

    response = walker.choose_forwarding(ELSEWHERE)

    assert response["Location"] == "/activation/messagerie/envoye/"
    assert last_link(ELSEWHERE).startswith("/activation/lien/")


def test_staff_without_redirection_goes_straight_to_the_password(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_forwarding(walker)

    response = walker.choose_forwarding(wants=False)

    assert response["Location"] == "/activation/mot-de-passe/"
    assert not OneTimeLink.objects.filter(purpose=OneTimeLink.Purpose.FORWARDING_ADDRESS).exists()


@pytest.mark.parametrize("typed", [RECOVERY, " Perso@Example.COM "])
def test_redirection_to_the_recovery_address_mails_no_link(
    staff: DemoPerson, walker_for: MakeWalker, typed: str
) -> None:
    walker = walker_for(staff)
    reach_forwarding(walker)

    response = walker.choose_forwarding(typed)

    assert response["Location"] == "/activation/mot-de-passe/"
    assert not OutboundMail.objects.filter(kind="forwarding_address").exists()
    assert not OneTimeLink.objects.filter(purpose=OneTimeLink.Purpose.FORWARDING_ADDRESS).exists()


def test_redirection_to_the_recovery_address_counts_as_verified(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_forwarding(walker)

    walker.choose_forwarding(RECOVERY)

    flow = ActivationFlow.objects.get(login=staff.login)
    assert flow.forwarding_verified_at is not None
    assert flow.forwarding_verified_at == flow.recovery_email_verified_at


def test_vacataire_step_7_has_no_redirection_box(
    vacataire: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(vacataire)
    reach_forwarding(walker)

    response = walker.client.get("/activation/messagerie/")

    assert "Je mets en place une redirection de messagerie" not in label_texts(response)
    assert "wants_forwarding" not in control_names(response)


def test_vacataire_step_7_has_no_keep_copy_box(
    vacataire: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(vacataire)
    reach_forwarding(walker)

    response = walker.client.get("/activation/messagerie/")

    assert "Je souhaite conserver une copie des mails sur ma boîte mail universitaire." not in (
        label_texts(response)
    )
    assert "keep_copy" not in control_names(response)


def test_vacataire_step_7_asks_for_the_redirection_address(
    vacataire: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(vacataire)
    reach_forwarding(walker)

    labels = label_texts(walker.client.get("/activation/messagerie/"))

    assert "Adresse de la messagerie de redirection" in labels
    assert "Confirmation de l'adresse de messagerie de redirection" in labels


def test_vacataire_without_a_redirection_address_is_refused(
    vacataire: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(vacataire)
    reach_forwarding(walker)

    response = walker.post("/activation/messagerie/", {})

    assert response.status_code == 200
    assert "Veuillez saisir l'adresse de la messagerie de redirection." in text(response)
    assert ActivationFlow.objects.get(login=vacataire.login).state == (
        State.AWAITING_FORWARDING_CHOICE
    )


def test_vacataire_redirection_elsewhere_goes_through_step_8(
    vacataire: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(vacataire)
    reach_forwarding(walker)

    response = walker.choose_forwarding(ELSEWHERE, wants=False, keep_copy=False)

    assert response["Location"] == "/activation/messagerie/envoye/"
    assert last_link(ELSEWHERE).startswith("/activation/lien/")


def test_student_step_7_offers_an_optional_redirection(
    student: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(student)
    reach_forwarding(walker)

    labels = label_texts(walker.client.get("/activation/messagerie/"))

    assert "Je mets en place une redirection de messagerie" in labels
    assert "Je souhaite conserver une copie des mails sur ma boîte mail universitaire." in labels


# --- Identifier, notice --------------------------------------------------------------


def test_full_university_address_as_typed_identifies_the_person(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify("Jane.Doe@UMontpellier.fr ")

    response = walker.give_provisional_password()

    assert response["Location"] == "/activation/mail-de-secours/"
    assert ActivationFlow.objects.get().login == staff.login


def test_full_university_address_as_identifier_carries_the_activation_through(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify("Jane.Doe@UMontpellier.fr ")
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    walker.follow_link(last_link(RECOVERY))
    walker.accept_charter()
    walker.choose_directory(False)
    walker.choose_forwarding(wants=False)

    response = walker.set_password(NEW_PASSWORD)

    assert response["Location"] == "/activation/termine/"
    assert Account.objects.get(login=staff.login).activated_at is not None


def test_no_activation_notice_is_mailed_before_the_password_is_set(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    reach_forwarding(walker)
    walker.choose_forwarding(wants=False)
    deliver_mail()

    assert not [m for m in mail.outbox if "votre compte informatique est activé" in m.subject]
