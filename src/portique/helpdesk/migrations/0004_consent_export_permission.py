"""The permission to export the charter's consent records (CSV, for a CNIL or internal
audit), given to the helpdesk and the administrators (helpdesk/roles.py)."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from portique.helpdesk.roles import roles_sync


def give_permission(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    using = schema_editor.connection.alias
    # The permission is normally created after the last migration (post_migrate): it is
    # created here, so that the roles have it as soon as this migration has run.
    app_config = apps.get_app_config("helpdesk")
    app_config.models_module = True  # type: ignore[assignment]
    create_permissions(app_config, apps=apps, verbosity=0, using=using)
    app_config.models_module = None
    roles_sync(apps=apps, using=using)


class Migration(migrations.Migration):

    dependencies = [
        ('helpdesk', '0003_end_sessions_permission'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='personfile',
            options={'default_permissions': ('view',), 'permissions': [('view_dashboard', 'Voir le tableau de bord'), ('resend_mail', 'Renvoyer le mail en attente'), ('unlock_account', 'Déverrouiller un compte'), ('restart_activation', "Renvoyer une activation à l'étape 1"), ('reissue_letter', "Réimprimer le courrier d'identifiants"), ('end_sessions', "Fermer les sessions d'un compte"), ('view_configuration', 'Voir la configuration (charte, catégories)'), ('export_consents', 'Exporter les acceptations de la charte (CSV)')], 'verbose_name': 'dossier', 'verbose_name_plural': 'dossiers des personnes'},
        ),
        migrations.RunPython(give_permission, migrations.RunPython.noop),
    ]
