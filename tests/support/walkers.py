"""Walking one browser (a Django test client) through the activation, as a person would."""

from typing import Any

from django.test import Client

from tests.factories import DemoPerson
from tests.support.mail import last_link


class Walker:
    """Drives one browser (a Django test client) through the activation, step by step."""

    def __init__(self, client: Client, person: DemoPerson) -> None:
        self.client = client
        self.person = person

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, data or {})

    def identify(self, identifier: str | None = None) -> Any:
        return self.post(
            "/activation/identifiant/", {"identifier": identifier or self.person.login}
        )

    def give_provisional_password(self, password: str | None = None) -> Any:
        return self.post(
            "/activation/mot-de-passe-provisoire/",
            {"provisional_password": password or self.person.provisional_password},
        )

    def give_recovery_email(self, address: str, confirmation: str | None = None) -> Any:
        return self.post(
            "/activation/mail-de-secours/",
            {
                "recovery_email": address,
                "recovery_email_confirmation": address if confirmation is None else confirmation,
            },
        )

    def follow_link(self, path: str) -> Any:
        landing = self.client.get(path)
        assert landing.status_code == 302
        return self.post("/activation/lien/")

    def accept_charter(self) -> Any:
        return self.post("/activation/charte/", {"accept": "on"})

    def choose_directory(self, consent: bool) -> Any:
        return self.post("/activation/annuaire/", {"directory_consent": "on"} if consent else {})

    def choose_forwarding(
        self, address: str = "", *, wants: bool = True, keep_copy: bool = True
    ) -> Any:
        data: dict[str, str] = {}
        if wants:
            data["wants_forwarding"] = "on"
        if address:
            data["forwarding_address"] = address
            data["forwarding_address_confirmation"] = address
        if keep_copy:
            data["keep_copy"] = "on"
        return self.post("/activation/messagerie/", data)

    def set_password(self, password: str, confirmation: str | None = None) -> Any:
        return self.post(
            "/activation/mot-de-passe/",
            {
                "new_password": password,
                "new_password_confirmation": password if confirmation is None else confirmation,
            },
        )

    def reach_charter(self, recovery_email: str = "perso@example.com") -> Any:
        """Steps 1 to 4, link included; returns the response that lands on step 5."""
        self.identify()
        self.give_provisional_password()
        self.give_recovery_email(recovery_email)
        return self.follow_link(last_link(recovery_email))
