from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from portique.mail.selectors import dev_mail_list


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Show the development outbox, so that the demo's links can be clicked."""
    if not (settings.DEBUG or settings.PORTIQUE_DEMO):
        raise Http404
    return render(request, "mail/dev_outbox.html", {"mails": dev_mail_list()})
