"""What each category of person is offered (PORTIQUE_CATEGORY_RULES), read as one object."""

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


def rules_for(category: str) -> CategoryRules:
    """Return the rules of `category`; an unknown category gets a mailbox and no choices."""
    raw = settings.PORTIQUE_CATEGORY_RULES.get(category, {})
    return CategoryRules(
        mailbox=bool(raw.get("mailbox", True)),
        forwarding=Forwarding(str(raw.get("forwarding", "none"))),
        keep_copy_offered=bool(raw.get("keep_copy_offered", False)),
        keep_copy_default=bool(raw.get("keep_copy_default", True)),
    )
