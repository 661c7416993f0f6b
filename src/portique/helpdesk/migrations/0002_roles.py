"""Create the "helpdesk" and "administrateurs" groups with their permissions."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from portique.helpdesk.roles import ADMINISTRATORS, HELPDESK, roles_sync


def create_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    using = schema_editor.connection.alias
    # Permissions are normally created after the last migration (post_migrate): on a new
    # database they do not exist yet, so they are created here first.
    for app_config in apps.get_app_configs():
        # create_permissions skips an app without a models module, and the migration
        # state's app configs never have one: any true value lets it through.
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    roles_sync(apps=apps, using=using)


def delete_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name__in=[HELPDESK, ADMINISTRATORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("activation", "0002_flow_names_and_provisional_digest"),
        ("core", "0003_account_links"),
        ("mail", "0002_outbound_mail_claimed_at"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
