"""A real MIT Kerberos realm (Debian's krb5-kdc and krb5-admin-server) for the tests: a
throwaway database in a temporary directory, krb5kdc and kadmind on loopback ports, and
Portique's service principal with a keytab and the right to create principals and change
their passwords, nothing more.

Load with `pytest_plugins = ["tests.kerberos_realm"]` in a test module: it gives the
fixtures `kerberos_realm` (one realm for the whole session) and `kerberos_target` (that
realm emptied of people, with PORTIQUE_PASSWORD_TARGETS naming the Kerberos target aimed at
it). Every command gets KRB5_CONFIG and KRB5_KDC_PROFILE pointing at the realm's own files:
the machine's /etc/krb5.conf and its own KDC, if any, are left alone.
"""

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from shutil import rmtree
from typing import Any

import pytest

from tests.ldap_server import free_port
from tests.support.processes import stop_process

KDB5_UTIL = Path("/usr/sbin/kdb5_util")
KADMIN_LOCAL = Path("/usr/sbin/kadmin.local")
KRB5KDC = Path("/usr/sbin/krb5kdc")
KADMIND = Path("/usr/sbin/kadmind")
KADMIN = Path("/usr/bin/kadmin")
KINIT = Path("/usr/bin/kinit")
TOOLS = (KDB5_UTIL, KADMIN_LOCAL, KRB5KDC, KADMIND, KADMIN, KINIT)
MISSING_KERBEROS = (
    "install Debian's MIT Kerberos (apt-get install krb5-kdc krb5-admin-server krb5-user)"
)

HOST = "127.0.0.1"
REALM = "UNIV.TEST"
SERVICE_PRINCIPAL = f"portique/admin@{REALM}"
MASTER_PASSWORD = "kdc-master-secret"
# The principals the realm starts with, which reset() keeps.
SYSTEM_PRINCIPAL_PREFIXES = ("K/M@", "krbtgt/", "kadmin/", "kiprop/", "portique/")
READY_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30


class KerberosRealm:
    """A realm whose KDC and kadmind can be stopped and started again on the same ports and
    database, to play a Kerberos that is down for a while."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.realm = REALM
        self.kdc_port = free_port()
        self.kadmin_port = free_port()
        self.config = workdir / "krb5.conf"
        self.kdc_profile = workdir / "kdc.conf"
        self.keytab = workdir / "portique.keytab"
        self.service_principal = SERVICE_PRINCIPAL
        self.kdc_log = workdir / "krb5kdc.log"
        self.kadmind_log = workdir / "kadmind.log"
        self._kdc: subprocess.Popen[bytes] | None = None
        self._kadmind: subprocess.Popen[bytes] | None = None
        self._create()

    @property
    def env(self) -> dict[str, str]:
        """The environment of every Kerberos command run against this realm."""
        return {
            **os.environ,
            "KRB5_CONFIG": str(self.config),
            "KRB5_KDC_PROFILE": str(self.kdc_profile),
            # No ticket of the tests' kinit lands in the user's own cache.
            "KRB5CCNAME": f"FILE:{self.workdir / 'ccache'}",
        }

    @property
    def running(self) -> bool:
        return self._kdc is not None

    def _create(self) -> None:
        work = self.workdir
        self.config.write_text(f"""\
[libdefaults]
    default_realm = {REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    # TCP: a stopped KDC refuses the connection at once, where UDP waits for a timeout.
    udp_preference_limit = 1
    kdc_timeout = 2000
    max_retries = 1

[realms]
    {REALM} = {{
        kdc = {HOST}:{self.kdc_port}
        admin_server = {HOST}:{self.kadmin_port}
    }}
""")
        self.kdc_profile.write_text(f"""\
[kdcdefaults]
    kdc_listen = {HOST}:{self.kdc_port}
    kdc_tcp_listen = {HOST}:{self.kdc_port}

[realms]
    {REALM} = {{
        database_name = {work / "principal"}
        key_stash_file = {work / "stash"}
        acl_file = {work / "kadm5.acl"}
        kadmind_listen = {HOST}:{self.kadmin_port}
        kpasswd_listen = {HOST}:{free_port()}
        max_life = 1h
    }}

[logging]
    kdc = FILE:{self.kdc_log}
    admin_server = FILE:{self.kadmind_log}
""")
        # Portique may add principals (a), change their passwords (c) and read them (i).
        (work / "kadm5.acl").write_text(f"{SERVICE_PRINCIPAL} aci\n")
        self._run([KDB5_UTIL, "create", "-s", "-r", REALM, "-P", MASTER_PASSWORD, "-W"], quiet=True)
        self.local(f"addprinc -randkey {SERVICE_PRINCIPAL}")
        self.local(f"ktadd -k {self.keytab} {SERVICE_PRINCIPAL}")

    def _run(self, argv: list[Any], *, stdin: str = "", quiet: bool = False) -> str:
        done = subprocess.run(  # noqa: S603 (Debian's Kerberos tools, our own arguments)
            [str(part) for part in argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=self.env,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}):\n{done.stderr}")
        return done.stdout + done.stderr

    def local(self, query: str) -> str:
        """Run one kadmin.local query on the database (the KDC need not run)."""
        output = self._run([KADMIN_LOCAL, "-r", REALM, "-q", query])
        if ": " in output and " while " in output:
            raise RuntimeError(f"kadmin.local {query!r}:\n{output}")
        return output

    def add_principal(self, name: str, password: str) -> None:
        """Create `name` in the realm with `password` (as a directory's provisioning would)."""
        self._run([KADMIN_LOCAL, "-r", REALM, "-q", f"addprinc {name}"], stdin=f"{password}\n" * 2)

    def principals(self) -> list[str]:
        out = self._run([KADMIN_LOCAL, "-r", REALM, "-q", "listprincs"])
        return [line.strip() for line in out.splitlines() if line.strip().endswith(f"@{REALM}")]

    def has_principal(self, name: str) -> bool:
        return f"{name}@{REALM}" in self.principals()

    def kinit(self, name: str, password: str) -> bool:
        """Tell whether the KDC gives `name` a ticket for `password`."""
        done = subprocess.run(  # noqa: S603 (Debian's kinit, our own arguments)
            [str(KINIT), f"{name}@{REALM}"],
            input=f"{password}\n",
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=self.env,
        )
        return done.returncode == 0

    def reset(self) -> None:
        """Delete every principal but the realm's own and Portique's."""
        for principal in self.principals():
            if not principal.startswith(SYSTEM_PRINCIPAL_PREFIXES):
                self.local(f"delprinc -force {principal}")

    def start(self) -> None:
        """Start krb5kdc and kadmind, and return once kadmind answers Portique's keytab."""
        assert self._kdc is None, "the KDC is already running"
        self._kdc = self._spawn([KRB5KDC, "-n", "-r", REALM], self.kdc_log)
        self._kadmind = self._spawn([KADMIND, "-nofork", "-r", REALM], self.kadmind_log)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, argv: list[Any], log: Path) -> subprocess.Popen[bytes]:
        with log.with_suffix(".out").open("ab") as out:
            # Its own process group, so that a stuck daemon can be killed with all it started.
            return subprocess.Popen(  # noqa: S603 (Debian's daemons, our own arguments)
                [str(part) for part in argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )

    def stop(self) -> None:
        """Stop kadmind and the KDC (the database stays) and return once they have exited."""
        for attribute in ("_kadmind", "_kdc"):
            process = getattr(self, attribute)
            setattr(self, attribute, None)
            stop_process(process, timeout=STOP_TIMEOUT)

    def _answers(self) -> bool:
        done = subprocess.run(  # noqa: S603 (Debian's kadmin, our own arguments)
            [str(KADMIN), "-k", "-t", str(self.keytab), "-p", SERVICE_PRINCIPAL, "-q", "get_privs"],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=self.env,
        )
        return "current privileges:" in done.stdout

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            for process, log in ((self._kdc, self.kdc_log), (self._kadmind, self.kadmind_log)):
                status = process.poll() if process is not None else None
                if status is not None:
                    raise RuntimeError(f"{process.args[0]} exited ({status}):\n{_tail(log)}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"kadmind did not answer within {READY_TIMEOUT:.0f} s:\n"
                    f"{_tail(self.kdc_log)}\n{_tail(self.kadmind_log)}"
                )
            time.sleep(0.1)

    def target_options(self) -> dict[str, Any]:
        """The Kerberos target's options for this realm."""
        return {
            "realm": REALM,
            "keytab": str(self.keytab),
            "admin_principal": SERVICE_PRINCIPAL,
            "config": str(self.config),
            "timeout": 5,
        }


def _tail(log: Path) -> str:
    text = ""
    for path in (log, log.with_suffix(".out")):
        if path.exists():
            text += path.read_text(errors="replace")[-2000:]
    return text


@pytest.fixture(scope="session")
def kerberos_realm() -> Iterator[KerberosRealm]:
    if not all(tool.exists() for tool in TOOLS):
        # A skip names what to install; in CI, tests/conftest.py makes it a failure.
        pytest.skip(MISSING_KERBEROS)
    workdir = Path(tempfile.mkdtemp(prefix="portique-krb5-"))
    try:
        realm = KerberosRealm(workdir)
        realm.start()
        try:
            yield realm
        finally:
            realm.stop()
    finally:
        rmtree(workdir, ignore_errors=True)


@pytest.fixture
def kerberos_target(settings: Any, kerberos_realm: KerberosRealm) -> KerberosRealm:
    """Empty the realm of people and make it Portique's one password target, tried twice
    with no pause when it fails."""
    if not kerberos_realm.running:
        # A test that stopped it, to play an outage, may have failed before restarting it.
        kerberos_realm.start()
    kerberos_realm.reset()
    settings.PORTIQUE_PASSWORD_TARGETS = [
        {
            "class": "portique.passwords.targets.kerberos.KerberosTarget",
            "options": kerberos_realm.target_options(),
        }
    ]
    settings.PORTIQUE_PASSWORD_TARGET_ATTEMPTS = 2
    settings.PORTIQUE_PASSWORD_TARGET_RETRY_SECONDS = 0
    return kerberos_realm
