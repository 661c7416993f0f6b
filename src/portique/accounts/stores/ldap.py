"""The LDAP account store: the account lives in the institution's directory (OpenLDAP with
the SupAnn schema, or compatible), which CAS, the mail system and every other service read.

- The service account searches and writes; the person's provisional password is checked by
  binding as the person; new passwords are set with the Password Modify extended operation
  (RFC 3062), so that the directory hashes them under its own policy.
- Attribute names are a setting (PORTIQUE_LDAP_ATTRIBUTES) with SupAnn defaults.
- Any network failure or timeout becomes StoreUnavailable: the caller shows "service
  temporarily unavailable" and counts no failure against the person.
"""

import queue
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from ldap3 import BASE, MODIFY_REPLACE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from portique.accounts.stores.base import (
    AccountRecord,
    Activation,
    DirectoryPage,
    ProfileChanges,
    StoreUnavailable,
)

T = TypeVar("T")

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
    "keep_copy": "portiqueKeepCopy",
    "charter_version": "portiqueCharterVersion",
    "charter_accepted_at": "portiqueCharterAcceptedAt",
    "activated_at": "portiqueActivatedAt",
}
# eduPersonAffiliation value of each category, in the order they are recognised: someone
# who is both "affiliate" and "student" is a vacataire first.
DEFAULT_CATEGORY_VALUES = {"vacataire": "affiliate", "staff": "staff", "student": "student"}
DEFAULT_OBJECT_CLASSES = [
    "inetOrgPerson", "eduPerson", "supannPerson", "mailForwarding", "portiqueAccount",
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


class LdapAccountStore:
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
    ) -> None:
        self.active_directory = active_directory
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
        self.attributes = {**DEFAULT_ATTRIBUTES, **(attributes or {})}
        self.category_values = category_values or dict(DEFAULT_CATEGORY_VALUES)
        self.object_classes = object_classes or list(DEFAULT_OBJECT_CLASSES)
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
            receive_timeout=self.timeout,
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
        return sorted(set(self.attributes.values()))

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
        name = self.attributes[key]
        if name not in entry.entry_attributes_as_dict:
            return None
        values = entry.entry_attributes_as_dict[name]
        return values[0] if values else None

    def _category(self, entry: Any) -> str:
        name = self.attributes["category"]
        values = {str(v).lower() for v in entry.entry_attributes_as_dict.get(name, [])}
        for category, value in self.category_values.items():
            if value.lower() in values:
                return category
        return ""

    def _record(self, entry: Any) -> AccountRecord:
        unlisted = str(self._value(entry, "unlisted") or "").upper()
        activated_at = _parse_time(self._value(entry, "activated_at"))
        keep_copy = str(self._value(entry, "keep_copy") or "").upper()
        return AccountRecord(
            login=str(self._value(entry, "login") or ""),
            email=str(self._value(entry, "email") or ""),
            first_name=str(self._value(entry, "first_name") or ""),
            last_name=str(self._value(entry, "last_name") or ""),
            category=self._category(entry),
            activated=activated_at is not None,
            recovery_email=str(self._value(entry, "recovery_email") or ""),
            forwarding_address=str(self._value(entry, "forwarding_address") or ""),
            keep_copy=keep_copy == "TRUE",
            directory_consent=unlisted == "FALSE",
            charter_version=str(self._value(entry, "charter_version") or ""),
            charter_accepted_at=_parse_time(self._value(entry, "charter_accepted_at")),
            activated_at=activated_at,
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
        if changes.keep_copy is not None:
            values[a["keep_copy"]] = [_boolean(changes.keep_copy)]
        if changes.directory_consent is not None:
            values[a["unlisted"]] = [_boolean(not changes.directory_consent)]
        if changes.charter_version is not None:
            values[a["charter_version"]] = [changes.charter_version]
        if changes.charter_accepted_at is not None:
            values[a["charter_accepted_at"]] = [_generalized_time(changes.charter_accepted_at)]
        if not values:
            return
        modifications = {name: [(MODIFY_REPLACE, v)] for name, v in values.items()}
        self._call(
            lambda connection: connection.modify(
                self._existing_dn(connection, login), modifications
            ),
            attempts=len(_WRITE_ATTEMPTS),
        )

    def search_directory(self, query: str, *, offset: int, limit: int) -> DirectoryPage:
        words = query.split()
        if not words:
            return DirectoryPage(entries=[], total=0)
        a = self.attributes
        names = "".join(
            f"(|({a['first_name']}=*{escape_filter_chars(w)}*)({a['last_name']}=*{escape_filter_chars(w)}*))"
            for w in words
        )
        ldap_filter = f"(&({a['activated_at']}=*)({a['unlisted']}=FALSE){names})"

        def search(connection: Connection) -> list[Any]:
            connection.search(
                self.people_base,
                ldap_filter,
                search_scope=SUBTREE,
                attributes=self._attribute_list(),
                size_limit=500,
                time_limit=max(1, int(self.timeout)),
            )
            return list(connection.entries)

        try:
            entries = self._call(search)
        except ldap_errors.LDAPSizeLimitExceededResult:
            entries = []
        records = sorted(
            (self._record(e) for e in entries), key=lambda r: (r.last_name, r.first_name, r.login)
        )
        return DirectoryPage(entries=records[offset : offset + limit], total=len(records))

    # -- writing ---------------------------------------------------------------------

    def _dn(self, login: str) -> str:
        return f"{self.attributes['login']}={escape_rdn(login)},{self.people_base}"

    def _existing_dn(self, connection: Connection, login: str) -> str:
        entry = self._entry_for_login(connection, login)
        if entry is None:
            raise LookupError(f"no directory entry for {login}")
        return str(entry.entry_dn)

    def _set_password(self, connection: Connection, dn: str, password: str) -> None:
        if self.active_directory:
            # AD has no RFC 3062: it replaces unicodePwd, over an encrypted connection only.
            connection.extend.microsoft.modify_password(dn, password)
            return
        # RFC 3062 Password Modify, by the service account: the directory hashes it.
        connection.extend.standard.modify_password(user=dn, new_password=password)

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
            "cn": f"{first_name} {last_name}",
            self.attributes["first_name"]: first_name,
            self.attributes["last_name"]: last_name,
            self.attributes["email"]: f"{login}@{settings.PORTIQUE_MAIL_DOMAIN}",
            self.attributes["category"]: self.category_values.get(category, category),
            self.attributes["unlisted"]: "TRUE",
        }

        def add(connection: Connection) -> None:
            dn = self._dn(login)
            connection.add(dn, self.object_classes, attributes)
            self._set_password(connection, dn, provisional_password)

        self._call(add, attempts=1)
        record = self.find(login)
        if record is None:
            raise StoreUnavailable(f"{login} was added but cannot be read back")
        return record

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
            a["keep_copy"]: [(MODIFY_REPLACE, [_boolean(activation.keep_copy)])],
            a["unlisted"]: [(MODIFY_REPLACE, [_boolean(not activation.directory_consent)])],
            a["charter_version"]: [(MODIFY_REPLACE, [activation.charter_version])],
            a["charter_accepted_at"]: [
                (MODIFY_REPLACE, [_generalized_time(activation.charter_accepted_at)])
            ],
        }

        def write(connection: Connection) -> None:
            # Every step replaces rather than adds: running it again gives the same entry.
            # The activation mark comes last, so an entry marked activated is complete.
            dn = self._existing_dn(connection, login)
            connection.modify(dn, changes)
            self._set_password(connection, dn, activation.password)
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
