"""The PDF of « Télécharger mes données »: the JSON document of flows/personal_data.py, laid
out to be read, in the page's language. Real text in the standard fonts, as the PASS'UM
letters (onboarding/letters.py), whose WinAnsi fallback it shares."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from portique.consents.models import ConsentRecord
from portique.onboarding.letters import printable

_ENCODING = "windows-1252"
_WIDTH = 170.0


def _when(value: object) -> str:
    """An ISO moment of the document as 12/03/2025 09:00 (local time, as written)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(str(value))
    return moment.strftime("%d/%m/%Y %H:%M")


def _value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    return str(value)


class _Document:
    def __init__(self) -> None:
        self.pdf = pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.core_fonts_encoding = _ENCODING
        pdf.set_auto_page_break(True, margin=15)
        pdf.set_margins(20, 18, 20)
        pdf.set_creator("Portique")
        pdf.add_page()

    def line(self, text: str, *, size: float = 10, style: str = "", gap: float = 0) -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(
            _WIDTH, size * 0.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        if gap:
            self.pdf.ln(gap)

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.line(text, size=13, style="B", gap=1)

    def fact(self, label: str, value: object) -> None:
        self.line(f"{label} : {_value(value)}")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def personal_data_pdf(document: dict[str, Any]) -> bytes:
    """Lay out `document` (flows/personal_data.personal_data_of) as a PDF."""
    doc = _Document()
    identity = document["identity"]
    doc.pdf.set_title(printable(_("Mes données") + f" - {identity['login']}"))
    doc.line(settings.PORTIQUE_INSTITUTION_NAME, size=12, style="B")
    doc.line(_("Mes données"), size=20, style="B", gap=1)
    doc.line(
        _("Ce que le portail conserve sur vous, le %(date)s (RGPD, articles 15 et 20).")
        % {"date": _when(document["generated_at"])},
        gap=2,
    )

    doc.heading(_("Identité"))
    doc.fact(_("Identifiant"), identity["login"])
    doc.fact(_("Adresse de messagerie universitaire"), identity["email"])
    doc.fact(_("Prénom"), identity["first_name"])
    doc.fact(_("Nom"), identity["last_name"])
    doc.fact(_("Catégorie"), identity["category"])
    doc.fact(_("Numéro RH"), identity["hr_id"])
    doc.fact(_("Composante ou service"), identity["department"])
    doc.fact(_("Date de naissance"), identity["birth_date"])
    doc.fact(_("Fin de contrat"), identity["contract_end"])
    doc.fact(_("Compte activé le"), _when(identity["activated_at"]))

    addresses = document["addresses"]
    doc.heading(_("Adresses"))
    doc.fact(_("Adresse mail de secours"), addresses["recovery_email"]["address"])
    doc.fact(_("vérifiée le"), _when(addresses["recovery_email"]["verified_at"]))
    forwarding = addresses["forwarding"]
    doc.fact(_("Redirection"), forwarding["address"])
    doc.fact(_("vérifiée le"), _when(forwarding["verified_at"]))
    doc.fact(_("Copie conservée sur la messagerie universitaire"), forwarding["keep_copy"])

    consents = document["consents"]
    doc.heading(_("Consentements"))
    doc.fact(
        _("Charte informatique"),
        _("version %(version)s, acceptée le %(date)s")
        % {
            "version": consents["charter"]["version"],
            "date": _when(consents["charter"]["accepted_at"]),
        },
    )
    doc.fact(_("Annuaire public"), consents["directory"]["consent"])
    for kind, label in (("charter", _("Charte informatique")), ("directory", _("Annuaire"))):
        for record in consents[kind]["history"]:
            doc.line(
                f"{_when(record['at'])} - {label} {record['version']} : "
                f"{ConsentRecord.Choice(record['choice']).label}"
                f" ({ConsentRecord.Where(record['where']).label}, {_value(record['ip'])})"
            )

    doc.heading(_("Sessions ouvertes"))
    for session in document["sessions"]:
        doc.line(
            _("%(browser)s, ouverte le %(began)s, dernière activité le %(seen)s")
            % {
                "browser": session["browser"],
                "began": _when(session["created_at"]),
                "seen": _when(session["last_seen_at"]),
            }
        )
    if document["password_targets"]:
        doc.heading(_("Dernier changement de mot de passe"))
        for target in document["password_targets"]:
            doc.line(f"{_when(target['at'])} - {target['target']} : {target['outcome']}")
    doc.heading(_("Mails envoyés"))
    for mail in document["mails"]:
        sent = f"{_when(mail['created_at'])} - {mail['to']}"
        doc.line(f"{sent} : {mail['subject']} ({mail['status']})")

    doc.heading(_("Historique du compte"))
    for event in document["audit_trail"]:
        details = ", ".join(f"{key}={value}" for key, value in event["details"].items())
        by = _("vous") if event["by"] == "self" else _("l'assistance ou le système")
        doc.line(
            f"{_when(event['at'])} - {event['action']} - {by} - {_value(event['ip'])}"
            + (f" - {details}" if details else ""),
            size=9,
        )
    return doc.output()
