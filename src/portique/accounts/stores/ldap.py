"""The LDAP account store: the account lives in the institution's directory (OpenLDAP with
the SupAnn schema, or compatible), which CAS, the mail system and every other service read.

- The service account searches and writes; the person's provisional password is checked by
  binding as the person; new passwords are set with the Password Modify extended operation
  (RFC 3062), so that the directory hashes them under its own policy.
- Attribute names are a setting (PORTIQUE_LDAP_ATTRIBUTES) with SupAnn defaults, or with
  the Active Directory preset (active_directory.py) when PORTIQUE_LDAP_ACTIVE_DIRECTORY is
  set. An attribute mapped to "" is neither read nor written.
- SupAnn account state: the activation replaces the account's {COMPTE} value of
  supannRessourceEtat (and supannRessourceEtatDate) with PORTIQUE_LDAP_ACCOUNT_STATE;
  each password change sets shadowLastChange; the keep-copy choice is mailDeliveryOption's
  `forwardonly` (qmail-ldap), and Portique's older portiqueKeepCopy is still read, and
  removed at the next write.
- Any network failure or timeout becomes StoreUnavailable: the caller shows "service
  temporarily unavailable" and counts no failure against the person.
- The public directory's search reads its matches a page at a time (Simple Paged Results,
  RFC 2696), so that it goes past the directory's size limit, up to
  PORTIQUE_LDAP_SEARCH_MAX_ENTRIES entries.
"""

import logging
import math
import queue
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from ldap3 import BASE, MODIFY_REPLACE, NO_ATTRIBUTES, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from portique.accounts.folding import fold, query_words, sort_key
from portique.accounts.stores import active_directory as ad
from portique.accounts.stores.active_directory import (
    AD_ATTRIBUTES,
    AD_OBJECT_CLASSES,
    NORMAL_ACCOUNT,
)
from portique.accounts.stores.base import (
    AccountRecord,
    Activation,
    DirectoryPage,
    NewAccount,
    PreparedPassword,
    ProfileChanges,
    StoreUnavailable,
)
from portique.accounts.stores.ldap_filters import directory_filter
from portique.core import clock

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Which directory attribute holds each piece of the account. `unlisted` is SupAnn's
# supannListeRouge: TRUE when the person does NOT appear in the public directory.
DEFAULT_ATTRIBUTES = {
    "login": "uid",
    "email": "mail",
    "first_name": "givenName",
    "last_name": "sn",
    "category": "eduPersonAffiliation",
    "recovery_email": "supannMailPerso",
    "forwarding_address": "mailForwardingAddress",
    "unlisted": "supannListeRouge",
    # Read from directories that Portique wrote before mailDeliveryOption, and removed
    # when the choice is next written; written instead of it if delivery_option is "".
    "keep_copy": "portiqueKeepCopy",
    "charter_version": "portiqueCharterVersion",
    "charter_accepted_at": "portiqueCharterAcceptedAt",
    "activated_at": "portiqueActivatedAt",
    # qmail-ldap: `forwardonly` when forwarded mail is not kept in the mailbox.
    "delivery_option": "mailDeliveryOption",
    # SupAnn 2021: the account's state, and since when ({COMPTE}A:SupannActif:20261203:).
    "account_state": "supannRessourceEtat",
    "account_state_date": "supannRessourceEtatDate",
    # RFC 2307 (shadowAccount): the day of the last password change, in days since 1970.
    "password_changed": "shadowLastChange",
}
# The SupAnn state the activation gives the account (PORTIQUE_LDAP_ACCOUNT_STATE).
DEFAULT_ACCOUNT_STATE = "{COMPTE}A:SupannActif"
_FORWARD_ONLY = "forwardonly"
# eduPersonAffiliation value of each category, in the order they are recognised: someone
# who is both "affiliate" and "student" is a vacataire first.
DEFAULT_CATEGORY_VALUES = {"vacataire": "affiliate", "staff": "staff", "student": "student"}
DEFAULT_OBJECT_CLASSES = [
    "inetOrgPerson", "eduPerson", "supannPerson", "mailForwarding", "shadowAccount",
    "portiqueAccount",
]  # fmt: skip

# Errors that mean "the directory is not there or too slow", as opposed to an answer.
_UNREACHABLE = (
    ldap_errors.LDAPSocketOpenError,
    ldap_errors.LDAPSocketReceiveError,
    ldap_errors.LDAPSocketSendError,
    ldap_errors.LDAPSessionTerminatedByServerError,
    ldap_errors.LDAPStartTLSError,
    ldap_errors.LDAPCommunicationError,
    ldap_errors.LDAPResponseTimeoutError,
    ldap_errors.LDAPServerPoolExhaustedError,
    ldap_errors.LDAPUnavailableResult,
    ldap_errors.LDAPBusyResult,
)
# Password Modify and other writes are retried this many times, with these pauses.
_WRITE_ATTEMPTS = (0.0, 0.2, 0.5)

# The directory search reads at most this many entries (PORTIQUE_LDAP_SEARCH_MAX_ENTRIES),
# this many per page: OpenLDAP's default size limit, and half of Active Directory's
# MaxPageSize, so that no server shortens or refuses the page.
DEFAULT_SEARCH_MAX_ENTRIES = 1000
DEFAULT_SEARCH_PAGE_SIZE = 500
_PAGED_RESULTS = "1.2.840.113556.1.4.319"
# What the public directory reads of each match: what its page shows (names, university
# address, category) and sorts by (the login last). Whether a person is activated and
# consented is the search filter's business, never read back; the recovery and redirection
# addresses, the charter and the activation time stay in the directory.
_DIRECTORY_KEYS = ("login", "email", "first_name", "last_name", "category")
# A search the directory ended before its last match: its time or size limit.
_STOPPED_BY_THE_DIRECTORY = {3: "timeLimitExceeded", 4: "sizeLimitExceeded"}


def _generalized_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    text = str(value)
    for layout in ("%Y%m%d%H%M%SZ", "%Y%m%d%H%M%S.%fZ"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


class _TakenInDirectory:
    """`login in taken`, asked of the directory at each question: it may hold entries that
    Portique did not create."""

    def __init__(self, store: "LdapAccountStore") -> None:
        self.store = store

    def __contains__(self, login: object) -> bool:
        return isinstance(login, str) and self.store.find(login) is not None


def _resource(state: str) -> str:
    """Return the resource part of a SupAnn state value: "{COMPTE}" of "{COMPTE}A:SupannActif"."""
    return state[: state.index("}") + 1] if state.startswith("{") and "}" in state else ""


class LdapAccountStore:
    # A directory keeps what it was sent, whatever Portique's database does.
    rolls_back_with_database = False

    def __init__(
        self,
        *,
        url: str,
        bind_dn: str,
        bind_password: str,
        people_base: str,
        starttls: bool = True,
        timeout: float = 5,
        pool_size: int = 4,
        ca_file: str | None = None,
        attributes: dict[str, str] | None = None,
        category_values: dict[str, str] | None = None,
        object_classes: list[str] | None = None,
        active_directory: bool = False,
        search_max_entries: int = DEFAULT_SEARCH_MAX_ENTRIES,
        search_page_size: int = DEFAULT_SEARCH_PAGE_SIZE,
        account_state: str = DEFAULT_ACCOUNT_STATE,
    ) -> None:
        self.active_directory = active_directory
        self.account_state = account_state
        self.search_max_entries = search_max_entries
        self.search_page_size = search_page_size
        secure = url.lower().startswith("ldaps://")
        tls = (
            Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file) if (secure or starttls) else None
        )
        self.server = Server(url, use_ssl=secure, tls=tls, get_info=NONE, connect_timeout=timeout)
        self.starttls = starttls and not secure
        self.bind_dn = bind_dn
        self.bind_password = bind_password
        self.people_base = people_base
        self.timeout = timeout
        preset = AD_ATTRIBUTES if active_directory else DEFAULT_ATTRIBUTES
        self.attributes = {**preset, **(attributes or {})}
        self.category_values = category_values or dict(DEFAULT_CATEGORY_VALUES)
        self.object_classes = object_classes or list(
            AD_OBJECT_CLASSES if active_directory else DEFAULT_OBJECT_CLASSES
        )
        self._pool: queue.LifoQueue[Connection] = queue.LifoQueue(maxsize=pool_size)

    @classmethod
    def from_settings(cls) -> "LdapAccountStore":
        return cls(
            url=settings.PORTIQUE_LDAP_URL,
            bind_dn=settings.PORTIQUE_LDAP_BIND_DN,
            bind_password=settings.PORTIQUE_LDAP_BIND_PASSWORD,
            people_base=settings.PORTIQUE_LDAP_PEOPLE_BASE,
            starttls=settings.PORTIQUE_LDAP_STARTTLS,
            timeout=settings.PORTIQUE_LDAP_TIMEOUT,
            pool_size=settings.PORTIQUE_LDAP_POOL_SIZE,
            ca_file=settings.PORTIQUE_LDAP_CA_FILE or None,
            attributes=settings.PORTIQUE_LDAP_ATTRIBUTES,
            category_values=settings.PORTIQUE_LDAP_CATEGORY_VALUES or None,
            object_classes=settings.PORTIQUE_LDAP_OBJECT_CLASSES or None,
            active_directory=settings.PORTIQUE_LDAP_ACTIVE_DIRECTORY,
            search_max_entries=settings.PORTIQUE_LDAP_SEARCH_MAX_ENTRIES,
            account_state=settings.PORTIQUE_LDAP_ACCOUNT_STATE,
        )

    # -- connections -----------------------------------------------------------------

    def _open(self, user: str, password: str) -> Connection:
        """Open and bind a connection; raises LDAPBindError on refused credentials."""
        if not self.server.candidate_addresses():
            # ldap3 marks an address that refused a connection unavailable for a few
            # seconds, and meanwhile does not even try it: once every address is marked,
            # a directory that is back would still look down. Try them all again.
            self.server.reset_availability()
        connection = Connection(
            self.server,
            user=user,
            password=password,
            # Whole seconds: ldap3 packs it into SO_RCVTIMEO as an integer (a float such as
            # the default 5.0 raises struct.error there).
            receive_timeout=math.ceil(self.timeout),
            raise_exceptions=True,
            read_only=False,
        )
        connection.open()
        if self.starttls:
            connection.start_tls()
        connection.bind()
        return connection

    @contextmanager
    def _service(self) -> Iterator[Connection]:
        """Lend a bound service connection from the pool; a connection that failed is
        dropped, not returned."""
        try:
            connection = self._pool.get_nowait()
        except queue.Empty:
            connection = self._open(self.bind_dn, self.bind_password)
        try:
            yield connection
        except BaseException:
            connection.unbind()
            raise
        try:
            self._pool.put_nowait(connection)
        except queue.Full:
            connection.unbind()

    def _call(self, operation: Callable[[Connection], T], *, attempts: int = 2) -> T:
        """Run `operation` with a service connection. A pooled connection may have gone
        stale (the directory restarted): the operation is tried again on a fresh one."""
        last: Exception | None = None
        for pause in _WRITE_ATTEMPTS[:attempts]:
            time.sleep(pause)
            try:
                with self._service() as connection:
                    return operation(connection)
            except _UNREACHABLE as error:
                last = error
            except (ldap_errors.LDAPBindError, ldap_errors.LDAPInvalidCredentialsResult) as error:
                # The service account itself was refused: a configuration error, but to the
                # person it is the same: the service is not available.
                raise StoreUnavailable(f"service bind refused: {error}") from error
        raise StoreUnavailable(str(last)) from last

    # -- reading ---------------------------------------------------------------------

    def _attribute_list(self) -> list[str]:
        return sorted(set(self.attributes.values()) - {""})

    def _search(self, connection: Connection, ldap_filter: str) -> Any | None:
        connection.search(
            self.people_base,
            ldap_filter,
            search_scope=SUBTREE,
            attributes=self._attribute_list(),
            size_limit=2,
            time_limit=max(1, int(self.timeout)),
        )
        entries = connection.entries
        return entries[0] if len(entries) == 1 else None

    def _entry_for_login(self, connection: Connection, login: str) -> Any | None:
        attribute = self.attributes["login"]
        return self._search(connection, f"({attribute}={escape_filter_chars(login)})")

    def _value(self, entry: Any, key: str) -> Any:
        return self._first(entry.entry_attributes_as_dict, key)

    def _first(self, values_of: dict[str, list[Any]], key: str) -> Any:
        values = values_of.get(self.attributes[key])
        return values[0] if values else None

    def _category(self, values_of: dict[str, list[Any]]) -> str:
        values = {str(v).lower() for v in values_of.get(self.attributes["category"], [])}
        for category, value in self.category_values.items():
            if value.lower() in values:
                return category
        return ""

    def _text(self, values_of: dict[str, list[Any]], key: str) -> str:
        return str(self._first(values_of, key) or "")

    def _record(self, entry: Any) -> AccountRecord:
        # ldap3 builds this dict anew, copying every value, at each access: once per entry
        # matters when the directory search reads hundreds of them.
        values_of = entry.entry_attributes_as_dict

        def text(key: str) -> str:
            return self._text(values_of, key)

        activated_at = _parse_time(self._first(values_of, "activated_at"))
        return AccountRecord(
            login=text("login"),
            email=text("email"),
            first_name=text("first_name"),
            last_name=text("last_name"),
            category=self._category(values_of),
            activated=activated_at is not None,
            recovery_email=text("recovery_email"),
            forwarding_address=text("forwarding_address"),
            keep_copy=self._keep_copy(values_of),
            directory_consent=text("unlisted").upper() == "FALSE",
            charter_version=text("charter_version"),
            charter_accepted_at=_parse_time(self._first(values_of, "charter_accepted_at")),
            activated_at=activated_at,
        )

    def _keep_copy(self, values_of: dict[str, list[Any]]) -> bool:
        """Read the keep-copy choice: `forwardonly` among the delivery options means no
        copy; without any, an older entry's portiqueKeepCopy; without either, mail is
        delivered to the mailbox too (qmail-ldap's default)."""
        option = self.attributes["delivery_option"]
        options = {str(v).lower() for v in values_of.get(option, [])} if option else set()
        if options:
            return _FORWARD_ONLY not in options
        legacy = self._text(values_of, "keep_copy") if self.attributes["keep_copy"] else ""
        if legacy or not option:
            return legacy.upper() == "TRUE"
        return True

    def _mail_changes(
        self, values_of: dict[str, list[Any]], *, forwarding_address: str | None, keep_copy: bool
    ) -> dict[str, list[tuple[str, list[str]]]]:
        """Return the modifications that record the keep-copy choice: `forwardonly` added to
        or removed from the delivery options (never while nothing is forwarded: the mail
        would go nowhere), the older portiqueKeepCopy removed; or, without a delivery
        option attribute, portiqueKeepCopy written."""
        a = self.attributes
        option = a["delivery_option"]
        if not option:
            return {a["keep_copy"]: [(MODIFY_REPLACE, [_boolean(keep_copy)])]}
        forwarded = bool(
            forwarding_address
            if forwarding_address is not None
            else self._text(values_of, "forwarding_address")
        )
        others = [str(v) for v in values_of.get(option, []) if str(v).lower() != _FORWARD_ONLY]
        changes = {
            option: [
                (
                    MODIFY_REPLACE,
                    [*others, _FORWARD_ONLY] if forwarded and not keep_copy else others,
                )
            ]
        }
        if a["keep_copy"] and values_of.get(a["keep_copy"]):
            changes[a["keep_copy"]] = [(MODIFY_REPLACE, [])]
        return changes

    def _state_changes(
        self, values_of: dict[str, list[Any]], activated_at: datetime
    ) -> dict[str, list[tuple[str, list[str]]]]:
        """Return the modifications that give the account its SupAnn active state in place of
        its former value for the same resource ({COMPTE}), the other resources' kept."""
        state = self.account_state
        resource = _resource(state)
        if not state or not resource:
            return {}
        changes: dict[str, list[tuple[str, list[str]]]] = {}
        day = activated_at.astimezone(UTC).strftime("%Y%m%d")
        for key, value in (("account_state", state), ("account_state_date", f"{state}:{day}:")):
            name = self.attributes[key]
            if name:
                others = [
                    str(v) for v in values_of.get(name, []) if not str(v).startswith(resource)
                ]
                changes[name] = [(MODIFY_REPLACE, [*others, value])]
        return changes

    def _directory_record(self, values_of: dict[str, list[Any]]) -> AccountRecord:
        """The public part of an entry the directory search matched (its attributes' values);
        its filter took only the activated people who consented."""
        return AccountRecord(
            login=self._text(values_of, "login"),
            email=self._text(values_of, "email"),
            first_name=self._text(values_of, "first_name"),
            last_name=self._text(values_of, "last_name"),
            category=self._category(values_of),
            activated=True,
            directory_consent=True,
        )

    def find(self, identifier: str) -> AccountRecord | None:
        key = identifier.strip().lower()
        if not key:
            return None
        value = escape_filter_chars(key)
        ldap_filter = f"(|({self.attributes['login']}={value})({self.attributes['email']}={value}))"
        entry = self._call(lambda connection: self._search(connection, ldap_filter))
        return self._record(entry) if entry is not None else None

    def _bind_as(self, entry: Any | None, password: str) -> bool:
        """Tell whether `password` opens a bind as the person of `entry`. An unknown person
        still costs a bind, against a name that cannot exist, so that the answer takes as
        long either way."""
        dn = entry.entry_dn if entry is not None else self._dn("\u00a0no-such-person")
        if not password:
            # An empty password would be an anonymous bind, which succeeds: never try it.
            return False
        try:
            self._open(dn, password).unbind()
        except (ldap_errors.LDAPBindError, ldap_errors.LDAPInvalidCredentialsResult):
            return False
        except _UNREACHABLE as error:
            raise StoreUnavailable(str(error)) from error
        return entry is not None

    def verify_provisional_password(self, login: str, password: str) -> bool:
        entry = self._call(lambda connection: self._entry_for_login(connection, login))
        return self._bind_as(entry, password)

    def verify_password(self, login: str, password: str) -> bool:
        entry = self._call(lambda connection: self._entry_for_login(connection, login))
        activated = entry is not None and self._value(entry, "activated_at") is not None
        return self._bind_as(entry if activated else None, password)

    def set_password(self, login: str, password: str) -> None:
        self._call(
            lambda connection: self._set_password(
                connection, self._existing_dn(connection, login), password
            ),
            attempts=len(_WRITE_ATTEMPTS),
        )

    def update_profile(self, login: str, changes: ProfileChanges) -> None:
        a = self.attributes
        values: dict[str, list[str]] = {}
        if changes.recovery_email is not None:
            values[a["recovery_email"]] = [changes.recovery_email]
        if changes.forwarding_address is not None:
            values[a["forwarding_address"]] = (
                [changes.forwarding_address] if changes.forwarding_address else []
            )
        if changes.directory_consent is not None:
            values[a["unlisted"]] = [_boolean(not changes.directory_consent)]
        if changes.charter_version is not None:
            values[a["charter_version"]] = [changes.charter_version]
        if changes.charter_accepted_at is not None:
            values[a["charter_accepted_at"]] = [_generalized_time(changes.charter_accepted_at)]
        # The delivery options follow the keep-copy choice and whether anything is
        # forwarded at all: they are worked out from the entry as it is.
        mail_changes = changes.keep_copy is not None or changes.forwarding_address == ""
        if not values and not mail_changes:
            return
        modifications = {name: [(MODIFY_REPLACE, v)] for name, v in values.items()}

        def write(connection: Connection) -> None:
            entry = self._entry_for_login(connection, login)
            if entry is None:
                raise LookupError(f"no directory entry for {login}")
            if mail_changes:
                values_of = entry.entry_attributes_as_dict
                keep_copy = (
                    self._keep_copy(values_of) if changes.keep_copy is None else changes.keep_copy
                )
                modifications.update(
                    self._mail_changes(
                        values_of,
                        forwarding_address=changes.forwarding_address,
                        keep_copy=keep_copy,
                    )
                )
            connection.modify(str(entry.entry_dn), modifications)

        self._call(write, attempts=len(_WRITE_ATTEMPTS))

    def search_directory(self, query: str, *, offset: int, limit: int) -> DirectoryPage:
        words = query_words(query)
        if not words:
            return DirectoryPage(entries=[], total=0)
        ldap_filter = self._directory_filter(query)
        entries, truncated = self._call(
            lambda connection: self._read_pages(connection, ldap_filter)
        )
        # Each entry's values read once: ldap3 copies them anew at each access (see _record).
        found = [entry.entry_attributes_as_dict for entry in entries]
        records = sorted(
            (self._directory_record(v) for v in found if self._names_contain(v, words)),
            key=lambda r: (*sort_key(r.first_name, r.last_name), r.login),
        )
        return DirectoryPage(
            entries=records[offset : offset + limit], total=len(records), truncated=truncated
        )

    def _directory_filter(self, query: str) -> str:
        """Return the filter of the listed people whose names may contain each word of
        `query` (see ldap_filters.directory_filter)."""
        return directory_filter(query, self.attributes)

    def _names_contain(self, values_of: dict[str, list[Any]], words: list[str]) -> bool:
        """Tell whether one of the entry's first or last names (in `values_of`, its
        attributes' values), folded, contains each of the folded `words`."""
        names = [
            fold(str(value))
            for key in ("first_name", "last_name")
            for value in values_of.get(self.attributes[key], [])
        ]
        return all(any(word in name for name in names) for word in words)

    def _read_pages(self, connection: Connection, ldap_filter: str) -> tuple[list[Any], bool]:
        """Read the public attributes (_DIRECTORY_KEYS) of the people `ldap_filter` matches,
        a page at a time (RFC 2696), at most search_max_entries of them; return them, and
        whether there were more."""
        entries: list[Any] = []
        cookie: bytes | None = None
        while True:
            connection.search(
                self.people_base,
                ldap_filter,
                search_scope=SUBTREE,
                attributes=sorted({self.attributes[key] for key in _DIRECTORY_KEYS}),
                time_limit=max(1, int(self.timeout)),
                # One more than the bound, to know whether there are more.
                paged_size=min(self.search_page_size, self.search_max_entries + 1 - len(entries)),
                paged_cookie=cookie,
            )
            entries.extend(connection.entries)
            result = connection.result
            control = (result.get("controls") or {}).get(_PAGED_RESULTS) or {}
            cookie = (control.get("value") or {}).get("cookie")
            if len(entries) > self.search_max_entries:
                if cookie:
                    self._abandon(connection, ldap_filter, cookie)
                return entries[: self.search_max_entries], True
            if result["result"] in _STOPPED_BY_THE_DIRECTORY:
                # OpenLDAP counts a paged search's entries against the size limit of the
                # service account, unless its `limits` raise size.prtotal (see README).
                logger.warning(
                    "The directory stopped a public-directory search after %d entries (%s): "
                    "let the service account page past its size limit",
                    len(entries),
                    _STOPPED_BY_THE_DIRECTORY[result["result"]],
                )
                return entries, True
            if not cookie:
                return entries, False

    def _abandon(self, connection: Connection, ldap_filter: str, cookie: bytes) -> None:
        """Tell the directory to forget a paged search that will not be read to its end (a
        page size of 0, RFC 2696), rather than keep its state until it times out."""
        try:
            connection.search(
                self.people_base,
                ldap_filter,
                search_scope=SUBTREE,
                attributes=[NO_ATTRIBUTES],
                paged_size=0,
                paged_cookie=cookie,
            )
        except ldap_errors.LDAPOperationResult as error:
            # The entries are read already: a directory that refuses to forget the search
            # only keeps it until its own timeout.
            logger.info("The directory did not abandon a paged search: %s", error)

    # -- writing ---------------------------------------------------------------------

    def _dn(self, login: str) -> str:
        # AD names a user by its cn, whatever attribute holds the login.
        naming = "CN" if self.active_directory else self.attributes["login"]
        return f"{naming}={escape_rdn(login)},{self.people_base}"

    def _existing_dn(self, connection: Connection, login: str) -> str:
        entry = self._entry_for_login(connection, login)
        if entry is None:
            raise LookupError(f"no directory entry for {login}")
        return str(entry.entry_dn)

    def _set_password(self, connection: Connection, dn: str, password: str) -> None:
        """Set the password of `dn`; raises PasswordRefused when AD's domain policy refuses
        it. Dates the change (shadowLastChange) where the directory does not itself."""
        if self.active_directory:
            # AD has no RFC 3062: it replaces unicodePwd, over an encrypted connection only.
            ad.set_password(connection, dn, password)
            return
        # RFC 3062 Password Modify, by the service account: the directory hashes it.
        connection.extend.standard.modify_password(user=dn, new_password=password)
        if self.attributes["password_changed"]:
            days = int(clock.now().timestamp() // 86400)
            try:
                connection.modify(
                    dn, {self.attributes["password_changed"]: [(MODIFY_REPLACE, [str(days)])]}
                )
            except (
                ldap_errors.LDAPObjectClassViolationResult,
                ldap_errors.LDAPUndefinedAttributeTypeResult,
                ldap_errors.LDAPInsufficientAccessRightsResult,
            ) as error:
                # The password is set: an entry without shadowAccount, or a directory that
                # does not let Portique date it, is the README's setup to finish, not the
                # person's failure.
                logger.warning(
                    "The directory did not take %s for %s (%s): add shadowAccount to the "
                    'entries and let the service account write it, or map it to ""',
                    self.attributes["password_changed"],
                    dn,
                    error,
                )

    def create(
        self,
        *,
        login: str,
        first_name: str,
        last_name: str,
        category: str,
        provisional_password: str,
    ) -> AccountRecord:
        attributes = {
            self.attributes["login"]: login,
            "cn": login if self.active_directory else f"{first_name} {last_name}",
            self.attributes["first_name"]: first_name,
            self.attributes["last_name"]: last_name,
            self.attributes["email"]: f"{login}@{settings.PORTIQUE_MAIL_DOMAIN}",
            self.attributes["category"]: self.category_values.get(category, category),
            self.attributes["unlisted"]: "TRUE",
        }

        if self.active_directory:
            attributes["displayName"] = f"{first_name} {last_name}"
            attributes["userPrincipalName"] = f"{login}@{settings.PORTIQUE_MAIL_DOMAIN}"

        def add(connection: Connection) -> None:
            dn = self._dn(login)
            connection.add(dn, self.object_classes, attributes)
            self._set_password(connection, dn, provisional_password)
            if self.active_directory:
                # AD adds a user disabled; it may be enabled once it has a password.
                connection.modify(
                    dn,
                    {"userAccountControl": [(MODIFY_REPLACE, [str(NORMAL_ACCOUNT)])]},
                )

        self._call(add, attempts=1)
        record = self.find(login)
        if record is None:
            raise StoreUnavailable(f"{login} was added but cannot be read back")
        return record

    def create_many(self, accounts: Sequence[NewAccount]) -> None:
        # A directory takes one entry per request.
        for account in accounts:
            self.create(
                login=account.login,
                first_name=account.first_name,
                last_name=account.last_name,
                category=account.category,
                provisional_password=account.provisional_password,
            )

    def set_provisional_passwords(self, passwords: Mapping[str, str]) -> None:
        for login, password in passwords.items():
            self.set_provisional_password(login, password)

    def activation_states(self, logins: Sequence[str]) -> dict[str, bool]:
        records = ((login, self.find(login)) for login in logins)
        return {login: record.activated for login, record in records if record is not None}

    def taken_logins(self) -> _TakenInDirectory:
        return _TakenInDirectory(self)

    def prepare_password(self, password: str) -> PreparedPassword:
        # The directory hashes what it is sent, under its own policy.
        return PreparedPassword(password)

    def set_provisional_password(self, login: str, provisional_password: str) -> None:
        def write(connection: Connection) -> None:
            entry = self._entry_for_login(connection, login)
            if entry is None:
                raise LookupError(f"no directory entry for {login}")
            # The directory keeps one password: once activated, it is the person's own,
            # which a new provisional password must not overwrite.
            if self._value(entry, "activated_at") is None:
                self._set_password(connection, str(entry.entry_dn), provisional_password)

        self._call(write, attempts=len(_WRITE_ATTEMPTS))

    def activate(self, login: str, activation: Activation) -> None:
        a = self.attributes
        changes: dict[str, list[tuple[str, list[str]]]] = {
            a["recovery_email"]: [(MODIFY_REPLACE, [activation.recovery_email])],
            a["forwarding_address"]: [
                (
                    MODIFY_REPLACE,
                    [activation.forwarding_address] if activation.forwarding_address else [],
                )
            ],
            a["unlisted"]: [(MODIFY_REPLACE, [_boolean(not activation.directory_consent)])],
            a["charter_version"]: [(MODIFY_REPLACE, [activation.charter_version])],
            a["charter_accepted_at"]: [
                (MODIFY_REPLACE, [_generalized_time(activation.charter_accepted_at)])
            ],
        }

        def write(connection: Connection) -> None:
            # Every step replaces rather than adds: running it again gives the same entry.
            # The password comes first, so that a password the directory's policy refuses
            # (PasswordRefused) leaves the entry untouched; the activation mark comes last,
            # so an entry marked activated is complete.
            entry = self._entry_for_login(connection, login)
            if entry is None:
                raise LookupError(f"no directory entry for {login}")
            dn = str(entry.entry_dn)
            values_of = entry.entry_attributes_as_dict
            self._set_password(connection, dn, activation.password.value)
            connection.modify(
                dn,
                {
                    **changes,
                    **self._mail_changes(
                        values_of,
                        forwarding_address=activation.forwarding_address,
                        keep_copy=activation.keep_copy,
                    ),
                    **self._state_changes(values_of, activation.activated_at),
                },
            )
            connection.modify(
                dn,
                {
                    a["activated_at"]: [
                        (MODIFY_REPLACE, [_generalized_time(activation.activated_at)])
                    ]
                },
            )

        self._call(write, attempts=len(_WRITE_ATTEMPTS))

    def ping(self) -> None:
        """Raise StoreUnavailable unless the directory answers a search of the people base."""
        self._call(
            lambda connection: connection.search(
                self.people_base, "(objectClass=*)", search_scope=BASE, attributes=[]
            )
        )
