"""When the directory is away: the LDAP store answers StoreUnavailable within a bounded time
and recovers by itself when the directory is back; the person gets "service temporarily
unavailable" (503), keeps their progress and has no failure counted against them."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ldap3
import pytest

from portique.accounts.stores import get_account_store
from portique.accounts.stores.base import AccountStore, StoreUnavailable
from portique.activation.machine import State
from portique.activation.models import ActivationFlow
from portique.core.models import AuditEvent
from tests.factories import DemoPerson, PersonFactory
from tests.support.walkers import Walker

if TYPE_CHECKING:
    # Imported for pytest_plugins, not here, so that pytest rewrites its asserts.
    from tests.ldap_server import SlapdServer

pytest_plugins = ["tests.ldap_server"]
pytestmark = [pytest.mark.ldap, pytest.mark.django_db]

NEW_PASSWORD = "Soleil-Vert-2031"
WRONG_PROVISIONAL = "Prov-0000-Zzzz"
# ldap_settings sets a 2 s timeout; with the store's retries, well under this.
BOUND_SECONDS = 10

MakeWalker = Callable[..., Walker]


@pytest.fixture
def store(ldap_settings: SlapdServer) -> AccountStore:
    return get_account_store()


@pytest.fixture
def person(ldap_settings: SlapdServer) -> DemoPerson:
    return PersonFactory(login="jane.doe", first_name="Jane", last_name="Doe", category="staff")


@pytest.fixture
def outage(ldap_settings: SlapdServer) -> Iterator[Callable[[], None]]:
    """Call it to stop slapd; it is running again after the test whatever happened."""
    yield ldap_settings.stop
    if not ldap_settings.running:
        ldap_settings.start()


@pytest.fixture
def silent_directory() -> Iterator[str]:
    """The URL of a server that accepts connections and never answers (a hung directory)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        # Never accept(): the kernel completes the handshake, nobody ever reads or answers.
        listener.listen(16)
        yield f"ldap://127.0.0.1:{listener.getsockname()[1]}"


def entry(slapd: SlapdServer, login: str = "jane.doe") -> dict[str, Any]:
    """Every attribute of the person's entry, password included, read as the admin."""
    with slapd.connection() as admin:
        dn = f"uid={login},{slapd.people_base}"
        assert admin.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["*"])
        return dict(admin.entries[0].entry_attributes_as_dict)


def binds(slapd: SlapdServer, password: str, login: str = "jane.doe") -> bool:
    with slapd.connection(user=f"uid={login},{slapd.people_base}", password=password) as person:
        return bool(person.bound)


def seconds_to_fail(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        call()
    return time.monotonic() - started


# -- the store ---------------------------------------------------------------------------


def test_find_with_slapd_stopped_raises_store_unavailable_in_bounded_time(
    store: AccountStore, person: DemoPerson, outage: Callable[[], None]
) -> None:
    outage()

    assert seconds_to_fail(lambda: store.find("jane.doe")) < BOUND_SECONDS


def test_verify_provisional_password_with_slapd_stopped_raises_store_unavailable(
    store: AccountStore, person: DemoPerson, outage: Callable[[], None]
) -> None:
    outage()

    assert (
        seconds_to_fail(
            lambda: store.verify_provisional_password("jane.doe", person.provisional_password)
        )
        < BOUND_SECONDS
    )


def test_find_in_a_directory_that_never_answers_raises_store_unavailable_in_bounded_time(
    ldap_settings: SlapdServer, settings: Any, silent_directory: str
) -> None:
    settings.PORTIQUE_LDAP_URL = silent_directory
    get_account_store.cache_clear()
    store = get_account_store()

    assert seconds_to_fail(lambda: store.find("jane.doe")) < BOUND_SECONDS


def test_store_works_again_once_slapd_restarted_under_its_pooled_connection(
    store: AccountStore, person: DemoPerson, ldap_settings: SlapdServer
) -> None:
    assert store.find("jane.doe") is not None  # leaves a service connection in the pool
    ldap_settings.stop()
    ldap_settings.start()

    found = store.find("jane.doe")

    assert found is not None and found.login == "jane.doe"


def test_store_works_again_once_slapd_is_back_after_an_outage(
    store: AccountStore, person: DemoPerson, outage: Callable[[], None], ldap_settings: SlapdServer
) -> None:
    assert store.find("jane.doe") is not None
    outage()
    with pytest.raises(StoreUnavailable):
        store.find("jane.doe")
    ldap_settings.start()

    assert store.verify_provisional_password("jane.doe", person.provisional_password) is True


# -- the last step, with the directory away ----------------------------------------------


@pytest.fixture
def at_new_password(walker_for: MakeWalker, person: DemoPerson) -> Walker:
    """Jane, at step 9: charter accepted, listed in the directory, no redirection."""
    walker = walker_for(person)
    walker.reach_charter()
    walker.accept_charter()
    walker.choose_directory(True)
    assert walker.choose_forwarding(wants=False)["Location"] == "/activation/mot-de-passe/"
    return walker


@pytest.fixture
def refused_for_outage(
    at_new_password: Walker, outage: Callable[[], None], ldap_settings: SlapdServer
) -> tuple[Walker, Any, dict[str, Any]]:
    """Jane posts a valid new password while slapd is stopped. Returns the walker, the
    answer and her entry as it was before the outage."""
    before = entry(ldap_settings)
    outage()
    return at_new_password, at_new_password.set_password(NEW_PASSWORD), before


def test_new_password_with_slapd_stopped_answers_503(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]],
) -> None:
    _, response, _ = refused_for_outage

    assert response.status_code == 503


def test_new_password_with_slapd_stopped_shows_the_unavailable_page(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]],
) -> None:
    _, response, _ = refused_for_outage

    page = response.content.decode()
    assert "Service temporairement indisponible" in page
    assert "Votre progression est conservée" in page


def test_new_password_with_slapd_stopped_keeps_the_flow_at_the_password_step(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]], person: DemoPerson
) -> None:
    assert ActivationFlow.objects.get(login=person.login).state == State.AWAITING_NEW_PASSWORD


def test_new_password_with_slapd_stopped_leaves_the_entry_unchanged(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]], ldap_settings: SlapdServer
) -> None:
    _, _, before = refused_for_outage
    ldap_settings.start()

    after = entry(ldap_settings)
    assert after == before
    assert "portiqueActivatedAt" not in after


def test_new_password_with_slapd_stopped_leaves_the_account_not_activated(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]],
    ldap_settings: SlapdServer,
    store: AccountStore,
) -> None:
    ldap_settings.start()

    found = store.find("jane.doe")
    assert found is not None and found.activated is False


def test_new_password_with_slapd_stopped_records_no_activation(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]],
) -> None:
    assert not AuditEvent.objects.filter(action="account_activated").exists()


def test_new_password_posted_again_once_slapd_is_back_completes_the_activation(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]], ldap_settings: SlapdServer
) -> None:
    walker, _, _ = refused_for_outage
    ldap_settings.start()

    response = walker.set_password(NEW_PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/activation/termine/")


def test_new_password_posted_again_once_slapd_is_back_opens_the_account(
    refused_for_outage: tuple[Walker, Any, dict[str, Any]], ldap_settings: SlapdServer
) -> None:
    walker, _, _ = refused_for_outage
    ldap_settings.start()

    walker.set_password(NEW_PASSWORD)

    assert binds(ldap_settings, NEW_PASSWORD)


# -- the provisional password, with the directory away -----------------------------------


@pytest.fixture
def identified(walker_for: MakeWalker, person: DemoPerson) -> Walker:
    """Jane, past step 1: her identifier typed, the provisional password asked for."""
    walker = walker_for(person)
    assert walker.identify()["Location"] == "/activation/mot-de-passe-provisoire/"
    return walker


def test_provisional_password_with_slapd_stopped_answers_503(
    identified: Walker, outage: Callable[[], None]
) -> None:
    outage()

    response = identified.give_provisional_password()

    assert response.status_code == 503


def test_unavailable_answer_tells_when_to_retry(
    identified: Walker, outage: Callable[[], None]
) -> None:
    outage()

    response = identified.give_provisional_password()

    assert response["Retry-After"].isdigit()


def test_provisional_password_attempts_with_slapd_stopped_lock_nothing(
    identified: Walker, outage: Callable[[], None], ldap_settings: SlapdServer
) -> None:
    outage()
    # More than PORTIQUE_LOCK_FAILURES (10): had they counted, the account would be locked.
    for _ in range(12):
        assert identified.give_provisional_password(WRONG_PROVISIONAL).status_code == 503
    ldap_settings.start()

    response = identified.give_provisional_password()

    assert response["Location"] == "/activation/mail-de-secours/"


def test_provisional_password_attempts_with_slapd_stopped_record_no_refusal(
    identified: Walker, outage: Callable[[], None]
) -> None:
    outage()

    identified.give_provisional_password(WRONG_PROVISIONAL)

    assert not AuditEvent.objects.filter(action="provisional_password_refused").exists()
