"""Each activation step through the test client: the seed's labels and buttons, good and bad
answers, and the flow's rules (no skipping, one-time links, resuming, revising, progress,
category rules read from the settings)."""

import re
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from portique.accounts.models import Account
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import OneTimeLink
from tests.factories import DemoPerson
from tests.support.flows import flow_of
from tests.support.mail import last_link
from tests.support.pages import error_summary, text
from tests.support.walkers import Walker
from tests.support.walks import (
    ELSEWHERE,
    RECOVERY,
    to_charter,
    to_directory,
    to_forwarding,
    to_forwarding_sent,
    to_identifier,
    to_new_password,
    to_provisional_password,
    to_recovery_email,
    to_recovery_email_sent,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_PASSWORD = "Soleil-Vert-2031"
REFUSAL = "Identifiant ou mot de passe provisoire incorrect."

MakeWalker = Callable[..., Walker]


# --- Reading pages ----------------------------------------------------------------------


class _FormControls(HTMLParser):
    """Collect the form controls of a page and the text of the labels tied to them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: dict[str, dict[str, str | None]] = {}  # by id
        self.labels: list[tuple[str, str | None]] = []  # (text, for)
        self._label_for: str | None = None
        self._label_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("id"):
            self.controls[str(attributes["id"])] = attributes
        elif tag == "label":
            self._label_for = attributes.get("for")
            self._label_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_text is not None:
            self.labels.append((" ".join("".join(self._label_text).split()), self._label_for))
            self._label_text = None

    def handle_data(self, data: str) -> None:
        if self._label_text is not None:
            self._label_text.append(data)


def _controls(response: Any) -> _FormControls:
    parser = _FormControls()
    parser.feed(response.content.decode())
    return parser


def labelled_fields(response: Any) -> dict[str, str | None]:
    """Map each `<label for=...>` text to the name of the form control it points at."""
    page = _controls(response)
    return {
        text: page.controls[target].get("name")
        for text, target in page.labels
        if target and target in page.controls
    }


def field(response: Any, name: str) -> dict[str, str | None]:
    """Return the attributes of the form control called `name`."""
    for attributes in _controls(response).controls.values():
        if attributes.get("name") == name:
            return attributes
    raise AssertionError(f"no form control named {name!r}")


def has_field(response: Any, name: str) -> bool:
    return any(a.get("name") == name for a in _controls(response).controls.values())


SUIVANT = re.compile(r'<button\b[^>]*\btype="submit"[^>]*>\s*Suivant\s*</button>')


# --- Walking to a step ------------------------------------------------------------------


def account_of(person: DemoPerson) -> Account:
    return Account.objects.get(login=person.login)


def token_of(link_path: str) -> str:
    return link_path.rstrip("/").rsplit("/", 1)[-1]


def activate(w: Walker) -> None:
    to_new_password(w)
    response = w.set_password(NEW_PASSWORD)
    assert response["Location"] == "/activation/termine/"


# --- The pages say what the seed says ---------------------------------------------------

PAGES = [
    ("/activation/identifiant/", to_identifier, ["Identifiant (Nom de connexion)"]),
    ("/activation/mot-de-passe-provisoire/", to_provisional_password, ["Mot de passe provisoire"]),
    (
        "/activation/mail-de-secours/",
        to_recovery_email,
        ["Adresse mail de secours", "Confirmation de l'adresse mail de secours"],
    ),
    (
        "/activation/charte/",
        to_charter,
        ["J'accepte la charte informatique de l'Université de Montpellier"],
    ),
    (
        "/activation/annuaire/",
        to_directory,
        ["J'accepte d'apparaître dans le futur annuaire public"],
    ),
    (
        "/activation/messagerie/",
        to_forwarding,
        [
            "Je mets en place une redirection de messagerie",
            "Adresse de la messagerie de redirection",
            "Confirmation de l'adresse de messagerie de redirection",
            "Je souhaite conserver une copie des mails sur ma boîte mail universitaire.",
        ],
    ),
    (
        "/activation/mot-de-passe/",
        to_new_password,
        ["Nouveau mot de passe", "Confirmation du nouveau mot de passe"],
    ),
]
PAGE_IDS = [path.strip("/").replace("activation/", "") for path, _, _ in PAGES]


@pytest.mark.parametrize(("path", "reach", "labels"), PAGES, ids=PAGE_IDS)
def test_step_fields_carry_the_seed_labels_as_real_labels(
    staff: DemoPerson,
    walker_for: MakeWalker,
    path: str,
    reach: Callable[[Walker], None],
    labels: list[str],
) -> None:
    walker = walker_for(staff)
    reach(walker)

    response = walker.client.get(path)

    assert response.status_code == 200
    fields = labelled_fields(response)
    assert {label: fields.get(label) is not None for label in labels} == dict.fromkeys(labels, True)


@pytest.mark.parametrize(
    ("path", "reach"), [(path, reach) for path, reach, _ in PAGES], ids=PAGE_IDS
)
def test_step_form_is_submitted_by_a_suivant_button(
    staff: DemoPerson, walker_for: MakeWalker, path: str, reach: Callable[[Walker], None]
) -> None:
    walker = walker_for(staff)
    reach(walker)

    response = walker.client.get(path)

    assert SUIVANT.search(response.content.decode())


def test_step_4_says_where_the_mail_went_and_until_when_the_link_works(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    with time_machine.travel(datetime(2025, 3, 12, 10, 0, tzinfo=PARIS), tick=False):
        to_recovery_email_sent(walker)
        page = text(walker.client.get("/activation/mail-de-secours/envoye/"))

    assert f"Un mail a été envoyé sur votre adresse mail de secours : {RECOVERY}" in page
    assert re.search(r"valable jusqu'au \w+ 12 mars 2025 à 23:59", page)


def test_step_4_offers_to_change_the_address_and_to_send_the_mail_again(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)

    page = text(walker.client.get("/activation/mail-de-secours/envoye/"))

    assert "Modifier l'adresse mail de secours" in page
    assert "Envoyer à nouveau le mail" in page


def test_step_8_says_where_the_mail_went_and_offers_to_resend_or_change_it(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding_sent(walker)

    page = text(walker.client.get("/activation/messagerie/envoye/"))

    assert f"Un mail a été envoyé sur votre adresse mail de redirection : {ELSEWHERE}" in page
    assert "Envoyer à nouveau le mail d'activation" in page
    assert "Modifier l'adresse mail de redirection" in page


def test_step_7_prefills_the_redirection_with_the_recovery_address(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)

    response = walker.client.get("/activation/messagerie/")

    assert field(response, "forwarding_address")["value"] == RECOVERY
    assert field(response, "forwarding_address_confirmation")["value"] == RECOVERY


def test_step_7_keep_copy_box_is_checked_by_default_for_staff(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)

    response = walker.client.get("/activation/messagerie/")

    assert "checked" in field(response, "keep_copy")


def test_step_9_lists_the_password_rules(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_new_password(walker)

    page = text(walker.client.get("/activation/mot-de-passe/"))

    for rule in (
        "doit contenir au minimum 8 caractères",
        "doit contenir au moins une lettre et un chiffre",
        "ne doit pas contenir votre nom ou prénom",
        "ne doit pas contenir de caractères accentués ou les caractères spéciaux",
    ):
        assert rule in page


def test_home_page_has_the_login_form_of_the_seed(db: None, client: Client) -> None:
    page = text(client.get("/"))

    assert "IDENTIFIANT" in page
    assert "MOT DE PASSE" in page
    assert "SE CONNECTER" in page


def test_home_page_first_connection_link_opens_step_1(db: None, client: Client) -> None:
    body = client.get("/").content.decode()

    assert re.search(r'<a href="/activation/identifiant/">\s*1ère connexion\s*</a>', body)


def test_home_page_connection_problem_link_leads_to_a_page(db: None, client: Client) -> None:
    body = client.get("/").content.decode()
    found = re.search(r'<a href="([^"]+)">\s*Problème de connexion\s*</a>', body)

    assert found
    assert client.get(found.group(1)).status_code == 200


# --- Steps 1 and 2 ----------------------------------------------------------------------


def test_unknown_identifier_moves_on_to_step_2(db: None, client: Client) -> None:
    response = client.post("/activation/identifiant/", {"identifier": "Nobody.Here"})

    assert response.status_code == 302
    assert response["Location"] == "/activation/mot-de-passe-provisoire/"


def test_step_2_shows_the_identifier_as_typed(db: None, client: Client) -> None:
    client.post("/activation/identifiant/", {"identifier": "Nobody.Here"})

    page = text(client.get("/activation/mot-de-passe-provisoire/"))

    assert "Nobody.Here" in page


def test_unknown_identifier_is_refused_like_a_wrong_password(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    real = walker_for(staff)
    real.identify()
    wrong_password = real.give_provisional_password("Wrong-0000-Pass")
    unknown = walker_for(staff, Client())
    unknown.identify("nobody.here")
    unknown_identifier = unknown.give_provisional_password("Wrong-0000-Pass")

    assert REFUSAL in text(wrong_password)
    assert unknown_identifier.status_code == wrong_password.status_code == 200
    assert error_summary(unknown_identifier) == error_summary(wrong_password)


def test_wrong_provisional_password_opens_no_flow(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()

    walker.give_provisional_password("Wrong-0000-Pass")

    assert not ActivationFlow.objects.filter(login=staff.login).exists()
    assert walker.client.get("/activation/mail-de-secours/")["Location"] == (
        "/activation/identifiant/"
    )


# --- Step 3 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "confirmation", "message"),
    [
        (
            RECOVERY,
            "autre@example.com",
            "Les deux adresses mail de secours ne sont pas identiques.",
        ),
        ("pas-une-adresse", "pas-une-adresse", "Saisissez une adresse de courriel valide."),
        (
            "x@umontpellier.fr",
            "x@umontpellier.fr",
            "Veuillez saisir une adresse extérieure à l'université.",
        ),
        (
            "x@etu.umontpellier.fr",
            "x@etu.umontpellier.fr",
            "Veuillez saisir une adresse extérieure à l'université.",
        ),
    ],
    ids=["mismatched-confirmation", "invalid-address", "university-domain", "university-subdomain"],
)
def test_recovery_email_is_refused_and_nothing_is_sent(
    staff: DemoPerson, walker_for: MakeWalker, address: str, confirmation: str, message: str
) -> None:
    walker = walker_for(staff)
    to_recovery_email(walker)

    response = walker.give_recovery_email(address, confirmation)

    assert response.status_code == 200
    assert message in text(response)
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL
    assert not OneTimeLink.objects.exists()


# --- Step 5 -----------------------------------------------------------------------------


def test_charter_not_ticked_is_refused_and_nothing_changes(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_charter(walker)

    response = walker.post("/activation/charte/", {})

    assert response.status_code == 200
    assert "Vous devez accepter la charte informatique pour poursuivre." in text(response)
    flow = flow_of(staff)
    assert flow.state == State.AWAITING_CHARTER_ACCEPTANCE
    assert flow.charter_accepted_at is None


# --- Step 9 -----------------------------------------------------------------------------


def test_new_password_with_mismatched_confirmation_is_refused(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)

    response = walker.set_password(NEW_PASSWORD, "Soleil-Vert-2032")

    assert response.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques." in text(response)
    assert flow_of(staff).state == State.AWAITING_NEW_PASSWORD
    assert account_of(staff).activated_at is None


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("jane1234", "nom ou prénom"),
        ("Xdoe-2031-abc", "nom ou prénom"),
        ("abcdefgh", "au moins une lettre et un chiffre"),
        ("12345678", "au moins une lettre et un chiffre"),
        ("Ab1-xyz", "au minimum 8 caractères"),
        ("Soleil*Vert-2031", "caractères spéciaux"),
        ("Soleil-Vért-2031", "caractères accentués"),
    ],
)
def test_weak_new_password_is_refused_naming_the_rule(
    staff: DemoPerson, walker_for: MakeWalker, password: str, rule: str
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)

    response = walker.set_password(password)

    assert response.status_code == 200
    assert rule in text(response)
    assert account_of(staff).activated_at is None


def test_provisional_password_is_refused_as_the_new_password(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)

    response = walker.set_password(staff.provisional_password)

    assert response.status_code == 200
    assert "différent du mot de passe provisoire" in text(response)
    assert account_of(staff).activated_at is None


# --- No step can be skipped -------------------------------------------------------------

LATER_STEPS = {
    "/activation/charte/": {"accept": "on"},
    "/activation/annuaire/": {"directory_consent": "on"},
    "/activation/messagerie/": {
        "wants_forwarding": "on",
        "forwarding_address": ELSEWHERE,
        "forwarding_address_confirmation": ELSEWHERE,
        "keep_copy": "on",
    },
    "/activation/mot-de-passe/": {
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    },
}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", list(LATER_STEPS))
def test_later_step_sends_a_flow_at_step_3_back_to_step_3_unchanged(
    staff: DemoPerson, walker_for: MakeWalker, path: str, method: str
) -> None:
    walker = walker_for(staff)
    to_recovery_email(walker)

    if method == "get":
        response = walker.client.get(path)
    else:
        response = walker.client.post(path, LATER_STEPS[path])

    assert response.status_code == 302
    assert response["Location"] == "/activation/mail-de-secours/"
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL
    assert account_of(staff).activated_at is None


STEP_URLS = [
    "/activation/",
    "/activation/mot-de-passe-provisoire/",
    "/activation/mail-de-secours/",
    "/activation/mail-de-secours/envoye/",
    "/activation/charte/",
    "/activation/annuaire/",
    "/activation/messagerie/",
    "/activation/messagerie/envoye/",
    "/activation/mot-de-passe/",
    "/activation/termine/",
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("path", STEP_URLS)
def test_step_without_a_session_redirects_to_step_1(
    db: None, client: Client, path: str, method: str
) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response["Location"] == "/activation/identifiant/"


# --- Mailed links -----------------------------------------------------------------------


def test_sending_the_mail_again_mails_a_new_link(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    first = last_link(RECOVERY)

    response = walker.post("/activation/mail-de-secours/envoye/")

    assert response["Location"] == "/activation/mail-de-secours/envoye/"
    assert last_link(RECOVERY) != first


def test_previous_link_is_no_longer_valid_once_the_mail_is_sent_again(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    first = last_link(RECOVERY)
    walker.post("/activation/mail-de-secours/envoye/")

    response = walker.follow_link(first)

    assert response.status_code == 400
    assert "Ce lien n'est plus valable" in text(response)
    assert 'href="/activation/identifiant/"' in response.content.decode()


def test_new_link_works_once_the_mail_is_sent_again(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    walker.post("/activation/mail-de-secours/envoye/")

    response = walker.follow_link(last_link(RECOVERY))

    assert response["Location"] == "/activation/charte/"


def test_sending_the_redirection_mail_again_voids_the_previous_link(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding_sent(walker)
    first = last_link(ELSEWHERE)
    walker.post("/activation/messagerie/envoye/")

    response = walker.follow_link(first)

    assert response.status_code == 400
    assert "Ce lien n'est plus valable" in text(response)


def test_link_clicked_twice_is_refused_as_already_used(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    link = last_link(RECOVERY)
    walker.follow_link(link)

    response = walker.follow_link(link)

    assert response.status_code == 410
    assert "Ce lien a déjà été utilisé" in text(response)


def test_link_sent_at_1400_has_expired_at_0030_the_next_day(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    with time_machine.travel(datetime(2025, 3, 12, 14, 0, tzinfo=PARIS), tick=False) as clock:
        to_recovery_email_sent(walker)
        link = last_link(RECOVERY)
        clock.move_to(datetime(2025, 3, 13, 0, 30, tzinfo=PARIS))

        response = walker.follow_link(link)

    assert response.status_code == 410
    assert "Ce lien a expiré" in text(response)
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL_CONFIRMATION


def test_link_sent_at_1400_still_works_at_2358_the_same_day(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    with time_machine.travel(datetime(2025, 3, 12, 14, 0, tzinfo=PARIS), tick=False) as clock:
        to_recovery_email_sent(walker)
        link = last_link(RECOVERY)
        clock.move_to(datetime(2025, 3, 12, 23, 58, tzinfo=PARIS))

        response = walker.follow_link(link)

    assert response["Location"] == "/activation/charte/"


def test_link_takes_its_token_out_of_the_address_bar(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)

    response = walker.client.get(last_link(RECOVERY))

    assert response.status_code == 302
    assert response["Location"] == "/activation/lien/"
    assert response["Referrer-Policy"] == "no-referrer"


def test_opening_a_link_does_not_use_it_up(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    link = last_link(RECOVERY)
    scanner = Client()
    scanner.get(link)
    assert scanner.get("/activation/lien/").status_code == 200

    response = walker_for(staff, Client()).follow_link(link)

    assert response["Location"] == "/activation/charte/"
    assert flow_of(staff).state == State.AWAITING_CHARTER_ACCEPTANCE


# --- Resuming ---------------------------------------------------------------------------


def test_link_opened_in_another_browser_lets_the_activation_finish_there(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    first_browser = walker_for(staff)
    to_recovery_email_sent(first_browser)
    other = walker_for(staff, Client())

    assert other.follow_link(last_link(RECOVERY))["Location"] == "/activation/charte/"
    assert other.accept_charter()["Location"] == "/activation/annuaire/"
    assert other.choose_directory(True)["Location"] == "/activation/messagerie/"
    assert other.choose_forwarding(wants=False)["Location"] == "/activation/mot-de-passe/"
    assert other.set_password(NEW_PASSWORD)["Location"] == "/activation/termine/"
    assert other.client.get("/activation/termine/").status_code == 200
    assert account_of(staff).activated_at is not None


def test_person_who_left_after_the_charter_resumes_at_the_directory_step(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    to_directory(walker_for(staff))
    back = walker_for(staff, Client())
    back.identify()

    response = back.give_provisional_password()

    assert response.status_code == 302
    assert response["Location"] == "/activation/annuaire/"


# --- Changing an earlier answer ---------------------------------------------------------


def test_changing_the_recovery_address_from_step_7_returns_to_step_3_prefilled(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)

    response = walker.post("/activation/modifier/mail-de-secours/")

    assert response["Location"] == "/activation/mail-de-secours/"
    page = walker.client.get("/activation/mail-de-secours/")
    assert field(page, "recovery_email")["value"] == RECOVERY


def test_new_recovery_address_given_after_a_change_is_mailed_a_working_link(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding(walker)
    walker.post("/activation/modifier/mail-de-secours/")

    walker.give_recovery_email("nouvelle@example.org")

    assert walker.follow_link(last_link("nouvelle@example.org"))["Location"] == (
        "/activation/charte/"
    )
    flow = flow_of(staff)
    assert flow.recovery_email == "nouvelle@example.org"
    assert flow.recovery_email_verified_at is not None


def test_old_recovery_link_does_not_work_after_a_change_from_step_7(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    walker.identify()
    walker.give_provisional_password()
    walker.give_recovery_email(RECOVERY)
    old = last_link(RECOVERY)
    walker.follow_link(old)
    walker.accept_charter()
    walker.choose_directory(False)
    walker.post("/activation/modifier/mail-de-secours/")
    walker.give_recovery_email("nouvelle@example.org")

    response = walker_for(staff, Client()).follow_link(old)

    assert response.status_code == 410
    assert "Ce lien a déjà été utilisé" in text(response)
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL_CONFIRMATION


def test_pending_link_to_the_old_recovery_address_is_void_after_changing_it(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    old = last_link(RECOVERY)
    walker.post("/activation/modifier/mail-de-secours/")
    walker.give_recovery_email("nouvelle@example.org")

    response = walker_for(staff, Client()).follow_link(old)

    assert response.status_code == 400
    assert "Ce lien n'est plus valable" in text(response)
    assert flow_of(staff).recovery_email_verified_at is None


def test_pending_link_is_void_while_the_recovery_address_is_being_changed(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_recovery_email_sent(walker)
    old = last_link(RECOVERY)
    walker.post("/activation/modifier/mail-de-secours/")

    response = walker_for(staff, Client()).follow_link(old)

    assert response.status_code == 400
    assert flow_of(staff).state == State.AWAITING_RECOVERY_EMAIL


def test_pending_redirection_link_is_void_after_changing_the_redirection(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding_sent(walker)
    old = last_link(ELSEWHERE)
    walker.post("/activation/modifier/redirection/")
    walker.choose_forwarding(wants=False)

    response = walker_for(staff, Client()).follow_link(old)

    assert response.status_code == 400
    assert flow_of(staff).forwarding_verified_at is None


def test_changing_the_directory_choice_from_step_9_returns_to_step_6(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)

    response = walker.post("/activation/modifier/annuaire/")

    assert response["Location"] == "/activation/annuaire/"
    assert flow_of(staff).state == State.AWAITING_DIRECTORY_CHOICE


def test_new_directory_choice_made_after_a_change_is_kept(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_new_password(walker)
    walker.post("/activation/modifier/annuaire/")

    walker.choose_directory(True)
    walker.choose_forwarding(wants=False)
    walker.set_password(NEW_PASSWORD)

    assert account_of(staff).directory_consent is True


def test_changing_an_answer_after_activation_changes_nothing(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    activate(walker)

    response = walker.post("/activation/modifier/annuaire/")

    assert response["Location"] == "/activation/termine/"
    assert flow_of(staff).state == State.ACTIVATED
    assert account_of(staff).directory_consent is False


# --- Progress ---------------------------------------------------------------------------


def test_step_3_is_step_3_of_9_for_staff(staff: DemoPerson, walker_for: MakeWalker) -> None:
    walker = walker_for(staff)
    to_recovery_email(walker)

    page = text(walker.client.get("/activation/mail-de-secours/"))

    assert "Étape 3 sur 9" in page


def test_redirection_elsewhere_makes_step_8_of_10(
    staff: DemoPerson, walker_for: MakeWalker
) -> None:
    walker = walker_for(staff)
    to_forwarding_sent(walker)

    page = text(walker.client.get("/activation/messagerie/envoye/"))

    assert "Étape 8 sur 10" in page


# --- Category rules come from the settings ----------------------------------------------


def test_student_without_mailbox_goes_from_directory_straight_to_password(
    student: DemoPerson, walker_for: MakeWalker, settings: Any
) -> None:
    settings.PORTIQUE_CATEGORY_RULES = {
        **settings.PORTIQUE_CATEGORY_RULES,
        "student": {"mailbox": False},
    }
    walker = walker_for(student)
    to_directory(walker)

    response = walker.choose_directory(True)

    assert response["Location"] == "/activation/mot-de-passe/"
    assert flow_of(student).state == State.AWAITING_NEW_PASSWORD


def test_category_without_a_redirection_step_cannot_reopen_it(
    student: DemoPerson, walker_for: MakeWalker, settings: Any
) -> None:
    settings.PORTIQUE_CATEGORY_RULES = {
        **settings.PORTIQUE_CATEGORY_RULES,
        "student": {"mailbox": False},
    }
    walker = walker_for(student)
    to_directory(walker)
    walker.choose_directory(True)

    response = walker.post("/activation/modifier/redirection/")

    assert response["Location"] == "/activation/mot-de-passe/"
    assert flow_of(student).state == State.AWAITING_NEW_PASSWORD
