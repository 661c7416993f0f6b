from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from portique.accounts.folding import query_words
from portique.accounts.models import Account, Person
from portique.onboarding.forms import ImportForm
from portique.onboarding.importers import InvalidFile
from portique.onboarding.letters import render_letters
from portique.onboarding.services import (
    CannotReissue,
    credentials_reissue,
    credentials_revoke,
    people_import,
    store_transaction,
)


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


def _letters_response(pdf: bytes) -> HttpResponse:
    """The letters as a download. The admin's never_cache keeps them out of every cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="pass-um-{stamp}.pdf"'
    return response


@admin.register(Person)
class PersonAdmin(FoldedNameSearch):
    list_display = [
        "login", "first_name", "last_name", "category", "hr_id",
        "provisional_password_expires_at", "created_at",
    ]  # fmt: skip
    list_filter = ["category"]
    search_fields = ["login", "first_name", "last_name", "hr_id"]
    actions = ["reissue_letters", "revoke_provisional_passwords"]
    change_list_template = "admin/onboarding/person_change_list.html"

    @admin.action(description=_("Réémettre la lettre (PDF)"), permissions=["change"])
    @sensitive_variables()
    def reissue_letters(
        self, request: HttpRequest, queryset: QuerySet[Person]
    ) -> HttpResponse | None:
        try:
            pdf = credentials_reissue(people=list(queryset), actor=request.user.get_username())
        except CannotReissue as error:
            self.message_user(
                request, _("Aucune lettre réémise : %(error)s") % {"error": error}, messages.ERROR
            )
            return None
        return _letters_response(pdf)

    @admin.action(description=_("Révoquer le mot de passe provisoire"), permissions=["change"])
    def revoke_provisional_passwords(
        self, request: HttpRequest, queryset: QuerySet[Person]
    ) -> None:
        people = list(queryset)
        revoked = credentials_revoke(people=people, actor=request.user.get_username())
        message = ngettext(
            "%(revoked)s mot de passe provisoire révoqué (personnes sélectionnées : %(selected)s).",
            "%(revoked)s mots de passe provisoires révoqués (personnes sélectionnées : "
            "%(selected)s).",
            revoked,
        )
        self.message_user(
            request, message % {"revoked": revoked, "selected": len(people)}, messages.SUCCESS
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounts_person_import",
            )
        ]
        return own + super().get_urls()

    @sensitive_variables()
    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload HR's file: the same checks, report and letters as `portique import-people`."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with store_transaction():
                    report = people_import(
                        file=upload.read(),
                        reissue=form.cleaned_data["reissue"],
                        skip_invalid=form.cleaned_data["skip_invalid"],
                        actor=request.user.get_username(),
                        source=upload.name,
                    )
                    if report.written and report.credentials and form.cleaned_data["letters"]:
                        # The browser downloads the letters and stays on this page; the
                        # summary waits for the next page shown.
                        response = _letters_response(render_letters(report.credentials))
                        self.message_user(request, report.summary(), messages.SUCCESS)
                        return response
            except InvalidFile as error:
                form.add_error("file", str(error))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer des personnes"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/onboarding/import.html", context)


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
