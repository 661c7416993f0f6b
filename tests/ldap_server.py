"""A real OpenLDAP server (Debian's slapd) for the tests, on a loopback port, with the schema
of a university directory (eduPerson, SupAnn, mail forwarding, RFC 2307's shadowAccount)
and Portique's own.

Load with `pytest_plugins = ["tests.ldap_server"]` in a test module: it gives the fixtures
`slapd` (one server for the whole session) and `ldap_settings` (that server emptied of
people, with PORTIQUE_ACCOUNT_STORE=ldap aimed at it).

The directory holds dc=univ,dc=test, ou=people and ou=services, and Portique's service
account. Its access rules are the ones a university gives such an account: it reads people
and writes only what the activation changes; a person can only bind.

Its size limit is SIZE_LIMIT entries (slapd's default is 500), which the service account
may page past (size.prtotal), as the README tells universities to allow. A second account,
`limited_service_dn`, reads the same but keeps slapd's default: its paged searches stop at
the size limit too.
"""

import socket
import subprocess
import tempfile
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from shutil import rmtree
from typing import Any

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException
from ldap3.utils.dn import parse_dn

from tests.support.processes import stop_process, wait_until_answering

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SLAPPASSWD = Path("/usr/sbin/slappasswd")
MISSING_SLAPD = "install Debian's slapd and ldap-utils (apt-get install slapd ldap-utils)"

SYSTEM_SCHEMA = Path("/etc/ldap/schema")
PORTIQUE_SCHEMA = Path(str(files("portique.accounts.stores") / "schema" / "portique.schema"))
TESTS_SCHEMA = Path(__file__).parent / "ldap" / "schema" / "supann-subset.schema"

HOST = "127.0.0.1"
BASE_DN = "dc=univ,dc=test"
PEOPLE_BASE = f"ou=people,{BASE_DN}"
SERVICES_BASE = f"ou=services,{BASE_DN}"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "slapd-admin-secret"
SERVICE_DN = f"cn=portique,{SERVICES_BASE}"
SERVICE_PASSWORD = "portique-service-secret"
LIMITED_SERVICE_DN = f"cn=portique-limited,{SERVICES_BASE}"
LIMITED_SERVICE_PASSWORD = "portique-limited-secret"
# Small, so that a handful of entries goes past it.
SIZE_LIMIT = 5

# What Portique's service account may change in a person's entry, and nothing else.
WRITABLE_BY_SERVICE = (
    "supannMailPerso",
    "mailForwardingAddress",
    "supannListeRouge",
    "portiqueKeepCopy",
    "portiqueCharterVersion",
    "portiqueCharterAcceptedAt",
    "portiqueActivatedAt",
    "mailDeliveryOption",
    "supannRessourceEtat",
    "supannRessourceEtatDate",
    "shadowLastChange",
)

READY_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def ssha(password: str) -> str:
    """Hash `password` the way slapd stores it ({SSHA}), with slapd's own tool."""
    hashed = subprocess.run(  # noqa: S603 (Debian's slappasswd, our own arguments)
        [SLAPPASSWD, "-h", "{SSHA}", "-s", password],
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    )
    return hashed.stdout.strip()


def _slapd_conf(workdir: Path, data: Path) -> str:
    service = f'dn.exact="{SERVICE_DN}"'
    limited = f'dn.exact="{LIMITED_SERVICE_DN}"'
    people = f'dn.subtree="{PEOPLE_BASE}"'
    return f"""\
include {SYSTEM_SCHEMA / "core.schema"}
include {SYSTEM_SCHEMA / "cosine.schema"}
include {SYSTEM_SCHEMA / "inetorgperson.schema"}
include {SYSTEM_SCHEMA / "nis.schema"}
include {PORTIQUE_SCHEMA}
include {TESTS_SCHEMA}

pidfile {workdir / "slapd.pid"}
argsfile {workdir / "slapd.args"}
modulepath /usr/lib/ldap
moduleload back_mdb
# Only errors, and only on stderr (slapd.log): not the machine's syslog.
loglevel none
# Also what the Password Modify extended operation stores.
password-hash {{SSHA}}

database mdb
suffix "{BASE_DN}"
rootdn "{ADMIN_DN}"
rootpw {ssha(ADMIN_PASSWORD)}
directory {data}
index objectClass eq
index uid,mail eq
# Before `limits`, which starts from it. The service account's paged searches go past it.
sizelimit {SIZE_LIMIT}
limits {service} size.prtotal=unlimited

# The service account may add people (`portique add-person` and the demo create entries;
# in production your identity management usually does, and this rule can go).
access to dn.base="{PEOPLE_BASE}" attrs=children
    by {service} write
    by * none
access to dn.one="{PEOPLE_BASE}" attrs=entry
    by {service} write
    by * break
# Nobody reads a password (not even the service account), anyone can bind with one, and the
# service account sets people's passwords (Password Modify), not its own.
access to {people} attrs=userPassword
    by {service} =w
    by anonymous auth
    by * none
access to attrs=userPassword
    by anonymous auth
    by * none
# What the activation writes.
access to {people} attrs={",".join(WRITABLE_BY_SERVICE)}
    by {service} write
    by {limited} read
    by * none
# The service accounts read the rest of the directory; a person bound as themselves reads
# nothing (the root DSE and the schema stay readable by all: they are not in this database).
access to *
    by {service} read
    by {limited} read
    by * none
"""


def _base_ldif() -> str:
    return f"""\
dn: {BASE_DN}
objectClass: dcObject
objectClass: organization
dc: univ
o: University of Tests

dn: {PEOPLE_BASE}
objectClass: organizationalUnit
ou: people

dn: {SERVICES_BASE}
objectClass: organizationalUnit
ou: services

dn: {SERVICE_DN}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: portique
description: Portique, the IT-account activation portal
userPassword: {ssha(SERVICE_PASSWORD)}

dn: {LIMITED_SERVICE_DN}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: portique-limited
description: Portique, without paged searches past the size limit
userPassword: {ssha(LIMITED_SERVICE_PASSWORD)}
"""


class SlapdServer:
    """A slapd on a fixed loopback port, with its data in `workdir`, that can be stopped and
    started again with the same data, to play a directory that is down for a while."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.host = HOST
        self.port = free_port()
        self.base_dn = BASE_DN
        self.people_base = PEOPLE_BASE
        self.admin_dn = ADMIN_DN
        self.admin_password = ADMIN_PASSWORD
        self.service_dn = SERVICE_DN
        self.service_password = SERVICE_PASSWORD
        self.limited_service_dn = LIMITED_SERVICE_DN
        self.limited_service_password = LIMITED_SERVICE_PASSWORD
        self.size_limit = SIZE_LIMIT
        self.config = workdir / "slapd.conf"
        self.log = workdir / "slapd.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._load_base()

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None

    def _load_base(self) -> None:
        data = self.workdir / "data"
        data.mkdir(mode=0o700)
        self.config.write_text(_slapd_conf(self.workdir, data))
        ldif = self.workdir / "base.ldif"
        ldif.write_text(_base_ldif())
        # Offline, before the first start: slapadd checks every entry against the schema.
        loaded = subprocess.run(  # noqa: S603 (Debian's slapadd, our own arguments)
            [SLAPADD, "-f", self.config, "-l", ldif],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if loaded.returncode != 0:
            raise RuntimeError(f"slapadd refused the base LDIF:\n{loaded.stderr}")

    def start(self) -> None:
        """Start slapd (on the same port and data as before, if it ran already) and return
        once it answers an anonymous bind."""
        assert self._process is None, "slapd is already running"
        with self.log.open("ab") as log:
            # Its own process group, so that a stuck slapd can be killed with all it started.
            # "-d none" keeps slapd in the foreground, like "-d 0", but still prints its
            # errors (a port in use, a schema it refuses) into slapd.log, which "-d 0" drops.
            self._process = subprocess.Popen(  # noqa: S603 (Debian's slapd, our own arguments)
                [SLAPD, "-d", "none", "-f", self.config, "-h", f"{self.url}/"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop slapd (its data stays) and return once it has exited."""
        process, self._process = self._process, None
        stop_process(process, timeout=STOP_TIMEOUT)

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        wait_until_answering(
            self._process,
            self._answers,
            name=f"slapd on {self.url}",
            timeout=READY_TIMEOUT,
            log=self._log,
            pause=0.05,
        )

    def _answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                pass
            anonymous = ldap3.Connection(self.server(get_info=ldap3.NONE), receive_timeout=1)
            try:
                return bool(anonymous.bind())
            finally:
                anonymous.unbind()
        except (OSError, LDAPException):
            return False

    def _log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def server(self, **options: Any) -> ldap3.Server:
        """An ldap3 Server for this slapd; it reads the schema, so that values come back
        typed (bool, datetime)."""
        options.setdefault("connect_timeout", 2)
        options.setdefault("get_info", ldap3.SCHEMA)
        return ldap3.Server(self.host, port=self.port, **options)

    def connection(self, user: str | None = None, password: str | None = None) -> ldap3.Connection:
        """An ldap3 Connection bound as the admin (the rootdn, which no access rule limits),
        or as `user`; raises LDAPBindError when the bind fails."""
        if user is None:
            user, password = self.admin_dn, self.admin_password
        return ldap3.Connection(
            self.server(), user=user, password=password, auto_bind=True, receive_timeout=5
        )

    def reset(self) -> None:
        """Delete every entry under ou=people, deepest first."""
        with self.connection() as admin:
            admin.search(
                self.people_base,
                "(objectClass=*)",
                search_scope=ldap3.SUBTREE,
                attributes=[ldap3.NO_ATTRIBUTES],
            )
            found = [item["dn"] for item in admin.response if item["type"] == "searchResEntry"]
            for dn in sorted(found, key=lambda dn: len(parse_dn(dn)), reverse=True):
                if dn.lower() != self.people_base.lower() and not admin.delete(dn):
                    raise RuntimeError(f"could not delete {dn}: {admin.result}")


@pytest.fixture(scope="session")
def slapd() -> Iterator[SlapdServer]:
    if not all(tool.exists() for tool in (SLAPD, SLAPADD, SLAPPASSWD)):
        # A skip names what to install; in CI, tests/conftest.py makes it a failure.
        pytest.skip(MISSING_SLAPD)
    workdir = Path(tempfile.mkdtemp(prefix="portique-slapd-"))
    try:
        server = SlapdServer(workdir)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        rmtree(workdir, ignore_errors=True)


@pytest.fixture
def ldap_settings(settings: Any, slapd: SlapdServer) -> Iterator[SlapdServer]:
    """Empty ou=people and point PORTIQUE_ACCOUNT_STORE=ldap at `slapd`."""
    from portique.accounts.stores import get_account_store

    if not slapd.running:
        # A test that stopped it, to play an outage, may have failed before restarting it.
        slapd.start()
    slapd.reset()
    settings.PORTIQUE_ACCOUNT_STORE = "ldap"
    settings.PORTIQUE_LDAP_URL = slapd.url
    settings.PORTIQUE_LDAP_STARTTLS = False
    settings.PORTIQUE_LDAP_BIND_DN = slapd.service_dn
    settings.PORTIQUE_LDAP_BIND_PASSWORD = slapd.service_password
    settings.PORTIQUE_LDAP_PEOPLE_BASE = slapd.people_base
    settings.PORTIQUE_LDAP_TIMEOUT = 2
    get_account_store.cache_clear()
    yield slapd
    get_account_store.cache_clear()
