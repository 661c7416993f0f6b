"""The Active Directory target: sets the same login's password in a university's AD (the
domain of its Windows rooms), over LDAPS, with a service account that holds the "Reset
password" right on the users' OU. The account store may be another directory (slapd) or
this same AD; AD itself is proven against a real Samba domain controller.

The password replaces `unicodePwd` (accounts/stores/active_directory.py); the domain's own
policy may refuse it, which is a PasswordRefused with the domain's rules in words. An
account AD does not have (yet) is a failed target: the person comes back later, once the
identity management has created it.
"""

import logging
import math
import ssl

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from portique.accounts.stores import active_directory as ad
from portique.accounts.stores.base import PasswordRefused as RefusedByStore
from portique.passwords.targets.base import PasswordRefused, TargetUnavailable

logger = logging.getLogger(__name__)


class ActiveDirectoryTarget:
    """Sets passwords in the AD at `url` (PORTIQUE_AD_URL, ldaps://), bound as `bind_dn`
    (PORTIQUE_AD_BIND_DN, PORTIQUE_AD_BIND_PASSWORD); each person is the user under
    `users_base` (PORTIQUE_AD_USERS_BASE) whose `login_attribute` (PORTIQUE_AD_LOGIN_ATTRIBUTE,
    sAMAccountName) is their login. The certificate is checked against `ca_file`
    (PORTIQUE_AD_CA_FILE), or the system's CAs."""

    def __init__(
        self,
        *,
        url: str | None = None,
        bind_dn: str | None = None,
        bind_password: str | None = None,
        users_base: str | None = None,
        ca_file: str | None = None,
        login_attribute: str | None = None,
        timeout: float | None = None,
        name: str = "active_directory",
    ) -> None:
        self.name = name
        url = settings.PORTIQUE_AD_URL if url is None else url
        if not url.lower().startswith("ldaps://"):
            # AD sets passwords over an encrypted connection only.
            raise ImproperlyConfigured("the Active Directory target needs an ldaps:// URL")
        self.bind_dn = settings.PORTIQUE_AD_BIND_DN if bind_dn is None else bind_dn
        self.bind_password = (
            settings.PORTIQUE_AD_BIND_PASSWORD if bind_password is None else bind_password
        )
        self.users_base = settings.PORTIQUE_AD_USERS_BASE if users_base is None else users_base
        self.login_attribute = (
            settings.PORTIQUE_AD_LOGIN_ATTRIBUTE if login_attribute is None else login_attribute
        )
        self.timeout = settings.PORTIQUE_AD_TIMEOUT if timeout is None else timeout
        if not (self.bind_dn and self.users_base):
            raise ImproperlyConfigured(
                "the Active Directory target needs PORTIQUE_AD_BIND_DN and PORTIQUE_AD_USERS_BASE"
            )
        ca_file = settings.PORTIQUE_AD_CA_FILE if ca_file is None else ca_file
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file or None)
        self.server = Server(
            url, use_ssl=True, tls=tls, get_info=NONE, connect_timeout=self.timeout
        )

    def _connect(self) -> Connection:
        """Open an LDAPS connection bound as the service account; raises TargetUnavailable."""
        self.server.reset_availability()
        connection = Connection(
            self.server,
            user=self.bind_dn,
            password=self.bind_password,
            # Whole seconds: ldap3 packs it into SO_RCVTIMEO as an integer (a float such as
            # the default 5.0 raises struct.error there).
            receive_timeout=math.ceil(self.timeout),
            raise_exceptions=True,
        )
        try:
            connection.open()
            connection.bind()
        except LDAPException as error:
            # Unreachable, too slow, or the service account refused: either way the
            # password cannot be set now.
            raise TargetUnavailable(f"{self.name}: {error}") from error
        return connection

    def set_password(self, login: str, password: str) -> None:
        connection = self._connect()
        try:
            connection.search(
                self.users_base,
                f"({self.login_attribute}={escape_filter_chars(login)})",
                search_scope=SUBTREE,
                attributes=[],
                size_limit=2,
            )
            if len(connection.entries) != 1:
                logger.warning("%s: no single user %s under %s", self.name, login, self.users_base)
                raise TargetUnavailable(f"{self.name}: no single user {login}")
            ad.set_password(connection, str(connection.entries[0].entry_dn), password)
        except RefusedByStore as refusal:
            raise PasswordRefused(str(refusal.message)) from refusal
        except LDAPException as error:
            raise TargetUnavailable(f"{self.name}: {error}") from error
        finally:
            connection.unbind()

    def check(self) -> None:
        connection = self._connect()
        try:
            connection.search(self.users_base, "(objectClass=*)", search_scope=BASE, attributes=[])
        except LDAPException as error:
            raise TargetUnavailable(f"{self.name}: {error}") from error
        finally:
            connection.unbind()
