"""Read and check HR's file of people, and make logins for those who have none.

The file is CSV in UTF-8 (with or without BOM), separated by ',' or ';' (what a French
spreadsheet writes), with a header line naming the columns: hr_id, first_name, last_name,
category, and optionally login, birth_date, department, contract_end, personal_email (where
the reminders go, checked as the activation checks a recovery address). Nothing here touches
the database: the checks that need it are in services.py.
"""

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portique.accounts.models import Category
from portique.mail import typos
from portique.mail.addresses import is_institution_address

REQUIRED_COLUMNS = ("hr_id", "first_name", "last_name", "category")
OPTIONAL_COLUMNS = ("login", "birth_date", "department", "contract_end", "personal_email")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# The lengths of the Person fields they go to.
_MAX_HR_ID, _MAX_NAME, _MAX_DEPARTMENT, _MAX_LOGIN, _MAX_EMAIL = 64, 150, 150, 150, 254
# Room left after a generated login for its collision number (jane.doe12345).
_MAX_LOGIN_BASE = _MAX_LOGIN - 10
_LOGIN_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_DATE_LAYOUTS = ("%Y-%m-%d", "%d/%m/%Y")
# Translated only when a message needs them, not for each of 50,000 lines.
_LABELS = {
    "first_name": gettext_lazy("prénom"),
    "last_name": gettext_lazy("nom"),
    "birth_date": gettext_lazy("date de naissance"),
    "contract_end": gettext_lazy("fin de contrat"),
}

# Letters that Unicode decomposition does not reduce to ASCII.
_SPELLED_OUT = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "\u0131": "i"}
)  # fmt: skip
# Apostrophes join the parts they separate: D'Artagnan gives dartagnan.
_APOSTROPHES_RE = re.compile("['`\u2018\u2019\u02bc\u00b4]")
# Spaces, hyphens and dashes between the parts of a compound name become one '-'.
_SEPARATORS_RE = re.compile("[\\s_\\-\u2010-\u2015]+")
_NOT_LOGIN_RE = re.compile(r"[^a-z-]")


class InvalidFile(Exception):
    """The file as a whole cannot be read: wrong encoding, or a header without the required
    columns. No line of it is imported."""


@dataclass(frozen=True)
class PersonRow:
    """One valid line of the file. `given` names the optional columns it has a value for
    (an absent column leaves the person's field as it is on a re-import)."""

    line: int
    hr_id: str
    first_name: str
    last_name: str
    category: str
    login: str
    birth_date: date | None
    department: str
    contract_end: date | None
    given: frozenset[str]
    personal_email: str = ""


@dataclass(frozen=True)
class Rejection:
    """A line that is not imported, and why."""

    line: int
    hr_id: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return _("ligne %(line)s : %(reasons)s") % {
            "line": self.line,
            "reasons": " ; ".join(self.reasons),
        }


@dataclass(frozen=True)
class CheckedRows:
    valid: list[PersonRow]
    rejected: list[Rejection]


def read_csv(data: bytes) -> Iterator[tuple[int, Mapping[str, str] | Rejection]]:
    """Yield (line number, {column: value}) for each non-empty line after the header, or a
    Rejection for a line with the wrong number of fields; line numbers are those an editor
    shows, the header being line 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidFile(
            _("Le fichier n'est pas en UTF-8 (ligne %(line)s).") % {"line": line}
        ) from error
    header_line = text.split("\n", 1)[0]
    separator = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = next(reader, None)
    if header is None:
        raise InvalidFile(_("Le fichier est vide."))
    columns = [name.strip().lower() for name in header]
    _check_columns(columns)
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidFile(
                _("Ligne %(line)s illisible : %(error)s") % {"line": start, "error": error}
            ) from error
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(columns):
            # A wrong count shifts values into the wrong columns, the hr_id among them: say
            # so rather than guess.
            message = _("%(found)s champs au lieu de %(expected)s") % {
                "found": len(fields),
                "expected": len(columns),
            }
            yield start, Rejection(line=start, hr_id="", reasons=(message,))
            continue
        yield start, dict(zip(columns, fields, strict=True))


def _check_columns(columns: Iterable[str]) -> None:
    names = list(columns)
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("colonnes manquantes : %(names)s") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("colonnes inconnues : %(names)s") % {"names": ", ".join(unknown)})
    if duplicated:
        problems.append(_("colonnes en double : %(names)s") % {"names": ", ".join(duplicated)})
    if problems:
        raise InvalidFile(
            _("En-tête invalide (%(problems)s). Colonnes attendues : %(expected)s.")
            % {"problems": " ; ".join(problems), "expected": ", ".join(COLUMNS)}
        )


def _parse_date(value: str) -> date:
    for layout in _DATE_LAYOUTS:
        try:
            return datetime.strptime(value, layout).date()
        except ValueError:
            continue
    raise ValueError(value)


def _personal_email_problem(address: str) -> str | None:
    """Why `address` cannot be a person's personal address, or None: the checks of the
    recovery address at step 3. A domain that looks like a misspelt common provider is
    refused here, where the form only warns: HR corrects the file, and nobody is there to
    confirm the address as it is."""
    try:
        if len(address) > _MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        return _("adresse personnelle « %(value)s » invalide") % {"value": address}
    if is_institution_address(address):
        return _(
            "adresse personnelle « %(value)s » de l'université (une adresse extérieure est "
            "attendue)"
        ) % {"value": address}
    suggestion = typos.suggest(address)
    if suggestion is not None:
        return _("adresse personnelle « %(value)s » : vouliez-vous dire %(suggestion)s ?") % {
            "value": address,
            "suggestion": suggestion,
        }
    return None


def _check_row(line: int, raw: Mapping[str, str]) -> PersonRow | Rejection:
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise InvalidFile(_("colonnes inconnues : %(names)s") % {"names": ", ".join(unknown)})
    value = {name: " ".join(str(raw.get(name) or "").split()) for name in COLUMNS}
    reasons = []
    hr_id = value["hr_id"]
    if not hr_id:
        reasons.append(_("hr_id manquant"))
    elif len(hr_id) > _MAX_HR_ID:
        reasons.append(_("hr_id trop long (%(max)s caractères au plus)") % {"max": _MAX_HR_ID})
    for name in ("first_name", "last_name"):
        if not value[name]:
            reasons.append(_("%(field)s manquant") % {"field": _LABELS[name]})
        elif len(value[name]) > _MAX_NAME:
            reasons.append(_("%(field)s trop long") % {"field": _LABELS[name]})
    category = value["category"].lower()
    if category not in Category.values:
        reasons.append(
            _("catégorie « %(value)s » inconnue (attendu : %(choices)s)")
            % {"value": value["category"], "choices": ", ".join(Category.values)}
        )
    login = value["login"].lower()
    if login and (len(login) > _MAX_LOGIN or not _LOGIN_RE.fullmatch(login)):
        reasons.append(
            _("nom de connexion « %(value)s » invalide (lettres minuscules sans accent, "
              "chiffres, « . », « - » et « _ »)") % {"value": value["login"]}
        )  # fmt: skip
    dates: dict[str, date | None] = {}
    for name in ("birth_date", "contract_end"):
        dates[name] = None
        if value[name]:
            try:
                dates[name] = _parse_date(value[name])
            except ValueError:
                reasons.append(
                    _("%(field)s « %(value)s » invalide (AAAA-MM-JJ ou JJ/MM/AAAA)")
                    % {"field": _LABELS[name], "value": value[name]}
                )
    if len(value["department"]) > _MAX_DEPARTMENT:
        reasons.append(_("service trop long"))
    personal_email = value["personal_email"].replace(" ", "")
    if personal_email and (problem := _personal_email_problem(personal_email)):
        reasons.append(problem)
    if not login and not reasons and not login_base(value["first_name"], value["last_name"]):
        reasons.append(
            _("impossible de faire un nom de connexion de « %(name)s » : indiquez-le dans la "
              "colonne login") % {"name": f"{value['first_name']} {value['last_name']}"}
        )  # fmt: skip
    if reasons:
        return Rejection(line=line, hr_id=hr_id, reasons=tuple(reasons))
    return PersonRow(
        line=line,
        hr_id=hr_id,
        first_name=value["first_name"],
        last_name=value["last_name"],
        category=category,
        login=login,
        birth_date=dates["birth_date"],
        department=value["department"],
        contract_end=dates["contract_end"],
        given=frozenset(name for name in OPTIONAL_COLUMNS if name in raw),
        personal_email=personal_email,
    )


def check_rows(rows: Iterable[tuple[int, Mapping[str, str] | Rejection]]) -> CheckedRows:
    """Check every line on its own, then across lines: an hr_id or a login that appears on
    two lines rejects both, since nothing tells which one is right."""
    checked = [raw if isinstance(raw, Rejection) else _check_row(line, raw) for line, raw in rows]
    lines_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for result in checked:
        if result.hr_id:
            lines_of[("hr_id", result.hr_id)].append(result.line)
        if isinstance(result, PersonRow) and result.login:
            lines_of[("login", result.login)].append(result.line)
    duplicates: dict[int, list[str]] = defaultdict(list)
    for (kind, key), lines in lines_of.items():
        for line in lines if len(lines) > 1 else ():
            others = ", ".join(str(other) for other in lines if other != line)
            message = (
                _("hr_id « %(value)s » aussi ligne %(lines)s")
                if kind == "hr_id"
                else _("nom de connexion « %(value)s » aussi ligne %(lines)s")
            )
            duplicates[line].append(message % {"value": key, "lines": others})
    valid: list[PersonRow] = []
    rejected: list[Rejection] = []
    for result in checked:
        extra = tuple(duplicates.get(result.line, ()))
        if isinstance(result, Rejection):
            rejected.append(Rejection(result.line, result.hr_id, result.reasons + extra))
        elif extra:
            rejected.append(Rejection(result.line, result.hr_id, extra))
        else:
            valid.append(result)
    return CheckedRows(valid=valid, rejected=rejected)


@lru_cache(maxsize=4096)
def _login_part(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.translate(_SPELLED_OUT))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _APOSTROPHES_RE.sub("", text)
    text = _SEPARATORS_RE.sub("-", text)
    text = _NOT_LOGIN_RE.sub("", text)
    return re.sub("-+", "-", text).strip("-")


def login_base(first_name: str, last_name: str) -> str:
    """Return first.last in lower-case ASCII: accents removed, apostrophes dropped, spaces
    and hyphens of compound names kept as '-'; '' when a part has no usable letter."""
    first, last = _login_part(first_name), _login_part(last_name)
    if not first or not last:
        return ""
    return f"{first}.{last}"[:_MAX_LOGIN_BASE].rstrip(".-")


class LoginAllocator:
    """Hands out logins in file order: the base itself if free, then base2, base3…"""

    def __init__(self, is_taken: Callable[[str], bool]) -> None:
        self._is_taken = is_taken
        self._handed_out: set[str] = set()
        # Where to resume counting for each base, so that a thousand Marie Martin stay fast.
        self._next: dict[str, int] = {}

    def reserve(self, login: str) -> None:
        """Keep `login` (given in the file) from being handed out."""
        self._handed_out.add(login)

    def allocate(self, base: str) -> str:
        number = self._next.get(base, 1)
        while True:
            candidate = base if number == 1 else f"{base}{number}"
            number += 1
            if candidate not in self._handed_out and not self._is_taken(candidate):
                break
        self._next[base] = number
        self._handed_out.add(candidate)
        return candidate
