"""What every page tells the browser (CSP, framing, sniffing, caching, HSTS), templates
without inline code, HTTPS, and Django's deployment checklist."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import portique
from tests.factories import DemoPerson
from tests.security.conftest import (
    ELSEWHERE,
    NEW_PASSWORD,
    RECOVERY,
    STEP_1,
    STEP_2,
    STEP_3,
    MakeWalker,
)
from tests.support.mail import last_link

Pages = dict[str, Any]


@pytest.fixture
def pages(staff: DemoPerson, walker_for: MakeWalker) -> Pages:
    """Every page of an activation with a redirection elsewhere, as first shown, by name."""
    walker = walker_for(staff)
    get = walker.client.get
    shown: Pages = {"home": get("/"), "identifier": get(STEP_1)}
    walker.identify()
    shown["provisional_password"] = get(STEP_2)
    walker.give_provisional_password()
    shown["recovery_email"] = get(STEP_3)
    walker.give_recovery_email(RECOVERY)
    shown["recovery_email_sent"] = get("/activation/mail-de-secours/envoye/")
    shown["link_landing"] = get(last_link(RECOVERY))
    shown["link_confirm"] = get("/activation/lien/")
    walker.post("/activation/lien/")
    shown["charter"] = get("/activation/charte/")
    walker.accept_charter()
    shown["directory"] = get("/activation/annuaire/")
    walker.choose_directory(False)
    shown["forwarding"] = get("/activation/messagerie/")
    walker.choose_forwarding(ELSEWHERE)
    shown["forwarding_sent"] = get("/activation/messagerie/envoye/")
    walker.follow_link(last_link(ELSEWHERE))
    shown["new_password"] = get("/activation/mot-de-passe/")
    walker.set_password(NEW_PASSWORD)
    shown["done"] = get("/activation/termine/")
    get("/activation/lien/no-such-token/")
    shown["link_error"] = get("/activation/lien/")
    statuses = {name: response.status_code for name, response in shown.items()}
    expected = {name: 302 if name == "link_landing" else 200 for name in shown}
    expected["link_error"] = 400
    assert statuses == expected, "the walk did not show the pages it meant to"
    return shown


def csp(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header, as {directive: sources}."""
    header = response.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def test_every_page_has_a_csp_without_unsafe_inline_or_eval(pages: Pages) -> None:
    unsafe = {
        name: response["Content-Security-Policy"]
        for name, response in pages.items()
        if not csp(response) or re.search(r"unsafe-(inline|eval)", str(csp(response)))
    }

    assert unsafe == {}


def test_every_page_allows_scripts_and_styles_from_the_portal_only(pages: Pages) -> None:
    wrong = {
        name: (policy.get("script-src"), policy.get("style-src"))
        for name, policy in ((name, csp(response)) for name, response in pages.items())
        if policy.get("script-src") != ["'self'"] or policy.get("style-src") != ["'self'"]
    }

    assert wrong == {}


def test_every_page_forbids_framing_in_its_csp(pages: Pages) -> None:
    wrong = {
        name: csp(response).get("frame-ancestors")
        for name, response in pages.items()
        if csp(response).get("frame-ancestors") != ["'none'"]
    }

    assert wrong == {}


def test_every_page_forbids_framing_with_x_frame_options(pages: Pages) -> None:
    wrong = {
        name: response.get("X-Frame-Options")
        for name, response in pages.items()
        if response.get("X-Frame-Options") != "DENY"
    }

    assert wrong == {}


def test_every_page_forbids_content_sniffing(pages: Pages) -> None:
    wrong = {
        name: response.get("X-Content-Type-Options")
        for name, response in pages.items()
        if response.get("X-Content-Type-Options") != "nosniff"
    }

    assert wrong == {}


def test_every_page_of_the_flow_is_kept_out_of_caches(pages: Pages) -> None:
    wrong = {
        name: response.get("Cache-Control")
        for name, response in pages.items()
        if "no-store" not in response.get("Cache-Control", "")
    }

    assert wrong == {}


# --- HSTS -------------------------------------------------------------------------------


def test_secure_request_gets_hsts_for_a_year(db: None, client: Client) -> None:
    header = client.get("/", secure=True)["Strict-Transport-Security"]

    assert "max-age=31536000" in header.split("; ")


def test_hsts_covers_the_subdomains(db: None, client: Client) -> None:
    header = client.get("/", secure=True)["Strict-Transport-Security"]

    assert "includeSubDomains" in header.split("; ")


# --- No inline code in any page template ------------------------------------------------

PACKAGE = Path(portique.__file__).parent
MAIL_TEMPLATES = PACKAGE / "mail" / "templates" / "mail"


def page_templates() -> list[Path]:
    """Every template that renders a page: the mails are not pages (they cannot load a
    script or a style sheet), the development outbox is."""
    found = [
        path
        for path in sorted(PACKAGE.glob("**/templates/**/*.html"))
        if path.parent != MAIL_TEMPLATES or path.name == "dev_outbox.html"
    ]
    assert len(found) > 10, "the templates were not found"
    return found


def offenders(pattern: str) -> dict[str, list[str]]:
    regex = re.compile(pattern, re.IGNORECASE)
    found = {
        str(path.relative_to(PACKAGE)): regex.findall(path.read_text()) for path in page_templates()
    }
    return {name: hits for name, hits in found.items() if hits}


def test_no_page_template_has_an_inline_script() -> None:
    assert offenders(r"<script\b(?![^>]*\bsrc=)[^>]*>") == {}


def test_no_page_template_has_an_inline_style() -> None:
    assert offenders(r"\sstyle\s*=|<style\b") == {}


def test_no_page_template_has_an_event_handler_attribute() -> None:
    assert offenders(r"\son[a-z]+\s*=") == {}


# --- HTTPS ------------------------------------------------------------------------------


def test_plain_http_is_redirected_to_https(db: None, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/activation/identifiant/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/activation/identifiant/"


def test_request_the_proxy_says_came_over_https_is_not_redirected(db: None, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get("/activation/identifiant/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200


# --- Production settings, in a fresh process --------------------------------------------

PORTIQUE = str(Path(sys.executable).with_name("portique"))


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A fresh shell's environment with only production's required settings: none of the
    test suite's Portique or Django variables (debug, demo, plain-http...)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PORTIQUE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        PORTIQUE_SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        PORTIQUE_ALLOWED_HOSTS="compte.example.org",
        PORTIQUE_VAR_DIR=str(tmp_path),
        **variables,
    )
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_deployment_checklist_finds_no_issue_in_production_settings(tmp_path: Path) -> None:
    output = run([PORTIQUE, "check", "--deploy"], production_env(tmp_path), tmp_path)

    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


PRINT_SSL_REDIRECT = "from portique import settings; print(settings.SECURE_SSL_REDIRECT)"


def test_https_redirect_is_on_by_default_in_production(tmp_path: Path) -> None:
    output = run([sys.executable, "-c", PRINT_SSL_REDIRECT], production_env(tmp_path), tmp_path)

    assert output.strip() == "True"


def test_https_redirect_can_be_left_to_the_proxy(tmp_path: Path) -> None:
    env = production_env(tmp_path, PORTIQUE_SSL_REDIRECT="false")

    output = run([sys.executable, "-c", PRINT_SSL_REDIRECT], env, tmp_path)

    assert output.strip() == "False"
