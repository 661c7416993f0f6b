from django.contrib import admin

from portique.activation.models import ActivationFlow
from portique.core.admin import ReadOnlyAdmin


@admin.register(ActivationFlow)
class ActivationFlowAdmin(ReadOnlyAdmin):
    list_display = ["login", "category", "state", "updated_at", "expires_at"]
    list_filter = ["state", "category"]
    search_fields = ["login", "recovery_email", "forwarding_address"]
    # A keyed hash of the provisional password: nobody at the helpdesk needs it.
    exclude = ["provisional_password_digest"]
