from django.contrib import admin
from django.http import HttpRequest

from portique.core.models import AuditEvent, OneTimeLink


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are written by the portal only: the admin reads them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject", "client_ip"]
    list_filter = ["action"]
    search_fields = ["actor", "subject"]
    date_hierarchy = "at"


@admin.register(OneTimeLink)
class OneTimeLinkAdmin(ReadOnlyAdmin):
    list_display = [
        "subject",
        "purpose",
        "email",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    list_filter = ["purpose"]
    search_fields = ["subject", "email"]
    exclude = ["token_hash"]
