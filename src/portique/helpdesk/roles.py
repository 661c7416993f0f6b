"""The two roles of the console, as Django groups: "helpdesk" and "administrateurs".

Their permissions are defined here and nowhere else: the data migration creates the groups
and every `migrate` brings them back to this definition.
"""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models import Q

HELPDESK = "helpdesk"
ADMINISTRATORS = "administrateurs"
ROLES = {"helpdesk": HELPDESK, "admin": ADMINISTRATORS}

# (app label, codename): read the records, act through the console; never change a record
# in the admin. Hashes, tokens and mail bodies are left out of every page they can open.
HELPDESK_PERMISSIONS: list[tuple[str, str]] = [
    ("accounts", "view_person"),
    ("accounts", "view_account"),
    ("activation", "view_activationflow"),
    ("mail", "view_outboundmail"),
    ("core", "view_auditevent"),
    ("core", "view_onetimelink"),
    ("helpdesk", "view_personfile"),
    ("helpdesk", "view_dashboard"),
    ("helpdesk", "resend_mail"),
    ("helpdesk", "unlock_account"),
    ("helpdesk", "restart_activation"),
    ("helpdesk", "reissue_letter"),
    ("helpdesk", "end_sessions"),
    # For a CNIL or internal audit: who accepted which charter version when.
    ("helpdesk", "export_consents"),
]


def roles_sync(*, apps: Apps = global_apps, using: str = "default") -> None:
    """Create both groups if needed and give each exactly its permissions: the helpdesk the
    list above, the administrators every permission there is."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.using(using)
    wanted = Q(pk__in=[])
    for app_label, codename in HELPDESK_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    helpdesk, _ = group_model.objects.using(using).get_or_create(name=HELPDESK)
    helpdesk.permissions.set(permissions.filter(wanted))
    administrators, _ = group_model.objects.using(using).get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(permissions.all())
