"""The activation, as a state machine: named states, events, and the only moves allowed.

Pure Python: no HTTP, no ORM. `machine.mermaid` beside this file draws the same edges, and a
test keeps the two in step. Steps 1 and 2 (identifier, provisional password) come before the
machine: a flow exists only once a person has proved they hold the letter.
"""

from enum import StrEnum


class State(StrEnum):
    AWAITING_RECOVERY_EMAIL = "awaiting_recovery_email"
    AWAITING_RECOVERY_EMAIL_CONFIRMATION = "awaiting_recovery_email_confirmation"
    AWAITING_CHARTER_ACCEPTANCE = "awaiting_charter_acceptance"
    AWAITING_DIRECTORY_CHOICE = "awaiting_directory_choice"
    AWAITING_FORWARDING_CHOICE = "awaiting_forwarding_choice"
    AWAITING_FORWARDING_CONFIRMATION = "awaiting_forwarding_confirmation"
    AWAITING_NEW_PASSWORD = "awaiting_new_password"  # noqa: S105 (a state name, not a secret)
    ACTIVATED = "activated"


class Event(StrEnum):
    GIVE_RECOVERY_EMAIL = "give_recovery_email"
    RESEND_RECOVERY_EMAIL_LINK = "resend_recovery_email_link"
    CONFIRM_RECOVERY_EMAIL = "confirm_recovery_email"
    ACCEPT_CHARTER = "accept_charter"
    CHOOSE_DIRECTORY_CONSENT = "choose_directory_consent"
    # For a category without a redirection step (no mailbox, or redirection "none").
    CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING = "choose_directory_consent_skipping_forwarding"
    DECLINE_FORWARDING = "decline_forwarding"
    # The redirection address is the recovery address, which step 4 already verified.
    CHOOSE_VERIFIED_FORWARDING = "choose_verified_forwarding"
    CHOOSE_FORWARDING = "choose_forwarding"
    RESEND_FORWARDING_LINK = "resend_forwarding_link"
    CONFIRM_FORWARDING = "confirm_forwarding"
    SET_PASSWORD = "set_password"  # noqa: S105 (an event name, not a secret)
    # Going back to change an earlier answer, allowed until the password is set.
    REVISE_RECOVERY_EMAIL = "revise_recovery_email"
    REVISE_DIRECTORY_CHOICE = "revise_directory_choice"
    REVISE_FORWARDING = "revise_forwarding"


class IllegalTransition(Exception):
    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"no move from {state} on {event}")
        self.state = state
        self.event = event


INITIAL = State.AWAITING_RECOVERY_EMAIL

S, E = State, Event

_FORWARD: dict[tuple[State, Event], State] = {
    (S.AWAITING_RECOVERY_EMAIL, E.GIVE_RECOVERY_EMAIL): S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
    (S.AWAITING_RECOVERY_EMAIL_CONFIRMATION, E.RESEND_RECOVERY_EMAIL_LINK): (
        S.AWAITING_RECOVERY_EMAIL_CONFIRMATION
    ),
    (S.AWAITING_RECOVERY_EMAIL_CONFIRMATION, E.CONFIRM_RECOVERY_EMAIL): (
        S.AWAITING_CHARTER_ACCEPTANCE
    ),
    (S.AWAITING_CHARTER_ACCEPTANCE, E.ACCEPT_CHARTER): S.AWAITING_DIRECTORY_CHOICE,
    (S.AWAITING_DIRECTORY_CHOICE, E.CHOOSE_DIRECTORY_CONSENT): S.AWAITING_FORWARDING_CHOICE,
    (S.AWAITING_DIRECTORY_CHOICE, E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING): (
        S.AWAITING_NEW_PASSWORD
    ),
    (S.AWAITING_FORWARDING_CHOICE, E.DECLINE_FORWARDING): S.AWAITING_NEW_PASSWORD,
    (S.AWAITING_FORWARDING_CHOICE, E.CHOOSE_VERIFIED_FORWARDING): S.AWAITING_NEW_PASSWORD,
    (S.AWAITING_FORWARDING_CHOICE, E.CHOOSE_FORWARDING): S.AWAITING_FORWARDING_CONFIRMATION,
    (S.AWAITING_FORWARDING_CONFIRMATION, E.RESEND_FORWARDING_LINK): (
        S.AWAITING_FORWARDING_CONFIRMATION
    ),
    (S.AWAITING_FORWARDING_CONFIRMATION, E.CONFIRM_FORWARDING): S.AWAITING_NEW_PASSWORD,
    (S.AWAITING_NEW_PASSWORD, E.SET_PASSWORD): S.ACTIVATED,
}

# Which earlier answer each "revise" event reopens, and the states it can be used from:
# every state after that answer was given, up to the password step.
_REVISIONS: dict[Event, tuple[State, tuple[State, ...]]] = {
    E.REVISE_RECOVERY_EMAIL: (
        S.AWAITING_RECOVERY_EMAIL,
        (
            S.AWAITING_RECOVERY_EMAIL_CONFIRMATION,
            S.AWAITING_CHARTER_ACCEPTANCE,
            S.AWAITING_DIRECTORY_CHOICE,
            S.AWAITING_FORWARDING_CHOICE,
            S.AWAITING_FORWARDING_CONFIRMATION,
            S.AWAITING_NEW_PASSWORD,
        ),
    ),
    E.REVISE_DIRECTORY_CHOICE: (
        S.AWAITING_DIRECTORY_CHOICE,
        (
            S.AWAITING_FORWARDING_CHOICE,
            S.AWAITING_FORWARDING_CONFIRMATION,
            S.AWAITING_NEW_PASSWORD,
        ),
    ),
    E.REVISE_FORWARDING: (
        S.AWAITING_FORWARDING_CHOICE,
        (S.AWAITING_FORWARDING_CONFIRMATION, S.AWAITING_NEW_PASSWORD),
    ),
}

TRANSITIONS: dict[tuple[State, Event], State] = {
    **_FORWARD,
    **{
        (source, event): target
        for event, (target, sources) in _REVISIONS.items()
        for source in sources
    },
}


def advance(state: State, event: Event) -> State:
    """Return the state that `event` leads to from `state`, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(State(state), Event(event))]
    except KeyError:
        raise IllegalTransition(State(state), Event(event)) from None


def allowed_events(state: State) -> set[Event]:
    """Return the events that `state` accepts."""
    return {event for (source, event) in TRANSITIONS if source == state}


def is_final(state: State) -> bool:
    return state == State.ACTIVATED
