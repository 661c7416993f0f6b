"""HR's import and letters in the admin: the people's list gains « Importer un fichier RH »
and the actions on the selected people's letters."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from portique.accounts.admin import PersonAdmin
from portique.accounts.models import Person
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


def _letters_response(pdf: bytes) -> HttpResponse:
    """The letters as a download. The admin's never_cache keeps them out of every cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="pass-um-{stamp}.pdf"'
    return response


class OnboardingPersonAdmin(PersonAdmin):
    """The people's admin of the accounts app, with HR's import and letters."""

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


# The accounts app registered its own; this one replaces it.
admin.site.unregister(Person)
admin.site.register(Person, OnboardingPersonAdmin)
