"""Factories for the records the tests need. People are created through the service, as
HR's tools do, so that their account exists in the configured store."""

from dataclasses import dataclass

import factory

from portique.accounts.models import Person
from portique.accounts.services import IssuedCredentials, person_create


@dataclass(frozen=True)
class DemoPerson:
    login: str
    first_name: str
    last_name: str
    category: str
    provisional_password: str

    @property
    def email(self) -> str:
        return f"{self.login}@umontpellier.fr"


class PersonFactory(factory.Factory):
    """Build a DemoPerson and create them, with their account, through person_create."""

    class Meta:
        model = DemoPerson

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    login = factory.Sequence(lambda n: f"person{n}")
    category = "staff"
    provisional_password = factory.Sequence(lambda n: f"Prov-{n:04d}-Xq7z")

    @classmethod
    def _create(cls, model_class: type[DemoPerson], **kwargs: str) -> DemoPerson:
        credentials: IssuedCredentials = person_create(
            login=kwargs["login"],
            first_name=kwargs["first_name"],
            last_name=kwargs["last_name"],
            category=kwargs["category"],
            provisional_password=kwargs["provisional_password"],
        )
        return model_class(**{**kwargs, "login": credentials.login})


def person_record(login: str) -> Person:
    return Person.objects.get(login=login)
