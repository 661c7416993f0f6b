"""The people and their accounts in the admin. HR's import and letters add their actions to
the people's list from the onboarding app (onboarding/admin.py)."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from portique.accounts.folding import query_words
from portique.accounts.models import Account, Person


class FoldedNameSearch(admin.ModelAdmin):
    """A search of people that also finds names however they are typed: "helene lefevre"
    finds Hélène Lefèvre, as the public directory does (the query's words folded and matched
    against the person's search_key), on top of the admin's own search of search_fields."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = query_words(search_term)
        if words:
            found = found | queryset.filter(*(Q(search_key__contains=word) for word in words))
        return found, may_have_duplicates


@admin.register(Person)
class PersonAdmin(FoldedNameSearch):
    list_display = [
        "login", "first_name", "last_name", "category", "hr_id",
        "provisional_password_expires_at", "created_at",
    ]  # fmt: skip
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
