from django.contrib import admin

from portique.accounts.models import Account, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["login", "first_name", "last_name", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["login", "first_name", "last_name", "hr_id"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["login", "email", "activated_at", "directory_consent"]
    list_filter = ["directory_consent"]
    search_fields = ["login", "email", "recovery_email"]
    # Hashes stay out of sight: nobody at the helpdesk needs them.
    exclude = ["password", "provisional_password_hash"]
    readonly_fields = [
        "person", "login", "email", "recovery_email", "recovery_email_verified_at",
        "forwarding_address", "forwarding_verified_at", "keep_copy", "directory_consent",
        "charter_version", "charter_accepted_at", "activated_at",
    ]  # fmt: skip
