"""What the pages that set a password share: the live checklist's answer."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portique.passwords.validators import rules_report

# Passwords longer than this are refused by the forms; the checklist does not judge them.
MAX_CHECKED_LENGTH = 256


def rules_check_response(request: HttpRequest, user: Any) -> JsonResponse:
    """Answer the live checklist: each rule, met or not, judged by the server's validators.

    The password comes in a POST body (never a URL, so never in a log) and is not kept.
    """
    password = request.POST.get("password", "")[:MAX_CHECKED_LENGTH]
    results = rules_report(password, user) if password else []
    met = sum(result.ok for result in results)
    response = JsonResponse(
        {
            "rules": [
                {
                    "id": result.rule.id,
                    "ok": result.ok,
                    "state": _("respectée") if result.ok else _("non respectée"),
                    "messages": result.messages,
                }
                for result in results
            ],
            "summary": (
                ngettext(
                    "%(met)d règle respectée sur %(total)d",
                    "%(met)d règles respectées sur %(total)d",
                    met,
                )
                % {"met": met, "total": len(results)}
                if results
                else ""
            ),
        }
    )
    response["Cache-Control"] = "no-store"
    return response
