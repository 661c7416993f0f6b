from django.contrib import admin

from portique.consents.models import ConsentRecord
from portique.core.admin import ReadOnlyAdmin


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "login", "kind", "version", "choice", "where", "client_ip"]
    list_filter = ["kind", "choice", "where", "version"]
    search_fields = ["login"]
    date_hierarchy = "at"
