"""The activation, as a state machine: named states, events, the only moves allowed, the
rules that choose between them, and one table of what each step is.

Pure Python: no HTTP, no ORM (the labels are lazy translations, nothing more of Django). The
category's rules and the answers given so far are inputs: nothing outside this module
decides which step comes next. `machine.mermaid` beside this file draws the same edges, and
a test keeps the two in step. Steps 1 and 2 (identifier, provisional password) come before
the machine: a flow exists only once a person has proved they hold the letter.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


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


class PathRules(Protocol):
    """What the machine reads of a category's rules (accounts.rules.CategoryRules)."""

    @property
    def has_forwarding_step(self) -> bool: ...


@dataclass(frozen=True)
class Answers:
    """The answers that choose the path: where the flow is and the addresses given so far.
    At step 7, `wants_forwarding` and `forwarding_address` are the choice being made."""

    state: State = INITIAL
    recovery_email: str = ""
    wants_forwarding: bool | None = None
    forwarding_address: str = ""


def same_address(a: str, b: str) -> bool:
    """Tell whether two mail addresses are the same, as the person would read them."""
    return a.strip().lower() == b.strip().lower()


def _forwards_to_verified(answers: Answers) -> bool:
    # The recovery address was verified at step 4: as the redirection, it needs no link.
    return bool(answers.wants_forwarding) and same_address(
        answers.forwarding_address, answers.recovery_email
    )


Guard = Callable[[PathRules, Answers], bool]

# When an edge of TRANSITIONS may be taken; an edge not listed always may.
_GUARDS: dict[Event, Guard] = {
    E.CHOOSE_DIRECTORY_CONSENT: lambda rules, _answers: rules.has_forwarding_step,
    E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING: (
        lambda rules, _answers: not rules.has_forwarding_step
    ),
    E.DECLINE_FORWARDING: lambda _rules, answers: not answers.wants_forwarding,
    E.CHOOSE_VERIFIED_FORWARDING: lambda _rules, answers: _forwards_to_verified(answers),
    E.CHOOSE_FORWARDING: (
        lambda _rules, answers: (
            bool(answers.wants_forwarding) and not _forwards_to_verified(answers)
        )
    ),
    # The table allows it from step 9 whatever the category; one without a redirection step
    # must not reach step 7 that way.
    E.REVISE_FORWARDING: lambda rules, _answers: rules.has_forwarding_step,
}

# What the person does, and the edges it may take: the one whose guard holds.
_CHOICES: dict[Event, tuple[Event, ...]] = {
    E.CHOOSE_DIRECTORY_CONSENT: (
        E.CHOOSE_DIRECTORY_CONSENT,
        E.CHOOSE_DIRECTORY_CONSENT_SKIPPING_FORWARDING,
    ),
    E.CHOOSE_FORWARDING: (
        E.DECLINE_FORWARDING,
        E.CHOOSE_VERIFIED_FORWARDING,
        E.CHOOSE_FORWARDING,
    ),
}


def _holds(event: Event, rules: PathRules, answers: Answers) -> bool:
    guard = _GUARDS.get(event)
    return guard is None or guard(rules, answers)


def advance(
    state: State, event: Event, *, rules: PathRules, answers: Answers | None = None
) -> State:
    """Return the state that `event` leads to from `state` under the category's `rules` and
    the `answers` given, or raise IllegalTransition.

    `choose_directory_consent` and `choose_forwarding` are what the person does; the machine
    picks the edge (skipping step 7, declining, the verified address or a new one).
    """
    state, event = State(state), Event(event)
    answers = answers or Answers(state=state)
    for edge in _CHOICES.get(event, (event,)):
        target = TRANSITIONS.get((state, edge))
        if target is not None and _holds(edge, rules, answers):
            return target
    raise IllegalTransition(state, event)


def allowed_events(state: State) -> set[Event]:
    """Return the edges that leave `state` in the table, whatever the rules."""
    return {event for (source, event) in TRANSITIONS if source == state}


def revisions_allowed(state: State, rules: PathRules) -> set[Event]:
    """Return the "Modifier" revisions that `state` allows under the category's rules."""
    return {
        event
        for event in _REVISIONS
        if (State(state), event) in TRANSITIONS and _holds(event, rules, Answers(state=state))
    }


def is_final(state: State) -> bool:
    return state == State.ACTIVATED


# --- The steps ------------------------------------------------------------------------


class Number(IntEnum):
    """The seed's numbered steps."""

    IDENTIFIER = 1
    PROVISIONAL_PASSWORD = 2
    RECOVERY_EMAIL = 3
    RECOVERY_EMAIL_SENT = 4
    CHARTER = 5
    DIRECTORY = 6
    FORWARDING = 7
    FORWARDING_SENT = 8
    NEW_PASSWORD = 9
    DONE = 10


@dataclass(frozen=True)
class Step:
    """What a step is, for every page and count that shows it."""

    number: Number
    # The activation's page of the step.
    url_name: str
    # Its name on the helpdesk's person page.
    label: "StrOrPromise"
    # The purpose (core.models.OneTimeLink.Purpose) of the mailed link the step waits on.
    pending_link: str | None = None
    # The outbox kind of the mail carrying that link, whose fate the step's page shows.
    pending_mail: str | None = None
    # The key, in the helpdesk's funnel, of the furthest stage a person at this step reached.
    funnel_stage: str | None = None
    # The audit action that records the step done, to date it when the flow has no field.
    done_action: str = ""
    # « Quitter » is offered from step 2, where the session starts holding the person's
    # answers, to step 9; step 10 offers to log in instead.
    offers_leave: bool = True


N = Number

# Steps 1 and 2, before a flow exists.
FIRST_STEPS: tuple[Step, ...] = (
    Step(N.IDENTIFIER, "activation:identifier", _("Identifiant"), offers_leave=False),
    Step(N.PROVISIONAL_PASSWORD, "activation:provisional_password", _("Mot de passe provisoire")),
)

STEPS: dict[State, Step] = {
    S.AWAITING_RECOVERY_EMAIL: Step(
        N.RECOVERY_EMAIL, "activation:recovery_email", _("Adresse mail de secours"),
        funnel_stage="provisional_password_accepted", done_action="recovery_email_given",
    ),
    S.AWAITING_RECOVERY_EMAIL_CONFIRMATION: Step(
        N.RECOVERY_EMAIL_SENT, "activation:recovery_email_sent",
        _("Confirmation de l'adresse de secours"), pending_link="recovery_email",
        pending_mail="recovery_email",
        funnel_stage="recovery_email_given", done_action="recovery_email_confirmed",
    ),
    S.AWAITING_CHARTER_ACCEPTANCE: Step(
        N.CHARTER, "activation:charter", _("Charte informatique"),
        funnel_stage="recovery_email_confirmed", done_action="charter_accepted",
    ),
    S.AWAITING_DIRECTORY_CHOICE: Step(
        N.DIRECTORY, "activation:directory", _("Annuaire"),
        funnel_stage="charter_accepted", done_action="directory_consent_chosen",
    ),
    S.AWAITING_FORWARDING_CHOICE: Step(
        N.FORWARDING, "activation:forwarding", _("Messagerie (redirection)"),
        funnel_stage="directory_chosen", done_action="forwarding_chosen",
    ),
    S.AWAITING_FORWARDING_CONFIRMATION: Step(
        N.FORWARDING_SENT, "activation:forwarding_sent", _("Confirmation de la redirection"),
        pending_link="forwarding_address", pending_mail="forwarding_address",
        funnel_stage="directory_chosen",
        done_action="forwarding_address_confirmed",
    ),
    S.AWAITING_NEW_PASSWORD: Step(
        N.NEW_PASSWORD, "activation:new_password", _("Nouveau mot de passe"),
        funnel_stage="forwarding_chosen", done_action="account_activated",
    ),
    S.ACTIVATED: Step(
        N.DONE, "activation:done", _("Compte activé"),
        funnel_stage="activated", done_action="account_activated", offers_leave=False,
    ),
}  # fmt: skip

STEP_NUMBERED: dict[Number, Step] = {step.number: step for step in (*FIRST_STEPS, *STEPS.values())}


def path(rules: PathRules | None, answers: Answers | None) -> list[Step]:
    """Return the steps of the person's path, as far as their rules and answers tell it.

    Step 7 is there when the category has a redirection choice (or is not known yet, before
    step 2); step 8 only once a redirection to an address other than the recovery address
    has been chosen.
    """
    numbers = [N.IDENTIFIER, N.PROVISIONAL_PASSWORD, N.RECOVERY_EMAIL, N.RECOVERY_EMAIL_SENT]
    numbers += [N.CHARTER, N.DIRECTORY]
    if rules is None or rules.has_forwarding_step:
        numbers.append(N.FORWARDING)
    if answers is not None and (
        answers.state == S.AWAITING_FORWARDING_CONFIRMATION
        or (
            answers.forwarding_address
            and not same_address(answers.forwarding_address, answers.recovery_email)
        )
    ):
        numbers.append(N.FORWARDING_SENT)
    numbers += [N.NEW_PASSWORD, N.DONE]
    return [STEP_NUMBERED[number] for number in numbers]
