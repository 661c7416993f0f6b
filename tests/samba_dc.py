"""A real Active Directory domain controller (Debian's Samba AD DC) for the tests, on a
loopback address of its own, as tests/ldap_server.py gives a slapd.

Load with `pytest_plugins = ["tests.samba_dc"]` in a test module: it gives the fixtures
`samba_dc` (one domain for the whole session: provisioning takes seconds) and `ad_settings`
(that domain's people put back as they were, with PORTIQUE_ACCOUNT_STORE=ldap and
PORTIQUE_LDAP_ACTIVE_DIRECTORY=true aimed at it).

The domain is UNIV.TEST (DC=univ,DC=test), with OU=people and OU=services. Its password
policy is Samba's default (complexity on, a history of 24) but with passwords of at least
MIN_PASSWORD_LENGTH characters, longer than Portique's own minimum, so that the domain
refuses some passwords Portique accepts; LOCKOUT_THRESHOLD wrong passwords lock an account.

Samba listens on one address only (AD's ports are fixed: 389, 636): the first of HOSTS,
addresses of 127.0.0.0/8 that neither the test slapd nor the test KDC use (127.0.0.1), whose
ports are free, so that two test sessions on one machine each have their own DC. It runs the
LDAP server alone, over LDAPS with a certificate the fixture makes for that address: the one
Samba generates by itself names only "<host>.<realm>", which the tests cannot resolve
without editing the machine's /etc/hosts.

Service account `service_dn` may create and delete people in OU=people, write their
attributes and reset their passwords ("Reset password"), as the README tells universities to
delegate. In OU=people, `disabled_login` is an account AD marks disabled and `locked_login`
one it has locked out after wrong passwords; both have the provisional password
PROVISIONAL_PASSWORD.
"""

import fcntl
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException
from ldap3.utils.dn import parse_dn

from tests.support.processes import stop_process, wait_until_answering

SAMBA = Path("/usr/sbin/samba")
SAMBA_TOOL = Path("/usr/bin/samba-tool")
OPENSSL = Path("/usr/bin/openssl")
MISSING_SAMBA = (
    "install Debian's Samba AD domain controller "
    "(apt-get install samba samba-ad-dc samba-ad-provision winbind openssl)"
)

HOSTS = [f"127.0.0.{last}" for last in range(2, 32)]
AD_PORTS = (389, 636)
REALM = "UNIV.TEST"
DOMAIN = "UNIV"
BASE_DN = "DC=univ,DC=test"
PEOPLE_BASE = f"OU=people,{BASE_DN}"
SERVICES_BASE = f"OU=services,{BASE_DN}"
ADMIN_PASSWORD = "Samba-Admin-Secret-2026"
SERVICE_LOGIN = "portique"
SERVICE_PASSWORD = "Portique-Service-Secret-2026"
PROVISIONAL_PASSWORD = "Prov-1234-Abcd"
DISABLED_LOGIN = "disabled.person"
LOCKED_LOGIN = "locked.person"
MIN_PASSWORD_LENGTH = 12
LOCKOUT_THRESHOLD = 3

# Create and delete user objects in OU=people; on it and below, read, write properties and
# every control access right, among them "Reset password" (User-Force-Change-Password).
SERVICE_RIGHTS = "(A;CI;RPWPCRCCDCLCLORC;;;{sid})"

PROVISION_TIMEOUT = 120.0
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def _run(*command: str | Path, timeout: float = 60) -> str:
    done = subprocess.run(  # noqa: S603 (Debian's Samba and OpenSSL tools, our own arguments)
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} {command[1]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _claim_host() -> tuple[str, IO[bytes]]:
    """Return the first of HOSTS that no other test session has claimed and on which nobody
    listens on AD's ports, with the lock file that claims it (closing it lets it go). A
    session holds its claim from provisioning, which takes seconds, to the end: a port
    probe alone would let two sessions starting together pick the same address."""
    for host in HOSTS:
        claim = open(Path(tempfile.gettempdir()) / f"portique-samba-dc-{host}.lock", "ab")  # noqa: SIM115 (held until the session ends)
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
            for port in AD_PORTS:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((host, port))
        except OSError:
            claim.close()
            continue
        return host, claim
    raise RuntimeError(f"AD's ports {AD_PORTS} are taken on every one of {HOSTS[0]}...")


def _make_certificates(tls: Path, host: str) -> None:
    """A CA of the tests' own, and a certificate it signs for `host` (and dc1.univ.test)."""
    tls.mkdir(mode=0o700)
    ca_key, ca, key, request, san = (
        tls / name for name in ("ca.key", "ca.pem", "key.pem", "dc.csr", "san.cnf")
    )
    days = ("-days", "2")
    _run(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", *days,
         "-subj", "/CN=Portique tests CA", "-keyout", ca_key, "-out", ca)  # fmt: skip
    _run(OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=dc1.univ.test",
         "-keyout", key, "-out", request)  # fmt: skip
    san.write_text(f"subjectAltName=IP:{host},DNS:dc1.univ.test\n")
    _run(OPENSSL, "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", *days, "-extfile", san, "-out", tls / "cert.pem")  # fmt: skip
    (tls / "key.pem").chmod(0o600)


class SambaDomainController:
    """A Samba AD DC provisioned in `workdir`, that can be stopped and started again with
    the same domain, to play a domain controller that is down for a while."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.host, self._claim = _claim_host()
        self.base_dn = BASE_DN
        self.people_base = PEOPLE_BASE
        self.admin_dn = f"CN=Administrator,CN=Users,{BASE_DN}"
        self.admin_password = ADMIN_PASSWORD
        self.service_dn = f"CN={SERVICE_LOGIN},{SERVICES_BASE}"
        self.service_password = SERVICE_PASSWORD
        self.provisional_password = PROVISIONAL_PASSWORD
        self.disabled_login = DISABLED_LOGIN
        self.locked_login = LOCKED_LOGIN
        self.min_password_length = MIN_PASSWORD_LENGTH
        self.lockout_threshold = LOCKOUT_THRESHOLD
        self.ca_file = workdir / "tls" / "ca.pem"
        self.config = workdir / "dc" / "etc" / "smb.conf"
        self.log = workdir / "samba.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._provision()

    @property
    def url(self) -> str:
        return f"ldaps://{self.host}"

    @property
    def running(self) -> bool:
        return self._process is not None

    def person_dn(self, login: str) -> str:
        return f"CN={login},{self.people_base}"

    def _tool(self, *arguments: str) -> str:
        """Run samba-tool on the domain's own database (offline, before the first start)."""
        return _run(SAMBA_TOOL, *arguments, "-s", self.config)

    def _provision(self) -> None:
        tls = self.workdir / "tls"
        _make_certificates(tls, self.host)
        options = {
            "interfaces": f"{self.host}/8",
            "bind interfaces only": "yes",
            # The LDAP server alone: no SMB, no DNS, no KDC (the tests' own MIT KDC is
            # another engineer's realm), no replication.
            "server services": "ldap",
            "tls enabled": "yes",
            "tls keyfile": str(tls / "key.pem"),
            "tls certfile": str(tls / "cert.pem"),
            "tls cafile": str(tls / "ca.pem"),
            "log file": str(self.workdir / "log.%m"),
        }
        _run(
            SAMBA_TOOL, "domain", "provision",
            f"--targetdir={self.workdir / 'dc'}", f"--realm={REALM}", f"--domain={DOMAIN}",
            "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307", "--host-name=dc1",
            f"--host-ip={self.host}", f"--adminpass={ADMIN_PASSWORD}",
            *(f"--option={name}={value}" for name, value in options.items()),
            timeout=PROVISION_TIMEOUT,
        )  # fmt: skip
        # Provisioning does not keep these options: they go into smb.conf after.
        after = {
            # Samba otherwise accepts a replaced password in simple binds for an hour
            # (NTLM's grace for other clients): the provisional password would still open
            # the account.
            "old password allowed period": "0",
            # Not /run/samba: a second test session, or the machine's own Samba, keeps its
            # pid file there.
            "pid directory": str(self.workdir / "run"),
        }
        (self.workdir / "run").mkdir()
        lines = "".join(f"\t{name} = {value}\n" for name, value in after.items())
        config = self.config.read_text()
        self.config.write_text(config.replace("[global]\n", f"[global]\n{lines}", 1))
        self._tool(
            "domain", "passwordsettings", "set",
            f"--min-pwd-length={MIN_PASSWORD_LENGTH}",
            f"--account-lockout-threshold={LOCKOUT_THRESHOLD}",
            # Longer than the suite's clock shifts: under CLOCK_SHIFT=-30d a 30-minute lockout
            # ended at once (part of Samba's lockout check reads a clock faketime leaves alone).
            "--account-lockout-duration=99999", "--reset-account-lockout-after=99999",
        )  # fmt: skip
        self._tool("ou", "add", "OU=people")
        self._tool("ou", "add", "OU=services")
        self._tool(
            "user", "create", SERVICE_LOGIN, SERVICE_PASSWORD,
            "--userou=OU=services", "--use-username-as-cn",
        )  # fmt: skip
        shown = self._tool("user", "show", SERVICE_LOGIN, "--attributes=objectSid")
        sid = next(line.split(":", 1)[1].strip() for line in shown.splitlines()
                   if line.startswith("objectSid:"))  # fmt: skip
        self._tool(
            "dsacl", "set", f"--objectdn={PEOPLE_BASE}", f"--sddl={SERVICE_RIGHTS.format(sid=sid)}"
        )
        for login, given, surname in (
            (DISABLED_LOGIN, "Dora", "Disabled"),
            (LOCKED_LOGIN, "Louis", "Locked"),
        ):
            self._tool(
                "user", "create", login, PROVISIONAL_PASSWORD,
                "--userou=OU=people", "--use-username-as-cn",
                f"--given-name={given}", f"--surname={surname}",
                f"--mail-address={login}@umontpellier.fr",
            )  # fmt: skip
        self._tool("user", "disable", DISABLED_LOGIN)

    def start(self) -> None:
        """Start Samba (on the same domain as before, if it ran already) and return once it
        answers an LDAPS bind."""
        assert self._process is None, "samba is already running"
        with self.log.open("ab") as log:
            # In the foreground (-i), one process (-M single), in its own process group.
            self._process = subprocess.Popen(  # noqa: S603 (Debian's samba, our own arguments)
                [SAMBA, "-i", "-M", "single", "-s", self.config, "--debuglevel=1"],
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

    def release(self) -> None:
        """Let another test session take this DC's address."""
        self._claim.close()

    def stop(self) -> None:
        """Stop Samba (the domain stays) and return once it has exited."""
        process, self._process = self._process, None
        stop_process(process, timeout=STOP_TIMEOUT)

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        wait_until_answering(
            self._process,
            self._answers,
            name=f"samba on {self.url}",
            timeout=READY_TIMEOUT,
            log=self._log,
            pause=0.2,
        )

    def _answers(self) -> bool:
        try:
            with socket.create_connection((self.host, 636), timeout=0.5):
                pass
            self.connection().unbind()
            return True
        except (OSError, LDAPException):
            return False

    def _log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def server(self) -> ldap3.Server:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_file))
        return ldap3.Server(
            self.host, port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE, connect_timeout=2
        )

    def connection(self, user: str | None = None, password: str | None = None) -> ldap3.Connection:
        """An ldap3 Connection over LDAPS bound as the domain's Administrator, or as `user`;
        raises LDAPBindError when the bind fails."""
        if user is None:
            user, password = self.admin_dn, self.admin_password
        return ldap3.Connection(
            self.server(), user=user, password=password, auto_bind=True, receive_timeout=5
        )

    def binds(self, user: str, password: str) -> bool:
        """Tell whether `user` (a DN) can bind with `password`."""
        try:
            self.connection(user, password).unbind()
        except LDAPException:
            return False
        return True

    def entry(self, login: str, *attributes: str) -> dict[str, list[Any]]:
        """The values of `attributes` of the person `login`, read as the Administrator."""
        with self.connection() as admin:
            admin.search(
                self.people_base,
                f"(sAMAccountName={login})",
                attributes=list(attributes),
            )
            assert len(admin.entries) == 1, f"{login} not found"
            return dict(admin.entries[0].entry_attributes_as_dict)

    def reset(self) -> None:
        """Delete everyone a test added to OU=people; give the disabled and the locked
        accounts their provisional password back, the locked one locked again."""
        kept = {self.person_dn(DISABLED_LOGIN).lower(), self.person_dn(LOCKED_LOGIN).lower()}
        with self.connection() as admin:
            admin.search(
                self.people_base,
                "(objectClass=*)",
                search_scope=ldap3.SUBTREE,
                attributes=[ldap3.NO_ATTRIBUTES],
            )
            found = [item["dn"] for item in admin.response if item["type"] == "searchResEntry"]
            for dn in sorted(found, key=lambda dn: len(parse_dn(dn)), reverse=True):
                if dn.lower() in kept | {self.people_base.lower()}:
                    continue
                if not admin.delete(dn):
                    raise RuntimeError(f"could not delete {dn}: {admin.result}")
            for login in (DISABLED_LOGIN, LOCKED_LOGIN):
                dn = self.person_dn(login)
                admin.modify(dn, {"lockoutTime": [(ldap3.MODIFY_REPLACE, ["0"])]})
                if not admin.extend.microsoft.modify_password(dn, PROVISIONAL_PASSWORD):
                    raise RuntimeError(f"could not reset {dn}: {admin.result}")
        self.lock(LOCKED_LOGIN)

    def add_person(self, login: str, first_name: str, last_name: str) -> str:
        """Add `login` to OU=people, enabled, with the provisional password, as a university's
        own provisioning of its Windows domain does; return its DN. For a test where AD is a
        password target rather than the account store."""
        dn = self.person_dn(login)
        with self.connection() as admin:
            attributes = {
                "sAMAccountName": login,
                "userPrincipalName": f"{login}@{REALM.lower()}",
                "givenName": first_name,
                "sn": last_name,
            }
            if not admin.add(dn, ["top", "person", "organizationalPerson", "user"], attributes):
                raise RuntimeError(f"could not add {dn}: {admin.result}")
            if not admin.extend.microsoft.modify_password(dn, PROVISIONAL_PASSWORD):
                raise RuntimeError(f"could not set the password of {dn}: {admin.result}")
            # A normal account (512), enabled now that it has a password.
            if not admin.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])]}):
                raise RuntimeError(f"could not enable {dn}: {admin.result}")
        return dn

    def target_options(self) -> dict[str, object]:
        """The options of an ActiveDirectoryTarget aimed at this DC, with its service account,
        as PORTIQUE_PASSWORD_TARGETS gives them."""
        return {
            "url": self.url,
            "bind_dn": self.service_dn,
            "bind_password": self.service_password,
            "users_base": self.people_base,
            "ca_file": str(self.ca_file),
            "timeout": 3,
        }

    def lock(self, login: str) -> None:
        """Have AD lock `login` out, as it does: wrong passwords, up to its threshold."""
        for attempt in range(LOCKOUT_THRESHOLD):
            assert not self.binds(self.person_dn(login), f"Wrong-Password-{attempt}")
        assert int(str(self.entry(login, "lockoutTime")["lockoutTime"][0])) > 0


@pytest.fixture(scope="session")
def samba_dc() -> Iterator[SambaDomainController]:
    if (
        not all(tool.exists() for tool in (SAMBA, SAMBA_TOOL, OPENSSL))
        or not Path("/usr/share/samba/setup/ad-schema").is_dir()
    ):
        # A skip names what to install; in CI, tests/conftest.py makes it a failure.
        pytest.skip(MISSING_SAMBA)
    workdir = Path(tempfile.mkdtemp(prefix="portique-samba-"))
    try:
        server = SambaDomainController(workdir)
        try:
            server.start()
            yield server
        finally:
            server.stop()
            server.release()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def ad_settings(settings: Any, samba_dc: SambaDomainController) -> Iterator[SambaDomainController]:
    """Put OU=people back as it was and point the LDAP store, in its Active Directory mode
    and with the AD attribute preset, at `samba_dc`."""
    from portique.accounts.stores import get_account_store

    if not samba_dc.running:
        # A test that stopped it, to play an outage, may have failed before restarting it.
        samba_dc.start()
    samba_dc.reset()
    settings.PORTIQUE_ACCOUNT_STORE = "ldap"
    settings.PORTIQUE_LDAP_ACTIVE_DIRECTORY = True
    settings.PORTIQUE_LDAP_URL = samba_dc.url
    settings.PORTIQUE_LDAP_STARTTLS = False
    settings.PORTIQUE_LDAP_CA_FILE = str(samba_dc.ca_file)
    settings.PORTIQUE_LDAP_BIND_DN = samba_dc.service_dn
    settings.PORTIQUE_LDAP_BIND_PASSWORD = samba_dc.service_password
    settings.PORTIQUE_LDAP_PEOPLE_BASE = samba_dc.people_base
    settings.PORTIQUE_LDAP_OBJECT_CLASSES = []
    settings.PORTIQUE_LDAP_TIMEOUT = 3
    get_account_store.cache_clear()
    yield samba_dc
    get_account_store.cache_clear()
