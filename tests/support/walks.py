"""Walking one browser to a step of the activation: what the tests of the steps and of
leaving the activation share. Each function takes a Walker at step 1 to the page named."""

from tests.support.walkers import Walker

RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"


def to_identifier(w: Walker) -> None:
    pass


def to_provisional_password(w: Walker) -> None:
    w.identify()


def to_recovery_email(w: Walker) -> None:
    w.identify()
    w.give_provisional_password()


def to_recovery_email_sent(w: Walker) -> None:
    to_recovery_email(w)
    w.give_recovery_email(RECOVERY)


def to_charter(w: Walker) -> None:
    w.reach_charter(RECOVERY)


def to_directory(w: Walker) -> None:
    to_charter(w)
    w.accept_charter()


def to_forwarding(w: Walker) -> None:
    to_directory(w)
    w.choose_directory(False)


def to_forwarding_sent(w: Walker) -> None:
    to_forwarding(w)
    w.choose_forwarding(ELSEWHERE)


def to_new_password(w: Walker) -> None:
    to_forwarding(w)
    w.choose_forwarding(wants=False)
