"""What the tests of the features after the activation share ("Compte Informatique",
"Problème de connexion", the public directory): a person activated through the Walker,
logging in as a person does, reading pages, and taking links from the mails.

Load with `pytest_plugins = ["tests.support.after_activation"]` in a test module.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.test import Client

from portique.accounts.models import Account, Person
from portique.core.models import AuditEvent
from tests.factories import DemoPerson
from tests.support.mail import deliver_mail, last_link
from tests.support.pages import readable
from tests.support.walkers import Walker

PARIS = ZoneInfo("Europe/Paris")
# The fixture's people are activated on a known morning, so that the pages show known dates.
ACTIVATED_AT = datetime(2025, 3, 12, 9, 0, tzinfo=PARIS)

RECOVERY = "perso@example.com"
ELSEWHERE = "redirection@example.net"
NEW_RECOVERY = "nouvelle@example.com"
PASSWORD = "Velo-rouge-mardi-42"
NEW_PASSWORD = "Tournesol-2031-vert"
WRONG = "Mauvais-mot-2031"
REFUSAL = "Identifiant ou mot de passe incorrect."
# Real User-Agent headers of the main browsers, for the list of sessions.
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
NOTICE_SUBJECT = "Université de Montpellier : votre compte informatique a été modifié"

ACCOUNT_LINK = "/compte/lien/"
RESET_LINK = "/probleme-de-connexion/lien/"
LINK_RE = re.compile(r"https://portail\.example\.org(/[^\s]+/lien/[^/\s]+/)")
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2, as in production, at its lowest cost: these tests log in hundreds of times,
    and what they check (who gets in, how many times the hasher runs) does not depend on
    the cost."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


QUICK_PASSWORD_HASHERS = ["tests.support.after_activation.QuickArgon2PasswordHasher"]


@dataclass(frozen=True)
class Activated:
    """A person who finished the activation, with the answers they gave."""

    person: DemoPerson
    recovery_email: str = RECOVERY
    password: str = PASSWORD

    @property
    def login(self) -> str:
        return self.person.login

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def account(self) -> Account:
        return Account.objects.get(login=self.person.login)


def walk_activation(
    walker: Walker,
    *,
    directory_consent: bool = False,
    forwarding: str | None = None,
    keep_copy: bool = True,
    recovery_email: str = RECOVERY,
    password: str = PASSWORD,
) -> None:
    """Steps 1 to 10 through the test client; `forwarding=None` is no redirection."""
    walker.reach_charter(recovery_email)
    walker.accept_charter()
    walker.choose_directory(directory_consent)
    response = walker.choose_forwarding(
        forwarding or "", wants=forwarding is not None, keep_copy=keep_copy
    )
    if forwarding and forwarding.lower() != recovery_email.lower():
        assert response["Location"] == "/activation/messagerie/envoye/"
        response = walker.follow_link(last_link(forwarding))
    assert response["Location"] == "/activation/mot-de-passe/", "step 7 did not lead to step 9"
    done = walker.set_password(password)
    assert done["Location"] == "/activation/termine/", "the activation did not finish"


ActivatePerson = Callable[..., Activated]


@pytest.fixture
def activate(walker_for: Callable[..., Walker]) -> ActivatePerson:
    """Activate a person on ACTIVATED_AT, in a browser of their own; the mails of the
    activation are delivered and forgotten, so that a test sees only its own."""

    def make(
        person: DemoPerson,
        *,
        directory_consent: bool = False,
        forwarding: str | None = None,
        keep_copy: bool = True,
    ) -> Activated:
        with time_machine.travel(ACTIVATED_AT, tick=False):
            walk_activation(
                walker_for(person, Client()),
                directory_consent=directory_consent,
                forwarding=forwarding,
                keep_copy=keep_copy,
            )
            deliver_mail()
        mail.outbox.clear()
        return Activated(person)

    return make


@pytest.fixture
def activated(
    request: pytest.FixtureRequest, staff: DemoPerson, activate: ActivatePerson
) -> Activated:
    """Jane Doe (staff), activated without a redirection. Her directory consent is the
    fixture's parameter (`indirect=True`), no consent by default."""
    return activate(staff, directory_consent=getattr(request, "param", False))


@pytest.fixture
def signed_in(activated: Activated) -> Client:
    """A browser in which the activated person has logged in."""
    return logged_in_browser(activated.login)


# -- logging in -------------------------------------------------------------------------


def log_in(client: Client, identifier: str, password: str = PASSWORD) -> Any:
    """Fill "IDENTIFIANT" and "MOT DE PASSE" on the home page and press "SE CONNECTER"."""
    return client.post("/connexion/", {"username": identifier, "password": password})


def logged_in_browser(identifier: str, password: str = PASSWORD, **defaults: Any) -> Client:
    client = Client(**defaults)
    response = log_in(client, identifier, password)
    assert response.status_code == 302 and response["Location"] == "/compte/", "login refused"
    return client


def let_in(response: Any) -> bool:
    """Whether a login answer opened "Compte Informatique"."""
    return response.status_code == 302 and response["Location"] == "/compte/"


def session_key(client: Client) -> str:
    """The session id the browser holds."""
    return client.cookies["sessionid"].value


def logged_out(client: Client) -> bool:
    """Whether "Compte Informatique" sends this browser back to the home page."""
    response = client.get("/compte/")
    return response.status_code == 302 and response["Location"] == "/"


# -- the forms of "Compte Informatique" ----------------------------------------------------


def change_password(client: Client, current: str, new: str, confirmation: str | None = None) -> Any:
    return client.post(
        "/compte/mot-de-passe/",
        {
            "current_password": current,
            "new_password": new,
            "new_password_confirmation": new if confirmation is None else confirmation,
        },
    )


def change_recovery_email(client: Client, address: str, current_password: str = PASSWORD) -> Any:
    """Post the recovery-address form, confirmed by the current password ("Mot de passe
    actuel")."""
    return client.post(
        "/compte/mail-de-secours/",
        {
            "recovery_email": address,
            "recovery_email_confirmation": address,
            "current_password": current_password,
        },
    )


def change_forwarding(
    client: Client,
    address: str = "",
    *,
    wants: bool = True,
    keep_copy: bool = True,
    current_password: str = PASSWORD,
) -> Any:
    """Post the redirection form, confirmed by the current password."""
    data: dict[str, str] = {"current_password": current_password}
    if wants:
        data["wants_forwarding"] = "on"
    if address:
        data["forwarding_address"] = address
        data["forwarding_address_confirmation"] = address
    if keep_copy:
        data["keep_copy"] = "on"
    return client.post("/compte/redirection/", data)


def change_directory_consent(client: Client, consent: bool) -> Any:
    return client.post("/compte/annuaire/", {"directory_consent": "on"} if consent else {})


# -- reading pages ----------------------------------------------------------------------


_FACT = re.compile(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", re.S)
_SESSION = re.compile(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", re.S)
_SESSIONS = re.compile(r'<dl class="facts" id="sessions">(.*?)</dl>', re.S)


def facts(response: Any) -> dict[str, str]:
    """What "Compte Informatique" states about the account, heading by heading."""
    return {readable(dt): readable(dd) for dt, dd in _FACT.findall(response.content.decode())}


def sessions_listed(response: Any) -> list[tuple[str, str]]:
    """The open sessions "Compte Informatique" lists, as (browser, what follows it: when it
    began, when it was last used, its button), in the page's order."""
    found = _SESSIONS.search(response.content.decode())
    assert found, "no list of sessions on the page"
    return [(readable(dt), readable(dd)) for dt, dd in _SESSION.findall(found.group(1))]


def without_csrf_value(body: str) -> str:
    """The page with its per-response CSRF token value blanked out."""
    return _CSRF_VALUE.sub(r"\1…\2", body)


def token_of(link_path: str) -> str:
    return link_path.rstrip("/").rsplit("/", 1)[-1]


# -- mails ------------------------------------------------------------------------------


def mails_to(address: str) -> list[mail.EmailMessage]:
    """Deliver the queue and return the mails `address` received, oldest first."""
    deliver_mail()
    return [message for message in mail.outbox if address in message.to]


def notices_to(address: str) -> list[mail.EmailMessage]:
    """The "your account changed" notices `address` received."""
    return [message for message in mails_to(address) if message.subject == NOTICE_SUBJECT]


def links_to(address: str, prefix: str) -> list[str]:
    """Deliver the queue and return the paths of the links under `prefix` mailed to
    `address`, oldest first."""
    found = (LINK_RE.search(str(message.body)) for message in mails_to(address))
    return [match.group(1) for match in found if match and match.group(1).startswith(prefix)]


def link_to(address: str, prefix: str) -> str:
    """The newest link under `prefix` mailed to `address`."""
    paths = links_to(address, prefix)
    assert paths, f"no {prefix} link mailed to {address}"
    return paths[-1]


def follow_account_link(client: Client, path: str) -> Any:
    """Open an account link from a mail and press "Confirmer l'adresse"."""
    landing = client.get(path)
    assert landing.status_code == 302, "the link did not land"
    return client.post(landing["Location"])


# -- records ----------------------------------------------------------------------------


def actions_of(login: str) -> list[str]:
    """The audit trail of `login`, oldest first."""
    return list(
        AuditEvent.objects.filter(subject=login)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def listed_person(
    login: str,
    *,
    first_name: str,
    last_name: str,
    category: str = "staff",
    consent: bool = True,
    activated: bool = True,
) -> Account:
    """A person and an account written straight to the database: quicker than the Walker
    when a test needs many people and only their directory entries matter."""
    person = Person.objects.create(
        login=login, first_name=first_name, last_name=last_name, category=category
    )
    return Account.objects.create(
        person=person,
        login=login,
        email=f"{login}@umontpellier.fr",
        directory_consent=consent,
        activated_at=ACTIVATED_AT if activated else None,
    )
