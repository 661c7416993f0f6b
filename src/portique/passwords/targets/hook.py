"""The hook target: a command of the university's own (Google Workspace, a Microsoft 365
sync, a local database), run after each password change with the login as its one argument
and the password on its standard input, never on its command line or in its environment."""

import logging
import os
import shlex
import shutil
import signal
import subprocess

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portique.passwords.targets.base import TargetUnavailable

logger = logging.getLogger(__name__)

# How much of what the command printed goes to the log, to say why it failed.
OUTPUT_LOGGED = 500


class HookTarget:
    """Runs `command` (PORTIQUE_PASSWORD_HOOK) as `command LOGIN`, writes the password and a
    newline to its standard input (its environment is Portique's, without the PORTIQUE_*
    variables), and waits at most `timeout` seconds
    (PORTIQUE_PASSWORD_HOOK_TIMEOUT). Exit status 0 is success; anything else, or no answer
    in time, is a failed target."""

    def __init__(
        self,
        *,
        command: str | list[str] | None = None,
        timeout: float | None = None,
        name: str = "hook",
    ) -> None:
        command = settings.PORTIQUE_PASSWORD_HOOK if command is None else command
        self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.argv:
            raise ImproperlyConfigured("the password hook target needs PORTIQUE_PASSWORD_HOOK")
        if timeout is None:
            timeout = settings.PORTIQUE_PASSWORD_HOOK_TIMEOUT
        self.timeout = float(timeout)
        self.name = name

    def set_password(self, login: str, password: str) -> None:
        """Run the hook for `login`; raises TargetUnavailable unless it exits 0 in time."""
        self._run([*self.argv, login], stdin=password + "\n", secret=password)

    def check(self) -> None:
        """The command exists and may be run: a hook cannot be asked more without changing
        a password."""
        program = self.argv[0]
        path = program if os.sep in program else shutil.which(program)
        if path is None or not os.access(path, os.X_OK):
            raise TargetUnavailable(f"hook {program!r} is not an executable file")

    def _run(self, argv: list[str], *, stdin: str, secret: str) -> None:
        # Its own process group: on a timeout, whatever the hook started is stopped with it.
        try:
            process = subprocess.Popen(  # noqa: S603 (the administrator's own command)
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                # Portique's own settings hold its secrets (the server key, the directory's
                # service password): the hook has no need of them.
                env={k: v for k, v in os.environ.items() if not k.startswith("PORTIQUE_")},
            )
        except OSError as error:
            raise TargetUnavailable(f"hook {argv[0]!r} cannot be run: {error}") from None
        try:
            output, _ = process.communicate(stdin, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise TargetUnavailable(
                f"hook {argv[0]!r} did not end within {self.timeout:g} s"
            ) from None
        if process.returncode != 0:
            # A hook that echoes what it read must not put the password in the log.
            said = output.replace(secret, "[password]")[-OUTPUT_LOGGED:]
            logger.warning(
                "password hook %s exited %s: %s", argv[0], process.returncode, said.strip()
            )
            raise TargetUnavailable(f"hook {argv[0]!r} exited {process.returncode}")
