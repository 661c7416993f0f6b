"""What each category of person is offered (PORTIQUE_CATEGORY_RULES), read as one object.

Account policy: the activation, « Compte Informatique » and the helpdesk all ask it, and the
activation's machine takes it as an input to choose the person's path.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings


class Forwarding(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"


@dataclass(frozen=True)
class CategoryRules:
    mailbox: bool
    forwarding: Forwarding
    keep_copy_offered: bool
    keep_copy_default: bool

    @property
    def has_forwarding_step(self) -> bool:
        return self.mailbox and self.forwarding != Forwarding.NONE

    @property
    def forwarding_mandatory(self) -> bool:
        """The mailbox must be redirected: the person chooses where, not whether."""
        return self.forwarding == Forwarding.MANDATORY

    def wants_forwarding(self, asked: bool) -> bool:
        """Return whether the mail is redirected, given what the person asked for."""
        return asked or self.forwarding_mandatory


def rules_for(category: str) -> CategoryRules:
    """Return the rules of `category`; an unknown category gets a mailbox and no choices."""
    raw = settings.PORTIQUE_CATEGORY_RULES.get(category, {})
    return CategoryRules(
        mailbox=bool(raw.get("mailbox", True)),
        forwarding=Forwarding(str(raw.get("forwarding", "none"))),
        keep_copy_offered=bool(raw.get("keep_copy_offered", False)),
        keep_copy_default=bool(raw.get("keep_copy_default", True)),
    )
