from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class PasswordsConfig(AppConfig):
    name = "portique.passwords"
    label = "passwords"

    def ready(self) -> None:
        checks.register(password_targets_check)


def password_targets_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """PORTIQUE_PASSWORD_TARGETS names targets that load: a mistake there shows at `portique
    check` and at start-up, not at someone's first password change."""
    from portique.passwords.targets import get_password_targets

    try:
        get_password_targets()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="portique.E101")]
    return []
