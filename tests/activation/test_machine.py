"""The activation state machine: every legal move, a sample of illegal ones, and the diagram
beside the code drawing the same edges as the table."""

import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

from portique.activation import machine
from portique.activation.machine import (
    INITIAL,
    TRANSITIONS,
    Answers,
    IllegalTransition,
    allowed_events,
    is_final,
    revisions_allowed,
)
from portique.activation.machine import Event as E
from portique.activation.machine import State as S


@dataclass(frozen=True)
class Rules:
    has_forwarding_step: bool


WITH_FORWARDING = Rules(has_forwarding_step=True)
WITHOUT_FORWARDING = Rules(has_forwarding_step=False)

# The rules and answers under which each guarded edge of the table is the one taken.
_DECLINED = Answers(wants_forwarding=False)
_TO_RECOVERY = Answers(
    recovery_email="ada@example.org", wants_forwarding=True, forwarding_address="ADA@example.org "
)
_TO_ELSEWHERE = Answers(
    recovery_email="ada@example.org", wants_forwarding=True, forwarding_address="ada@example.net"
)
CONDITIONS: dict[E, tuple[Rules, Answers | None]] = {
    E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING: (WITHOUT_FORWARDING, None),
    E.DECLINE_FORWARDING: (WITH_FORWARDING, _DECLINED),
    E.CHOOSE_VERIFIED_FORWARDING: (WITH_FORWARDING, _TO_RECOVERY),
    E.CHOOSE_FORWARDING: (WITH_FORWARDING, _TO_ELSEWHERE),
}


def advance(state: S, event: E) -> S:
    """The machine's advance under the rules and answers that let `event`'s edge be taken."""
    rules, answers = CONDITIONS.get(E(event), (WITH_FORWARDING, None))
    return machine.advance(state, event, rules=rules, answers=answers)


# Written out by hand from the seed's steps 3 to 9, not derived from TRANSITIONS.
EXPECTED_MOVES: list[tuple[S, E, S]] = [
    # Step 3: the recovery address is given, step 4 mails a link to it.
    (S.AWAITING_RECOVERY_EMAIL, E.GIVE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL_CONFIRMATION),
    (
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
        E.RESEND_RECOVERY_EMAIL_LINK,
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
    ),
    (
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
        E.CONFIRM_RECOVERY_EMAIL,
        S.AWAITING_CHARTER_ACCEPTANCE,
    ),
    # Step 5: the charter.
    (S.AWAITING_CHARTER_ACCEPTANCE, E.ACCEPT_CHARTER, S.AWAITING_DIRECTORY_CHOICE),
    # Step 6: the public directory, then the mailbox step or straight to the password.
    (S.AWAITING_DIRECTORY_CHOICE, E.CHOOSE_DIRECTORY_CONSENT, S.AWAITING_FORWARDING_CHOICE),
    (
        S.AWAITING_DIRECTORY_CHOICE,
        E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING,
        S.AWAITING_NEW_PASSWORD,
    ),
    # Steps 7, 7-1, 7 bis and 8: the redirection.
    (S.AWAITING_FORWARDING_CHOICE, E.DECLINE_FORWARDING, S.AWAITING_NEW_PASSWORD),
    (S.AWAITING_FORWARDING_CHOICE, E.CHOOSE_VERIFIED_FORWARDING, S.AWAITING_NEW_PASSWORD),
    (S.AWAITING_FORWARDING_CHOICE, E.CHOOSE_FORWARDING, S.AWAITING_FORWARDING_CONFIRMATION),
    (
        S.AWAITING_FORWARDING_CONFIRMATION,
        E.RESEND_FORWARDING_LINK,
        S.AWAITING_FORWARDING_CONFIRMATION,
    ),
    (S.AWAITING_FORWARDING_CONFIRMATION, E.CONFIRM_FORWARDING, S.AWAITING_NEW_PASSWORD),
    # Step 9: the password ends the activation.
    (S.AWAITING_NEW_PASSWORD, E.SET_PASSWORD, S.ACTIVATED),
    # "Modifier l'adresse mail de secours", from any step after it, up to the password.
    (
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
        E.REVISE_RECOVERY_EMAIL,
        S.AWAITING_RECOVERY_EMAIL,
    ),
    (S.AWAITING_CHARTER_ACCEPTANCE, E.REVISE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL),
    (S.AWAITING_DIRECTORY_CHOICE, E.REVISE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL),
    (S.AWAITING_FORWARDING_CHOICE, E.REVISE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL),
    (S.AWAITING_FORWARDING_CONFIRMATION, E.REVISE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL),
    (S.AWAITING_NEW_PASSWORD, E.REVISE_RECOVERY_EMAIL, S.AWAITING_RECOVERY_EMAIL),
    # Back to the directory choice, from any step after it, up to the password.
    (S.AWAITING_FORWARDING_CHOICE, E.REVISE_DIRECTORY_CHOICE, S.AWAITING_DIRECTORY_CHOICE),
    (
        S.AWAITING_FORWARDING_CONFIRMATION,
        E.REVISE_DIRECTORY_CHOICE,
        S.AWAITING_DIRECTORY_CHOICE,
    ),
    (S.AWAITING_NEW_PASSWORD, E.REVISE_DIRECTORY_CHOICE, S.AWAITING_DIRECTORY_CHOICE),
    # "Modifier l'adresse mail de redirection", up to the password.
    (S.AWAITING_FORWARDING_CONFIRMATION, E.REVISE_FORWARDING, S.AWAITING_FORWARDING_CHOICE),
    (S.AWAITING_NEW_PASSWORD, E.REVISE_FORWARDING, S.AWAITING_FORWARDING_CHOICE),
]

EXPECTED_ALLOWED: dict[S, set[E]] = {
    S.AWAITING_RECOVERY_EMAIL: {E.GIVE_RECOVERY_EMAIL},
    S.AWAITING_RECOVERY_EMAIL_CONFIRMATION: {
        E.RESEND_RECOVERY_EMAIL_LINK,
        E.CONFIRM_RECOVERY_EMAIL,
        E.REVISE_RECOVERY_EMAIL,
    },
    S.AWAITING_CHARTER_ACCEPTANCE: {E.ACCEPT_CHARTER, E.REVISE_RECOVERY_EMAIL},
    S.AWAITING_DIRECTORY_CHOICE: {
        E.CHOOSE_DIRECTORY_CONSENT,
        E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING,
        E.REVISE_RECOVERY_EMAIL,
    },
    S.AWAITING_FORWARDING_CHOICE: {
        E.DECLINE_FORWARDING,
        E.CHOOSE_VERIFIED_FORWARDING,
        E.CHOOSE_FORWARDING,
        E.REVISE_RECOVERY_EMAIL,
        E.REVISE_DIRECTORY_CHOICE,
    },
    S.AWAITING_FORWARDING_CONFIRMATION: {
        E.RESEND_FORWARDING_LINK,
        E.CONFIRM_FORWARDING,
        E.REVISE_RECOVERY_EMAIL,
        E.REVISE_DIRECTORY_CHOICE,
        E.REVISE_FORWARDING,
    },
    S.AWAITING_NEW_PASSWORD: {
        E.SET_PASSWORD,
        E.REVISE_RECOVERY_EMAIL,
        E.REVISE_DIRECTORY_CHOICE,
        E.REVISE_FORWARDING,
    },
    S.ACTIVATED: set(),
}

ILLEGAL_MOVES: list[tuple[S, E]] = [
    # Skipping steps.
    (S.AWAITING_RECOVERY_EMAIL, E.SET_PASSWORD),
    (S.AWAITING_RECOVERY_EMAIL, E.ACCEPT_CHARTER),
    (S.AWAITING_RECOVERY_EMAIL_CONFIRMATION, E.ACCEPT_CHARTER),
    (S.AWAITING_CHARTER_ACCEPTANCE, E.CHOOSE_DIRECTORY_CONSENT),
    (S.AWAITING_DIRECTORY_CHOICE, E.SET_PASSWORD),
    (S.AWAITING_FORWARDING_CHOICE, E.SET_PASSWORD),
    (S.AWAITING_FORWARDING_CONFIRMATION, E.SET_PASSWORD),
    # Confirming a link in the wrong state.
    (S.AWAITING_RECOVERY_EMAIL, E.CONFIRM_RECOVERY_EMAIL),
    (S.AWAITING_CHARTER_ACCEPTANCE, E.CONFIRM_RECOVERY_EMAIL),
    (S.AWAITING_NEW_PASSWORD, E.CONFIRM_RECOVERY_EMAIL),
    (S.AWAITING_FORWARDING_CHOICE, E.CONFIRM_FORWARDING),
    (S.AWAITING_NEW_PASSWORD, E.CONFIRM_FORWARDING),
    (S.AWAITING_RECOVERY_EMAIL_CONFIRMATION, E.CONFIRM_FORWARDING),
    # Resending a link that was never sent.
    (S.AWAITING_RECOVERY_EMAIL, E.RESEND_RECOVERY_EMAIL_LINK),
    (S.AWAITING_FORWARDING_CHOICE, E.RESEND_FORWARDING_LINK),
    # Giving the recovery address twice without revising it.
    (S.AWAITING_CHARTER_ACCEPTANCE, E.GIVE_RECOVERY_EMAIL),
    # Revising an answer not given yet.
    (S.AWAITING_RECOVERY_EMAIL, E.REVISE_RECOVERY_EMAIL),
    (S.AWAITING_CHARTER_ACCEPTANCE, E.REVISE_DIRECTORY_CHOICE),
    (S.AWAITING_DIRECTORY_CHOICE, E.REVISE_FORWARDING),
    (S.AWAITING_FORWARDING_CHOICE, E.REVISE_FORWARDING),
    # Nothing moves once the account is activated.
    *((S.ACTIVATED, event) for event in E),
]


@pytest.mark.parametrize(("state", "event", "target"), EXPECTED_MOVES)
def test_legal_move_reaches_its_target(state: S, event: E, target: S) -> None:
    assert advance(state, event) == target


def test_table_has_exactly_the_expected_moves() -> None:
    expected = {(state, event): target for state, event, target in EXPECTED_MOVES}

    assert expected == TRANSITIONS


@pytest.mark.parametrize(("state", "event"), ILLEGAL_MOVES)
def test_illegal_move_raises_illegal_transition(state: S, event: E) -> None:
    with pytest.raises(IllegalTransition) as raised:
        advance(state, event)

    assert (raised.value.state, raised.value.event) == (state, event)


def test_advance_accepts_plain_strings_as_stored_in_the_database() -> None:
    assert advance("awaiting_new_password", "set_password") == S.ACTIVATED  # type: ignore[arg-type]


def test_advance_with_an_unknown_event_name_raises_value_error() -> None:
    with pytest.raises(ValueError, match="no_such_event"):
        advance(S.AWAITING_RECOVERY_EMAIL, "no_such_event")  # type: ignore[arg-type]


@pytest.mark.parametrize(("state", "events"), EXPECTED_ALLOWED.items())
def test_allowed_events_lists_what_the_state_accepts(state: S, events: set[E]) -> None:
    assert allowed_events(state) == events


@pytest.mark.parametrize("state", list(S))
def test_only_activated_is_final(state: S) -> None:
    assert is_final(state) is (state == S.ACTIVATED)


MERMAID_EDGE = re.compile(r"^(\w+) --> (\w+) : (\w+)$")
MERMAID_STEP = re.compile(r"^(\w+) : step (\d+)$")


def _mermaid_lines() -> list[str]:
    text = (Path(machine.__file__).parent / "machine.mermaid").read_text()
    return [line.strip() for line in text.splitlines()]


def _mermaid_edges() -> set[tuple[str, str, str]]:
    """Return the (source, event, target) edges drawn in machine.mermaid."""
    edges: set[tuple[str, str, str]] = set()
    for line in _mermaid_lines():
        if not line or line.startswith("%%") or line == "stateDiagram-v2" or "[*]" in line:
            continue
        if MERMAID_STEP.match(line):
            continue
        found = MERMAID_EDGE.match(line)
        # A line that is neither an edge nor skipped above is a drawing the test cannot check.
        assert found, f"unexpected line in machine.mermaid: {line!r}"
        source, target, event = found.groups()
        edges.add((source, event, target))
    return edges


def _table_edges() -> set[tuple[str, str, str]]:
    return {(str(s), str(e), str(t)) for (s, e), t in TRANSITIONS.items()}


def test_mermaid_draws_every_edge_of_the_table() -> None:
    assert _table_edges() - _mermaid_edges() == set()


def test_mermaid_draws_no_edge_missing_from_the_table() -> None:
    assert _mermaid_edges() - _table_edges() == set()


def test_mermaid_numbers_each_state_as_the_step_table_does() -> None:
    drawn = {
        found.group(1): int(found.group(2))
        for line in _mermaid_lines()
        if (found := MERMAID_STEP.match(line))
    }

    assert drawn == {str(state): int(step.number) for state, step in machine.STEPS.items()}


def _reachable_from(start: S) -> set[S]:
    seen = {start}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for event in allowed_events(state):
            target = advance(state, event)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_every_state_is_reachable_from_the_initial_state() -> None:
    assert _reachable_from(INITIAL) == set(S)


@pytest.mark.parametrize("state", [s for s in S if s != S.ACTIVATED])
def test_activated_is_reachable_from_every_unfinished_state(state: S) -> None:
    assert S.ACTIVATED in _reachable_from(state)


# --- The rules choose the edge -------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "answers", "target"),
    [
        (WITH_FORWARDING, None, S.AWAITING_FORWARDING_CHOICE),
        (WITHOUT_FORWARDING, None, S.AWAITING_NEW_PASSWORD),
    ],
)
def test_directory_choice_leads_to_step_7_only_when_the_category_has_it(
    rules: Rules, answers: Answers | None, target: S
) -> None:
    assert (
        machine.advance(
            S.AWAITING_DIRECTORY_CHOICE, E.CHOOSE_DIRECTORY_CONSENT, rules=rules, answers=answers
        )
        == target
    )


@pytest.mark.parametrize(
    ("answers", "target"),
    [
        (_DECLINED, S.AWAITING_NEW_PASSWORD),
        (_TO_RECOVERY, S.AWAITING_NEW_PASSWORD),
        (_TO_ELSEWHERE, S.AWAITING_FORWARDING_CONFIRMATION),
    ],
)
def test_forwarding_choice_needs_a_link_only_for_an_address_not_yet_verified(
    answers: Answers, target: S
) -> None:
    assert (
        machine.advance(
            S.AWAITING_FORWARDING_CHOICE,
            E.CHOOSE_FORWARDING,
            rules=WITH_FORWARDING,
            answers=answers,
        )
        == target
    )


@pytest.mark.parametrize(
    ("event", "rules", "answers"),
    [
        (E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING, WITH_FORWARDING, None),
        (E.DECLINE_FORWARDING, WITH_FORWARDING, _TO_ELSEWHERE),
        (E.CHOOSE_VERIFIED_FORWARDING, WITH_FORWARDING, _TO_ELSEWHERE),
        (E.CHOOSE_VERIFIED_FORWARDING, WITH_FORWARDING, _DECLINED),
    ],
)
def test_an_edge_whose_rule_does_not_hold_is_refused(
    event: E, rules: Rules, answers: Answers | None
) -> None:
    source = next(s for (s, e) in TRANSITIONS if e == event)

    with pytest.raises(IllegalTransition):
        machine.advance(source, event, rules=rules, answers=answers)


@pytest.mark.parametrize("state", [S.AWAITING_FORWARDING_CONFIRMATION, S.AWAITING_NEW_PASSWORD])
def test_a_category_without_step_7_cannot_revise_its_way_back_to_it(state: S) -> None:
    with pytest.raises(IllegalTransition):
        machine.advance(state, E.REVISE_FORWARDING, rules=WITHOUT_FORWARDING)


REVISIONS_ALLOWED: list[tuple[S, Rules, set[E]]] = [
    (S.AWAITING_RECOVERY_EMAIL, WITH_FORWARDING, set()),
    (S.AWAITING_RECOVERY_EMAIL_CONFIRMATION, WITH_FORWARDING, {E.REVISE_RECOVERY_EMAIL}),
    (S.AWAITING_CHARTER_ACCEPTANCE, WITH_FORWARDING, {E.REVISE_RECOVERY_EMAIL}),
    (S.AWAITING_DIRECTORY_CHOICE, WITH_FORWARDING, {E.REVISE_RECOVERY_EMAIL}),
    (
        S.AWAITING_FORWARDING_CHOICE,
        WITH_FORWARDING,
        {E.REVISE_RECOVERY_EMAIL, E.REVISE_DIRECTORY_CHOICE},
    ),
    (
        S.AWAITING_FORWARDING_CONFIRMATION,
        WITH_FORWARDING,
        {E.REVISE_RECOVERY_EMAIL, E.REVISE_DIRECTORY_CHOICE, E.REVISE_FORWARDING},
    ),
    (
        S.AWAITING_NEW_PASSWORD,
        WITH_FORWARDING,
        {E.REVISE_RECOVERY_EMAIL, E.REVISE_DIRECTORY_CHOICE, E.REVISE_FORWARDING},
    ),
    (
        S.AWAITING_NEW_PASSWORD,
        WITHOUT_FORWARDING,
        {E.REVISE_RECOVERY_EMAIL, E.REVISE_DIRECTORY_CHOICE},
    ),
    (S.ACTIVATED, WITH_FORWARDING, set()),
]


@pytest.mark.parametrize(("state", "rules", "expected"), REVISIONS_ALLOWED)
def test_revisions_allowed_are_the_modifier_buttons_shown(
    state: S, rules: Rules, expected: set[E]
) -> None:
    assert revisions_allowed(state, rules) == expected
