"""The live checklist of step 9: POST /activation/mot-de-passe/regles/ judges the typed
password by the server's own validators, and the page lists the same rules."""

import html
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.test import Client

from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.activation.services import activation_password_subject
from portique.passwords.validators import password_rules, rules_report
from tests.conftest import Walker
from tests.factories import DemoPerson, PersonFactory
from tests.passwords.test_validators import (
    ALL_CODES,
    ISSUE_MUST_ACCEPT,
    ISSUE_MUST_REFUSE,
    JEAN_PIERRE,
    JEAN_PIERRE_PROVISIONAL_PASSWORD,
    PASSWORD_TABLE,
    code_of,
)

RULES_URL = "/activation/mot-de-passe/regles/"
STEP_9_URL = "/activation/mot-de-passe/"

SEED_WORDINGS = [
    "doit contenir au minimum 8 caractères",
    "doit contenir au moins une lettre et un chiffre",
    "ne doit pas contenir un mot du dictionnaire",
    "ne doit pas contenir votre nom ou prénom",
    'ne doit pas contenir de caractères accentués ou les caractères spéciaux <, >, ", ,, *',
]


def reach_new_password(walker: Walker) -> Any:
    """Steps 1 to 8; returns the response that sends the person to step 9."""
    walker.reach_charter()
    walker.accept_charter()
    walker.choose_directory(False)
    return walker.choose_forwarding(wants=False)


@pytest.fixture
def at_step_9(staff: DemoPerson, walker_for: Any) -> Walker:
    walker: Walker = walker_for(staff)
    response = reach_new_password(walker)
    assert response.status_code == 302
    assert response["Location"] == STEP_9_URL
    return walker


@pytest.fixture
def jean_pierre_at_step_9(db: None, walker_for: Any) -> Walker:
    """Jean-Pierre Dupont at step 9: the person of the validators' table, so that its
    verdicts hold here too (his provisional password included)."""
    person = PersonFactory(
        login=JEAN_PIERRE.login,
        first_name=JEAN_PIERRE.first_name,
        last_name=JEAN_PIERRE.last_name,
        category="staff",
        provisional_password=JEAN_PIERRE_PROVISIONAL_PASSWORD,
    )
    walker: Walker = walker_for(person)
    assert reach_new_password(walker)["Location"] == STEP_9_URL
    return walker


def check(walker: Walker, password: str) -> dict[str, Any]:
    response = walker.post(RULES_URL, {"password": password})
    assert response.status_code == 200
    report: dict[str, Any] = response.json()
    return report


def configured_rule_ids(settings: Any) -> list[str]:
    return [entry["NAME"].rsplit(".", 1)[-1] for entry in settings.AUTH_PASSWORD_VALIDATORS]


def server_refusals(password: str) -> set[str]:
    """The codes validate_password raises for the flow's person, as step 9's form does."""
    flow = ActivationFlow.objects.get(login=JEAN_PIERRE.login)
    try:
        validate_password(password, user=activation_password_subject(flow))  # type: ignore[arg-type]
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


# --- What the checklist answers -------------------------------------------------------------


def test_checklist_lists_every_configured_rule_in_order(at_step_9: Walker, settings: Any) -> None:
    report = check(at_step_9, "soleil2024")

    assert [rule["id"] for rule in report["rules"]] == configured_rule_ids(settings)


def test_checklist_follows_the_order_of_the_setting(at_step_9: Walker, settings: Any) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = settings.AUTH_PASSWORD_VALIDATORS[::-1]

    report = check(at_step_9, "soleil2024")

    assert [rule["id"] for rule in report["rules"]] == configured_rule_ids(settings)


def test_checklist_lists_the_strength_rule_when_it_is_configured(
    at_step_9: Walker, settings: Any
) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": "portique.passwords.validators.StrengthValidator", "OPTIONS": {"min_score": 4}},
    ]

    report = check(at_step_9, "Kq7wz3Rm")

    assert [(r["id"], r["ok"]) for r in report["rules"] if not r["ok"]] == [
        ("StrengthValidator", False)
    ]


def test_checklist_gives_each_rule_an_ok_flag(at_step_9: Walker) -> None:
    report = check(at_step_9, "soleil2024")

    assert {rule["id"]: rule["ok"] for rule in report["rules"]} == {
        "MinimumLengthValidator": True,
        "LetterAndDigitValidator": True,
        "DictionaryWordValidator": False,
        "PersonalInformationValidator": True,
        "ForbiddenCharactersValidator": True,
        "CommonPasswordValidator": False,
        "NotProvisionalPasswordValidator": True,
    }


def test_checklist_gives_the_message_of_each_broken_rule(at_step_9: Walker) -> None:
    report = check(at_step_9, "soleil2024")

    assert {r["id"]: r["messages"] for r in report["rules"] if not r["ok"]} == {
        "DictionaryWordValidator": ["Le mot de passe ne doit pas contenir un mot du dictionnaire."],
        "CommonPasswordValidator": ["Ce mot de passe fait partie des plus utilisés."],
    }


def test_checklist_sums_up_the_rules_met(at_step_9: Walker) -> None:
    report = check(at_step_9, "soleil2024")

    assert report["summary"] == "5 règles respectées sur 7"


def test_checklist_sums_up_a_good_password_as_every_rule_met(at_step_9: Walker) -> None:
    report = check(at_step_9, "8cheval-agrafe-pile-Z")

    assert report["summary"] == "7 règles respectées sur 7"


def test_empty_password_gets_no_rule_judged(at_step_9: Walker) -> None:
    report = check(at_step_9, "")

    assert report == {"rules": [], "summary": ""}


def test_checklist_answer_is_not_stored_by_any_cache(at_step_9: Walker) -> None:
    response = at_step_9.post(RULES_URL, {"password": "soleil2024"})

    assert "no-store" in response["Cache-Control"]


# --- The checklist agrees with the server ---------------------------------------------------


def first_breaking_each_rule() -> list[str]:
    """The first password of the table that breaks each rule. Not the empty one: the
    checklist does not judge it, and the form refuses it as a missing answer."""
    return [
        next(password for password, codes in PASSWORD_TABLE if password and code in codes)
        for code in sorted(ALL_CODES)
    ]


def table_sample() -> list[tuple[str, set[str]]]:
    """The issue's examples, and the first password of the table that breaks each rule."""
    chosen = {*ISSUE_MUST_REFUSE, *ISSUE_MUST_ACCEPT, *first_breaking_each_rule()}
    return [(password, codes) for password, codes in PASSWORD_TABLE if password in chosen]


SAMPLE = table_sample()
SAMPLE_IDS = [repr(password) for password, _ in SAMPLE]


@pytest.mark.parametrize(("password", "codes"), SAMPLE, ids=SAMPLE_IDS)
def test_checklist_refuses_what_the_server_refuses(
    jean_pierre_at_step_9: Walker, password: str, codes: set[str]
) -> None:
    report = check(jean_pierre_at_step_9, password)

    broken = {code_of(r["id"], r["messages"]) for r in report["rules"] if not r["ok"]}

    assert broken == server_refusals(password) == codes


# --- Who may ask ----------------------------------------------------------------------------


def test_checklist_without_a_flow_redirects_to_step_1(client: Client, db: None) -> None:
    response = client.post(RULES_URL, {"password": "soleil2024"})

    assert response.status_code == 302
    assert response["Location"] == "/activation/identifiant/"


def test_checklist_without_a_flow_says_nothing_of_the_password(client: Client, db: None) -> None:
    response = client.post(RULES_URL, {"password": "soleil2024"})

    assert response.content == b""


def test_checklist_before_step_9_redirects_to_the_current_step(
    staff: DemoPerson, walker_for: Any
) -> None:
    walker: Walker = walker_for(staff)
    walker.reach_charter()

    response = walker.post(RULES_URL, {"password": "soleil2024"})

    assert (response.status_code, response["Location"], response.content) == (
        302,
        "/activation/charte/",
        b"",
    )


# --- The page of step 9 ---------------------------------------------------------------------


class RuleItems(HTMLParser):
    """Collect the checklist's items: each <li data-rule="..."> and the text it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        rule = dict(attrs).get("data-rule")
        if tag == "li" and rule:
            self._current = rule
            self.items[rule] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current:
            self.items[self._current] += data


def rule_items(page: str) -> dict[str, str]:
    parser = RuleItems()
    parser.feed(page)
    return {rule: text.strip() for rule, text in parser.items.items()}


def test_step_9_lists_each_configured_rule_with_its_help_text(
    at_step_9: Walker, settings: Any
) -> None:
    page = at_step_9.client.get(STEP_9_URL).content.decode()

    assert rule_items(page) == {rule.id: rule.help_text for rule in password_rules()}
    assert list(rule_items(page)) == configured_rule_ids(settings)


@pytest.mark.parametrize("wording", SEED_WORDINGS)
def test_step_9_lists_the_seed_rule(at_step_9: Walker, wording: str) -> None:
    page = at_step_9.client.get(STEP_9_URL).content.decode()

    assert wording in rule_items(page).values()


def test_step_9_includes_the_checklist_script(at_step_9: Walker) -> None:
    page = at_step_9.client.get(STEP_9_URL).content.decode()

    assert f'<script src="{static("portique/password.js")}" defer></script>' in page


def test_step_9_form_tells_the_script_where_to_ask(at_step_9: Walker) -> None:
    page = at_step_9.client.get(STEP_9_URL).content.decode()

    assert f'data-password-rules-url="{RULES_URL}"' in page


# --- The form of step 9 says why it refuses -------------------------------------------------

REFUSED_EXAMPLES = list(dict.fromkeys([*ISSUE_MUST_REFUSE, *first_breaking_each_rule()]))


@pytest.mark.parametrize("password", REFUSED_EXAMPLES)
def test_refused_password_shows_the_message_of_each_broken_rule(
    jean_pierre_at_step_9: Walker, password: str
) -> None:
    messages = [m for r in rules_report(password, JEAN_PIERRE) if not r.ok for m in r.messages]
    assert messages

    response = jean_pierre_at_step_9.set_password(password)

    assert response.status_code == 200
    page = response.content.decode()
    assert [m for m in messages if html.escape(m) not in page] == []


def test_refused_password_keeps_the_person_at_step_9(jean_pierre_at_step_9: Walker) -> None:
    jean_pierre_at_step_9.set_password("soleil2024")

    flow = ActivationFlow.objects.get(login=JEAN_PIERRE.login)
    assert flow.current_state == State.AWAITING_NEW_PASSWORD


def test_checklist_answer_is_json(at_step_9: Walker) -> None:
    response = at_step_9.post(RULES_URL, {"password": "soleil2024"})

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["rules"]
