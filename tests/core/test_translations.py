"""The English catalogue: compiled without GNU gettext, complete, faithful to the French
source's placeholders and tags, and chosen from the browser's Accept-Language."""

import gettext
import os
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.template import Template, engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.test import Client
from django.test.signals import language_changed
from django.utils import translation

PROJECT_DIR = Path(settings.LOCALE_PATHS[0]).parent
ENGLISH_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER_RE = re.compile(r"%\(\w+\)[a-z]")
TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    call_command("compiletranslations", verbosity=0)
    # A catalogue loaded earlier in the session, before the .mo existed, stays cached.
    language_changed(setting="LOCALE_PATHS")


def english_catalogue() -> Catalog:
    with ENGLISH_PO.open("rb") as file:
        return read_po(file, abort_invalid=True)


def messages(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def forms_of(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture
def locale_copy(tmp_path: Path, settings: Any) -> Path:
    """A copy of the English catalogue in a LOCALE_PATHS of its own; returns its .po."""
    po = tmp_path / "en" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.copy(ENGLISH_PO, po)
    settings.LOCALE_PATHS = [tmp_path]
    return po


def compile_translations() -> str:
    out = StringIO()
    call_command("compiletranslations", stdout=out)
    return out.getvalue()


# --- The command ------------------------------------------------------------------------


def test_compiletranslations_writes_a_mo_that_gettext_reads(locale_copy: Path) -> None:
    output = compile_translations()

    assert str(locale_copy) in output
    with locale_copy.with_suffix(".mo").open("rb") as file:
        catalogue = gettext.GNUTranslations(file)
    assert catalogue.gettext("Suivant") == "Next"
    assert catalogue.gettext("Étape %(position)s sur %(total)s") == "Step %(position)s of %(total)s"


def test_compiletranslations_leaves_a_mo_newer_than_its_po(locale_copy: Path) -> None:
    compile_translations()
    written = locale_copy.with_suffix(".mo").stat().st_mtime_ns

    assert compile_translations() == ""
    assert locale_copy.with_suffix(".mo").stat().st_mtime_ns == written


def test_compiletranslations_compiles_again_a_po_edited_after_its_mo(locale_copy: Path) -> None:
    compile_translations()
    mo_time = locale_copy.with_suffix(".mo").stat().st_mtime
    os.utime(locale_copy, (mo_time + 10, mo_time + 10))

    assert str(locale_copy) in compile_translations()


def test_compiletranslations_refuses_a_po_babel_cannot_parse(locale_copy: Path) -> None:
    locale_copy.write_text('msgid "Suivant"\nmsgstr "Next"\nthis is not a po file\n')

    with pytest.raises(CommandError, match="cannot be read"):
        compile_translations()
    assert not locale_copy.with_suffix(".mo").exists()


def test_compiletranslations_refuses_a_translation_with_an_unknown_placeholder(
    locale_copy: Path,
) -> None:
    locale_copy.write_text('#, python-format\nmsgid "Étape %(position)s"\nmsgstr "Step %(step)s"\n')

    with pytest.raises(CommandError, match="step"):
        compile_translations()


# --- The catalogue ----------------------------------------------------------------------


def test_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    catalogue = english_catalogue()

    assert not catalogue.fuzzy
    untranslated = [m.id for m in messages(catalogue) if not all(forms_of(m.string))]
    fuzzy = [m.id for m in messages(catalogue) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_translation_keeps_the_placeholders_and_tags_of_its_msgid() -> None:
    unfaithful = []
    for message in messages(english_catalogue()):
        source = "".join(forms_of(message.id))
        target = "".join(forms_of(message.string))
        for pattern in (PLACEHOLDER_RE, TAG_RE):
            if Counter(pattern.findall(source)) != Counter(pattern.findall(target)):
                unfaithful.append((message.id, message.string))

    assert unfaithful == []


def template_msgids() -> set[str]:
    """Every msgid the project's templates ask for at run time, as Django computes it."""
    engine = engines["django"].engine
    msgids = set()
    for path in sorted(PROJECT_DIR.glob("**/templates/**/*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        nodelist = Template(path.read_text(), engine=engine).nodelist
        for node in nodelist.get_nodes_by_type(TranslateNode):
            literal = node.filter_expression.var.literal
            if literal is not None:
                msgids.add(str(literal))
        for node in nodelist.get_nodes_by_type(BlockTranslateNode):
            msgids.add(node.render_token_list(node.singular)[0])
    return msgids


def test_every_string_a_template_translates_has_an_english_translation() -> None:
    # makemessages cuts a {% translate "…" %} string at its first escaped quote: the
    # catalogue then holds a msgid no page ever asks for, and the page stays French.
    catalogue = english_catalogue()

    missing = sorted(
        msgid
        for msgid in template_msgids()
        if (message := catalogue.get(msgid)) is None or not message.string
    )
    assert missing == []


# --- The pages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_identifier_page_is_english_for_a_browser_asking_for_english(client: Client) -> None:
    page = client.get("/activation/identifiant/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in page
    assert "Username (login name)" in page
    assert "Next" in page
    assert "Identifiant (Nom de connexion)" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", ["fr", None], ids=["fr", "no-header"])
def test_identifier_page_is_french_otherwise(client: Client, accept_language: str | None) -> None:
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    page = client.get("/activation/identifiant/", **headers).content.decode()

    assert '<html lang="fr">' in page
    assert "Identifiant (Nom de connexion)" in page
    assert "Suivant" in page
    assert "Username (login name)" not in page


def test_password_rules_speak_english_under_english() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password("short", user=None)

    assert "The password must contain at least one letter and one digit." in refused.value.messages
    assert not [message for message in refused.value.messages if "mot de passe" in message]
