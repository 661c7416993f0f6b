"""The translation catalogues compiled from .po to .mo by Babel, without GNU gettext.

Used by `portique compiletranslations` (the source tree, for `make demo` and `make test`)
and by the package's build (setup.py), so that a wheel carries its .mo files and no
deployment has to compile anything in its site-packages. It imports neither Django nor the
rest of Portique: the build loads this one file before the package is installed.
"""

import os
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po


class CatalogueError(Exception):
    """A .po file that cannot be read, or whose translations do not fit their msgids."""


def read_catalogue(po: Path) -> Catalog:
    """Read `po`, refusing it, like `msgfmt --check-format`, when a translation's
    placeholders do not fit its msgid."""
    try:
        with po.open("rb") as file:
            catalog = read_po(file, abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        raise CatalogueError(f"{po}: cannot be read: {error}") from error
    problems = [
        f"{po}:{message.lineno}: {error}" for message, errors in catalog.check() for error in errors
    ]
    if problems:
        raise CatalogueError("\n".join(problems))
    return catalog


def write_catalogue(catalog: Catalog, mo: Path) -> None:
    """Write `catalog` to `mo` at once: a server reading the catalogue never sees half a
    file (written beside, then renamed; open(), not mkstemp(), so that the .mo gets the
    umask's permissions, readable by the server)."""
    temporary = mo.with_name(f".{mo.name}.{os.getpid()}")
    try:
        with temporary.open("wb") as file:
            write_mo(file, catalog)
        temporary.replace(mo)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def compile_catalogues(root: Path, *, force: bool = False) -> Iterator[tuple[Path, Path]]:
    """Compile every django.po under `root` whose .mo is missing or older (every one with
    `force`), yielding each (po, mo) as it is written."""
    for po in sorted(root.rglob("django.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        write_catalogue(read_catalogue(po), mo)
        yield po, mo
