from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portique.accounts.admin import FoldedNameSearch
from portique.activation.models import ActivationFlow
from portique.helpdesk.forms import AdminLoginForm
from portique.helpdesk.models import PersonFile
from portique.mail.models import OutboundMail

# The admin is the helpdesk's and the administrators' console: named after the portal.
admin.site.site_header = admin.site.site_title = "Portique"
# Its login is throttled and audited like the portal's (see AdminLoginForm).
admin.site.login_form = AdminLoginForm


@admin.register(PersonFile)
class PersonFileAdmin(FoldedNameSearch):
    """The helpdesk's search: find a person by name (accents and case as they come), login or
    HR number, see at a glance where their activation stands and how their last mail went,
    open their page."""

    list_display = ["last_name", "first_name", "login", "activation_state", "last_mail_status"]
    list_filter = ["category"]
    search_fields = ["last_name", "first_name", "login", "hr_id"]
    change_list_template = "helpdesk/personfile_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PersonFile]:
        latest_flow = ActivationFlow.objects.filter(login=OuterRef("login")).order_by("-created_at")
        latest_mail = OutboundMail.objects.filter(subject_login=OuterRef("login")).order_by(
            "-created_at", "-id"
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                flow_state=Subquery(latest_flow.values("state")[:1]),
                mail_status=Subquery(latest_mail.values("status")[:1]),
            )
        )

    @admin.display(description=_("état de l'activation"), ordering="flow_state")
    def activation_state(self, obj: Any) -> str:
        return obj.flow_state or "—"

    @admin.display(description=_("dernier mail"), ordering="mail_status")
    def last_mail_status(self, obj: Any) -> str:
        return obj.mail_status or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # A person's file is the helpdesk page, with their state, mails and actions.
        found = get_object_or_404(PersonFile, pk=object_id)
        return HttpResponseRedirect(reverse("helpdesk:person", args=[found.pk]))
