"""A person's activation flow, read back from the database."""

from portique.activation.models import ActivationFlow
from tests.factories import DemoPerson


def flow_of(person: DemoPerson | str) -> ActivationFlow:
    """The one activation flow of `person` (a demo person or a login)."""
    login = person if isinstance(person, str) else person.login
    return ActivationFlow.objects.get(login=login)
