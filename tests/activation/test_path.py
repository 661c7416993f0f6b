"""The person's path and the step table, from the machine alone: no HTTP, no database."""

from dataclasses import dataclass

import pytest

from portique.activation import machine
from portique.activation.machine import FIRST_STEPS, STEPS, Answers, Number, path
from portique.activation.machine import State as S
from portique.core.models import OneTimeLink
from portique.helpdesk.selectors.funnel import FUNNEL_STAGES


@dataclass(frozen=True)
class Rules:
    has_forwarding_step: bool


WITH, WITHOUT = Rules(True), Rules(False)
ALL = list(range(1, 11))
NO_8 = [1, 2, 3, 4, 5, 6, 7, 9, 10]
NO_7_NOR_8 = [1, 2, 3, 4, 5, 6, 9, 10]

PATHS: list[tuple[str, Rules | None, Answers | None, list[int]]] = [
    ("before step 2, the category unknown", None, None, NO_8),
    ("a category with step 7, nothing chosen", WITH, Answers(), NO_8),
    ("a category without step 7", WITHOUT, Answers(), NO_7_NOR_8),
    (
        "waiting on the redirection's link",
        WITH,
        Answers(state=S.AWAITING_FORWARDING_CONFIRMATION),
        ALL,
    ),
    (
        "redirected to a new address",
        WITH,
        Answers(
            state=S.AWAITING_NEW_PASSWORD,
            recovery_email="ada@example.org",
            wants_forwarding=True,
            forwarding_address="ada@example.net",
        ),
        ALL,
    ),
    (
        "redirected to the recovery address, however typed",
        WITH,
        Answers(
            state=S.AWAITING_NEW_PASSWORD,
            recovery_email="ada@example.org",
            wants_forwarding=True,
            forwarding_address=" Ada@Example.org",
        ),
        NO_8,
    ),
    (
        "no redirection",
        WITH,
        Answers(state=S.AWAITING_NEW_PASSWORD, recovery_email="ada@example.org"),
        NO_8,
    ),
]


@pytest.mark.parametrize(
    ("rules", "answers", "numbers"),
    [case[1:] for case in PATHS],
    ids=[case[0] for case in PATHS],
)
def test_path_lists_the_steps_the_rules_and_answers_call_for(
    rules: Rules | None, answers: Answers | None, numbers: list[int]
) -> None:
    assert [step.number for step in path(rules, answers)] == numbers


def test_every_state_has_its_step_and_every_number_one_step() -> None:
    assert set(STEPS) == set(S)
    numbers = [step.number for step in (*FIRST_STEPS, *STEPS.values())]
    assert sorted(numbers) == list(Number)


def test_steps_are_numbered_in_the_order_of_the_states() -> None:
    assert [STEPS[state].number for state in S] == sorted(STEPS[state].number for state in S)


def test_pending_links_are_link_purposes_and_only_the_waiting_steps_have_one() -> None:
    pending = {state: step.pending_link for state, step in STEPS.items() if step.pending_link}

    assert pending == {
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION: OneTimeLink.Purpose.RECOVERY_EMAIL,
        S.AWAITING_FORWARDING_CONFIRMATION: OneTimeLink.Purpose.FORWARDING_ADDRESS,
    }


def test_funnel_stages_of_the_steps_are_stages_of_the_funnel() -> None:
    keys = [key for key, _label in FUNNEL_STAGES]
    stages = [keys.index(str(STEPS[state].funnel_stage)) for state in S]

    assert stages == sorted(stages)


def test_leave_is_offered_from_step_2_to_step_9() -> None:
    offered = [step.number for step in machine.STEP_NUMBERED.values() if step.offers_leave]

    assert sorted(offered) == list(range(2, 10))


def test_every_step_names_a_page_of_the_activation() -> None:
    from django.urls import reverse

    for step in machine.STEP_NUMBERED.values():
        assert reverse(step.url_name).startswith("/")
