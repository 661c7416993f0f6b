"""The password targets named by PORTIQUE_PASSWORD_TARGETS, loaded once per process, as
Django loads its authentication backends.

PORTIQUE_PASSWORD_TARGETS is a JSON list, in the order the targets are set; each item is a
dotted path to a class, or {"class": dotted path, "options": {...}}, the options passed to
the class as keyword arguments. PORTIQUE_PASSWORD_HOOK, when set, adds the hook target at
the end of the list unless the list names it already.
"""

from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from portique.passwords.targets.base import PasswordRefused, PasswordTarget, TargetUnavailable

__all__ = ["PasswordRefused", "PasswordTarget", "TargetUnavailable", "get_password_targets"]

HOOK_TARGET = "portique.passwords.targets.hook.HookTarget"


def _load(item: Any) -> PasswordTarget:
    options: dict[str, Any]
    if isinstance(item, str):
        path, options = item, {}
    elif isinstance(item, dict) and isinstance(item.get("class"), str):
        path, options = item["class"], item.get("options") or {}
        if not isinstance(options, dict):
            raise ImproperlyConfigured(f"PORTIQUE_PASSWORD_TARGETS: options of {path} not a map")
    else:
        raise ImproperlyConfigured(
            f"PORTIQUE_PASSWORD_TARGETS: {item!r} is neither a dotted path nor "
            '{"class": ..., "options": {...}}'
        )
    try:
        target_class = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"PORTIQUE_PASSWORD_TARGETS: cannot import {path}") from error
    target: PasswordTarget = target_class(**options)
    return target


@cache
def get_password_targets() -> tuple[PasswordTarget, ...]:
    """Return the configured targets, in the order they are set."""
    from django.conf import settings

    items = list(settings.PORTIQUE_PASSWORD_TARGETS)
    named = {item if isinstance(item, str) else item.get("class") for item in items}
    if settings.PORTIQUE_PASSWORD_HOOK and HOOK_TARGET not in named:
        items.append(HOOK_TARGET)
    targets = tuple(_load(item) for item in items)
    names = [target.name for target in targets]
    if len(set(names)) != len(names):
        # The helpdesk and the metrics tell targets apart by name.
        raise ImproperlyConfigured(
            f"PORTIQUE_PASSWORD_TARGETS: two targets share a name ({', '.join(names)}); "
            'give one another with "options": {"name": ...}'
        )
    return targets


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs: Any) -> None:
    # Tests change these settings; the next call loads the targets again.
    if setting.startswith(("PORTIQUE_PASSWORD_", "PORTIQUE_KERBEROS_")):
        get_password_targets.cache_clear()
