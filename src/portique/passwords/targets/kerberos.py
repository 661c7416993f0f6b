"""The Kerberos target (MIT Kerberos 5): sets the principal's key through kadmind, logged in
with the portal's service keytab. The password goes to kadmin on its standard input, the
way its prompt reads it, never on its command line or in its environment.

A principal that does not exist yet is created with the password (as esup-activ does at
activation), unless PORTIQUE_KERBEROS_CREATE_PRINCIPALS is false; then it is a failed target.
"""

import logging
import os
import re
import subprocess

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from portique.passwords.targets.base import PasswordRefused, TargetUnavailable

logger = logging.getLogger(__name__)

KADMIN = "kadmin"
# What kadmin's query language takes as one word, unquoted: nothing that could end the word
# or start another command.
PRINCIPAL_RE = re.compile(r"[A-Za-z0-9._@/-]+")

# kadmind's policy refusals (kadm5 error texts), in words for the person.
POLICY_MESSAGES = {
    "Password is too short": lambda: _(
        "Le serveur Kerberos refuse ce mot de passe : il est trop court."
    ),
    "Password does not contain enough character classes": lambda: _(
        "Le serveur Kerberos refuse ce mot de passe : il ne mélange pas assez de sortes de "
        "caractères."
    ),
    "Password is in the password dictionary": lambda: _(
        "Le serveur Kerberos refuse ce mot de passe : il figure dans son dictionnaire."
    ),
    "Cannot reuse password": lambda: _(
        "Le serveur Kerberos refuse ce mot de passe : il a déjà servi."
    ),
    "Current password's minimum life has not expired": lambda: _(
        "Le serveur Kerberos refuse un nouveau changement de mot de passe si tôt ; "
        "réessayez plus tard."
    ),
}
# One of kadmin's own errors: "change_password: <error> while changing password for ...".
COMMAND_ERROR_RE = re.compile(r"^(?:change_password|add_principal|get_privs): (.+?)(?: while .*)?$")
# kadmin's password prompts, which end without a newline.
PROMPT_RE = re.compile(r'password for principal "[^"]*": ')
NO_SUCH_PRINCIPAL = "Principal does not exist"


class KerberosTarget:
    """Sets passwords in the realm `realm` (PORTIQUE_KERBEROS_REALM) through kadmin, as
    `admin_principal` (PORTIQUE_KERBEROS_ADMIN_PRINCIPAL) with its key in `keytab`
    (PORTIQUE_KERBEROS_KEYTAB); each person's principal is `principal_format` with their
    login (PORTIQUE_KERBEROS_PRINCIPAL_FORMAT, "{login}@{realm}")."""

    def __init__(
        self,
        *,
        realm: str | None = None,
        principal_format: str | None = None,
        keytab: str | None = None,
        admin_principal: str | None = None,
        admin_server: str | None = None,
        config: str | None = None,
        timeout: float | None = None,
        create_principals: bool | None = None,
        name: str = "kerberos",
    ) -> None:
        def option(value: object, setting: str) -> object:
            return getattr(settings, setting) if value is None else value

        self.realm = str(option(realm, "PORTIQUE_KERBEROS_REALM"))
        self.principal_format = str(option(principal_format, "PORTIQUE_KERBEROS_PRINCIPAL_FORMAT"))
        self.keytab = str(option(keytab, "PORTIQUE_KERBEROS_KEYTAB"))
        self.admin_principal = str(option(admin_principal, "PORTIQUE_KERBEROS_ADMIN_PRINCIPAL"))
        self.admin_server = str(option(admin_server, "PORTIQUE_KERBEROS_ADMIN_SERVER"))
        self.config = str(option(config, "PORTIQUE_KERBEROS_CONFIG"))
        self.timeout = float(option(timeout, "PORTIQUE_KERBEROS_TIMEOUT"))  # type: ignore[arg-type]
        self.create_principals = bool(
            option(create_principals, "PORTIQUE_KERBEROS_CREATE_PRINCIPALS")
        )
        self.name = name
        missing = [
            setting
            for setting, value in (
                ("PORTIQUE_KERBEROS_REALM", self.realm),
                ("PORTIQUE_KERBEROS_KEYTAB", self.keytab),
                ("PORTIQUE_KERBEROS_ADMIN_PRINCIPAL", self.admin_principal),
            )
            if not value
        ]
        if missing:
            raise ImproperlyConfigured(f"the Kerberos target needs {', '.join(missing)}")

    def principal(self, login: str) -> str:
        """The principal of the account `login`."""
        principal = self.principal_format.format(login=login, realm=self.realm)
        if not PRINCIPAL_RE.fullmatch(principal):
            raise TargetUnavailable(f"{principal!r} is not a principal name kadmin can be given")
        return principal

    def set_password(self, login: str, password: str) -> None:
        """Change the principal's password, or create the principal with it."""
        principal = self.principal(login)
        # kadmin asks for the password twice ("Enter" and "Re-enter").
        typed = f"{password}\n{password}\n"
        output = self._kadmin(f"cpw {principal}", stdin=typed)
        if re.search(rf'^Password for "{_named(principal)}" changed\.', output, re.MULTILINE):
            return
        error = _command_error(output)
        if error == NO_SUCH_PRINCIPAL and self.create_principals:
            output = self._kadmin(f"addprinc {principal}", stdin=typed)
            if re.search(rf'^Principal "{_named(principal)}" created\.', output, re.MULTILINE):
                logger.info("Kerberos principal %s created", principal)
                return
            error = _command_error(output)
        if error in POLICY_MESSAGES:
            raise PasswordRefused(POLICY_MESSAGES[error]())
        raise TargetUnavailable(f"kadmin did not set the password of {principal}: {error}")

    def check(self) -> None:
        """The KDC and kadmind answer, and take the service principal's keytab (kadmind's
        get_privs does not tell its ACL's change-password right apart, so that is not checked)."""
        output = self._kadmin("get_privs", stdin="")
        privileges = re.search(r"current privileges: (.*)", output)
        if privileges is None:
            raise TargetUnavailable(f"kadmin get_privs: {_command_error(output)}")

    def _kadmin(self, query: str, *, stdin: str) -> str:
        """Run one kadmin query; return what it printed. kadmin exits 0 when a query fails,
        so callers read its words."""
        argv = [KADMIN, "-k", "-t", self.keytab, "-p", self.admin_principal, "-r", self.realm]
        if self.admin_server:
            argv += ["-s", self.admin_server]
        argv += ["-q", query]
        environment = dict(os.environ)
        if self.config:
            environment["KRB5_CONFIG"] = self.config
        try:
            done = subprocess.run(  # noqa: S603 (kadmin, with our own arguments)
                argv,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                env=environment,
            )
        except subprocess.TimeoutExpired:
            raise TargetUnavailable(f"kadmin did not answer within {self.timeout:g} s") from None
        except OSError as error:
            raise TargetUnavailable(f"kadmin cannot be run: {error}") from None
        # The prompts end without a newline: the answer and the errors start on their own.
        stdout = PROMPT_RE.sub(lambda prompt: prompt.group(0) + "\n", done.stdout)
        return "\n".join((stdout, done.stderr))


def _named(principal: str) -> str:
    """A pattern for `principal` as kadmin prints it, with the realm it adds when absent."""
    return re.escape(principal) + ("" if "@" in principal else r"@[^\"]+")


def _command_error(output: str) -> str:
    """The error kadmin reported, without its "while ..." context, or its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        found = COMMAND_ERROR_RE.match(line)
        if found:
            return found.group(1)
    for line in lines:
        if line.startswith("kadmin: "):
            return line.removeprefix("kadmin: ")
    return lines[-1] if lines else "no answer"
