"""The PASS'UM letters: one A4 page per person with their login and provisional password.

The text is real text in the PDF's standard fonts (Helvetica, Courier): nothing is embedded,
and their WinAnsi encoding covers French (é è à ç ô œ « »). A character outside it, in a
name from elsewhere, is printed without its accent (Ł as L, ş as s); the login, which people
type, is ASCII anyway.

The QR code to the activation page is drawn as vector squares from segno's matrix (crisp at
any size, and lighter than an image), merged into rectangles. It and the rest of what every
page shares are drawn once and their PDF operators replayed on the next pages: fpdf2 has no
public way to reuse a drawing across pages, and drawing them again, text line by text line
and rect() by rect(), took three quarters of the time of 50,000 letters.
"""

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import segno
from django.conf import settings
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from fpdf import FPDF

from portique.core import clock

# Reports how many letters are done, out of how many.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Letter:
    """What one PASS'UM prints. Holds a provisional password in clear: never store it."""

    first_name: str
    last_name: str
    login: str
    provisional_password: str = field(repr=False)
    expires_at: datetime


# Layout, in millimetres on an A4 page.
_LEFT, _RIGHT_EDGE, _TEXT_WIDTH = 20.0, 190.0, 170.0
_QR_MODULE = 0.9  # 33 modules + the quiet zone: about 37 mm, easy for a phone at arm's length
_QR_TOP, _QR_LEFT = 62.0, 153.0
# Letters that WinAnsi lacks and that decomposition does not reduce to one it has.
_FALLBACK = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "\u0131": "i", "Ħ": "H", "ħ": "h"}
)
_ENCODING = "windows-1252"


def activation_url() -> str:
    """Return the address of step 1, where the letter sends people."""
    return settings.PORTIQUE_BASE_URL + reverse("activation:identifier")


def date_text(day: date) -> str:
    """Return a date the way the letter prints it: 15/03/2026."""
    return day.strftime("%d/%m/%Y")


def printable(text: str) -> str:
    """Return `text` with every character the standard fonts cannot print replaced by its
    unaccented letter (or '?')."""
    try:
        text.encode(_ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    kept = []
    for character in text.translate(_FALLBACK):
        try:
            character.encode(_ENCODING)
            kept.append(character)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", character)
            base = "".join(c for c in base if not unicodedata.combining(c))
            kept.append(base if base and base.isascii() else "?")
    return "".join(kept)


def _qr_operators(url: str, *, x: float, y: float, k: float, page_height: float) -> str:
    """Return the PDF operators that paint the QR code of `url` with its top-left corner at
    (x, y) mm: dark modules merged into rectangles, in module units under one transform."""
    matrix = [[bool(cell) for cell in row] for row in segno.make(url, error="m").matrix]
    size = len(matrix)
    covered = [[False] * size for _ in range(size)]
    rectangles = []
    for top in range(size):
        for left in range(size):
            if not matrix[top][left] or covered[top][left]:
                continue
            width = 1
            while left + width < size and matrix[top][left + width]:
                width += 1
            height = 1
            while top + height < size and all(matrix[top + height][left : left + width]):
                height += 1
            for row in covered[top : top + height]:
                row[left : left + width] = [True] * width
            rectangles.append(f"{left} {top} {width} {height} re")
    # One transform to module units with y downwards, so each rectangle is a few integers;
    # q/Q keep fpdf2's own graphics state (colours, line width) untouched.
    module = _QR_MODULE * k
    transform = f"{module:.4f} 0 0 {-module:.4f} {x * k:.2f} {(page_height - y) * k:.2f} cm"
    return "\n".join(["q 0 g", transform, *rectangles, "f Q"])


def _instructions() -> list[str]:
    ent = settings.PORTIQUE_ENT_URL
    minimum = settings.PORTIQUE_PASSWORD_MIN_LENGTH
    return [
        f"1. Allez à l'adresse d'activation ci-dessus (ou scannez le code QR), ou sur l'ENT "
        f"{ent} et cliquez sur « 1ère connexion ».",
        "2. Saisissez votre nom de connexion, puis cliquez sur « Suivant ».",
        "3. Saisissez votre mot de passe provisoire, puis cliquez sur « Suivant ».",
        "4. Indiquez une adresse mail de secours et cliquez sur le lien du mail qu'elle reçoit "
        "(valable le jour même jusqu'à 23h59).",
        "5. Acceptez la charte informatique, choisissez d'apparaître ou non dans l'annuaire, "
        "puis réglez votre messagerie.",
        f"6. Choisissez votre mot de passe : au moins {minimum} caractères, au moins une lettre "
        "et un chiffre, ni mot du dictionnaire, ni votre nom ou prénom, ni caractère accentué.",
        "Votre compte est alors activé : connectez-vous à l'ENT avec votre nom de connexion et "
        "votre nouveau mot de passe.",
    ]


class _Renderer:
    """Lays out the pages of one document. What is the same on every page (labels,
    instructions, the QR code) is drawn by fpdf2 on the first page only; the next pages get a
    copy of the content bytes it wrote there."""

    def __init__(self) -> None:
        self.pdf = pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.core_fonts_encoding = _ENCODING
        pdf.set_auto_page_break(False)
        pdf.set_title("PASS'UM")
        pdf.set_creator("Portique")
        self.url = activation_url()
        self.issued_on = date_text(clock.local_date())
        self.shared: bytes | None = None

    def _wrap(self, text: str, width: float) -> list[str]:
        """Break `text` into lines no wider than `width` in the current font."""
        lines: list[str] = []
        for word in text.split():
            candidate = f"{lines[-1]} {word}" if lines else word
            if lines and self.pdf.get_string_width(candidate) <= width:
                lines[-1] = candidate
            else:
                lines.append(word)
        return lines

    def _draw_shared(self) -> None:
        """Draw what every page has, whoever it is for."""
        pdf = self.pdf
        pdf.set_font("Helvetica", "B", 14)
        pdf.text(_LEFT, 22, printable(settings.PORTIQUE_INSTITUTION_NAME))
        pdf.set_font("Helvetica", "B", 34)
        pdf.text(_LEFT, 46, "PASS'UM")
        pdf.set_font("Helvetica", "", 11)
        pdf.text(_LEFT, 53, "Passeport informatique - document personnel et confidentiel")
        pdf.set_font("Helvetica", "", 10)
        pdf.text(_LEFT, 68, "Nom")
        pdf.text(_LEFT, 86, "Nom de connexion")
        pdf.text(_LEFT, 104, "Mot de passe provisoire")
        pdf.text(_LEFT, 138, "Adresse d'activation")
        pdf.set_font("Courier", "B", 12)
        pdf.text(_LEFT, 145, self.url)
        pdf._out(_qr_operators(self.url, x=_QR_LEFT, y=_QR_TOP, k=pdf.k, page_height=pdf.h))
        pdf.set_font("Helvetica", "", 8)
        pdf.text(_QR_LEFT + 3.5, _QR_TOP + 40, "Scannez pour activer")
        pdf.set_font("Helvetica", "B", 12)
        pdf.text(_LEFT, 162, "Comment activer votre compte informatique")
        pdf.set_font("Helvetica", "", 10)
        y = 170.0
        for step in _instructions():
            for number, line in enumerate(self._wrap(printable(step), _TEXT_WIDTH - 5)):
                pdf.text(_LEFT + (0 if number == 0 else 4.5), y, line)
                y += 5.0
            y += 1.5
        pdf.set_font("Helvetica", "B", 11)
        pdf.text(_LEFT, 267.5, "passé cette date, demandez un nouveau PASS'UM à la DRH.")
        pdf.set_font("Helvetica", "", 9)
        pdf.text(_LEFT, 276, "Ne communiquez ce mot de passe à personne : ni la DRH ni le service")
        pdf.text(_LEFT, 280.5, "informatique ne vous le demanderont.")

    @sensitive_variables()
    def page(self, letter: Letter) -> None:
        pdf = self.pdf
        pdf.add_page()
        # fpdf2's own primitive for page content (its table and enum modules use it too).
        # q/Q: the shared part leaves the page's graphics and text state as it found it.
        if self.shared is None:
            contents = pdf.pages[pdf.page].contents
            if not isinstance(contents, bytearray):
                raise TypeError("fpdf2 no longer keeps a page's content as a bytearray")
            start = len(contents)
            pdf._out("q")
            self._draw_shared()
            pdf._out("Q")
            self.shared = bytes(contents[start:])
        else:
            pdf._out(self.shared)
        # After Q the page has no font selected: make fpdf2 select one again.
        pdf.current_font_is_set_on_page = False

        # Below, each font of the shared part is used at least once: fpdf2 lists a font in
        # a page's resources when its text() uses it there, and the replayed part needs them.
        valid_until = date_text(clock.local_date(letter.expires_at))
        pdf.set_font("Helvetica", "", 9)
        pdf.text(_LEFT, 28, f"Édité le {self.issued_on}")
        pdf.set_font("Helvetica", "B", 15)
        pdf.text(_LEFT, 75, printable(f"{letter.first_name} {letter.last_name}"))
        pdf.set_font("Courier", "B", 18)
        pdf.text(_LEFT, 94, letter.login)
        pdf.set_font("Courier", "B", 26)
        pdf.text(_LEFT, 114, letter.provisional_password)
        pdf.set_font("Helvetica", "B", 11)
        pdf.text(_LEFT, 124, f"Valable jusqu'au {valid_until} inclus")
        pdf.text(
            _LEFT, 262, f"Ce mot de passe provisoire ne fonctionne plus après le {valid_until} :"
        )

    def output(self) -> bytes:
        return bytes(self.pdf.output())


@sensitive_variables()
def render_letters(letters: Iterable[Letter], *, progress: Progress | None = None) -> bytes:
    """Return the PDF with one page per letter, in the given order; ValueError when there is
    none."""
    items: Sequence[Letter] = letters if isinstance(letters, Sequence) else list(letters)
    if not items:
        # fpdf2 would make a blank page of it: an empty PDF is a mistake upstream.
        raise ValueError("no letter to render")
    renderer = _Renderer()
    total = len(items)
    for done, letter in enumerate(items, 1):
        renderer.page(letter)
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    return renderer.output()
