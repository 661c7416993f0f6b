from django.contrib import admin

from portique.core.admin import ReadOnlyAdmin
from portique.mail.models import OutboundMail


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "kind", "to", "subject_login", "status", "attempts", "sent_at", "last_error",
    ]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject_login"]
    # The body may hold a pending one-time link.
    exclude = ["body_text", "body_html"]
