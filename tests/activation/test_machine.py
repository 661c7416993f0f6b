"""The activation state machine: every legal move, a sample of illegal ones, and the diagram
beside the code drawing the same edges as the table."""

import re
from collections import deque
from pathlib import Path

import pytest

from portique.activation import machine
from portique.activation.machine import (
    INITIAL,
    TRANSITIONS,
    IllegalTransition,
    advance,
    allowed_events,
    is_final,
)
from portique.activation.machine import Event as E
from portique.activation.machine import State as S

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


def _mermaid_edges() -> set[tuple[str, str, str]]:
    """Return the (source, event, target) edges drawn in machine.mermaid."""
    text = (Path(machine.__file__).parent / "machine.mermaid").read_text()
    edges: set[tuple[str, str, str]] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("%%") or line == "stateDiagram-v2" or "[*]" in line:
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
