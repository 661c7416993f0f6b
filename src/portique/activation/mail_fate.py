"""What the waiting pages of steps 4 and 8 say of their mail's fate: the same sentence in the
page (without script, on reload) and in the JSON that mailfate.js polls."""

from typing import Any

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from portique.mail.models import OutboundMail
from portique.mail.selectors import MailFate

Status = OutboundMail.Status


def fate_text(fate: MailFate | None) -> str:
    """The sentence that tells the person what became of their mail ("" before any)."""
    if fate is None:
        return ""
    if fate.status == Status.QUEUED:
        return _("Mail en attente d'envoi.")
    if fate.status == Status.SENT and fate.sent_at is not None:
        return _("Mail remis au serveur de messagerie à %(time)s.") % {
            "time": time_format(timezone.localtime(fate.sent_at), "H:i")
        }
    if fate.refused:
        if fate.mailbox_unknown:
            text = _(
                "La boîte mail %(address)s n'existe pas : le serveur de messagerie a refusé "
                "le mail. Corrigez l'adresse ci-dessous."
            )
        else:
            text = _(
                "Le serveur de messagerie a refusé le mail pour l'adresse %(address)s. "
                "Corrigez l'adresse ci-dessous."
            )
        text %= {"address": fate.to}
        if fate.smtp_code:
            text += " " + _("Réponse du serveur : %(answer)s") % {
                "answer": f"{fate.smtp_code} {fate.smtp_answer}".strip()
            }
        return text
    return _(
        "Le mail n'a pas pu être remis au serveur de messagerie. Envoyez-le à nouveau ou "
        "vérifiez l'adresse."
    )


def fate_json(fate: MailFate | None) -> dict[str, Any]:
    """The fate of the person's own mail for the step, and nothing else: the address only
    once refused (it is the one they typed, to correct)."""
    return {
        "status": str(fate.status) if fate else "",
        "settled": fate.settled if fate else True,
        "text": fate_text(fate),
        "address": fate.to if fate is not None and fate.refused else "",
    }
