from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, *, using: str = "default", **kwargs: Any) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from portique.helpdesk.roles import roles_sync

    # Apps listed after this one have not had their post_migrate yet: their permissions
    # are created now (create_permissions is idempotent), so that the sync sees them all.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync(using=using)


class HelpdeskConfig(AppConfig):
    name = "portique.helpdesk"
    label = "helpdesk"
    verbose_name = "Assistance"

    def ready(self) -> None:
        # After every migrate, the roles get the permissions of models added since their
        # data migration ran: the administrators' "everything" stays everything.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="portique.helpdesk.roles")
