"""What the tests of the password targets share: a target that refuses every password, and
small real shell scripts for the hook."""

import stat
from pathlib import Path

from portique.passwords.targets.base import PasswordRefused

HOOK = "portique.passwords.targets.hook.HookTarget"
REFUSING = "tests.support.password_targets.RefusingTarget"
REFUSAL = "Le domaine refuse ce mot de passe : trop proche du précédent."


class RefusingTarget:
    """A target whose own policy refuses every password (as a domain controller may)."""

    def __init__(self, name: str = "strict") -> None:
        self.name = name

    def set_password(self, login: str, password: str) -> None:
        raise PasswordRefused(REFUSAL)

    def check(self) -> None:
        pass


def script(directory: Path, name: str, body: str) -> Path:
    """An executable shell script, `body` after its #! line."""
    path = directory / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def failing_hook(directory: Path) -> Path:
    """A hook that reads the password and exits 1."""
    return script(directory, "fail.sh", "cat > /dev/null\nexit 1\n")
