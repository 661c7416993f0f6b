"""The Content-Security-Policy header: built once from the settings, and django-csp's own
handling wherever a view or the settings ask for more."""

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from portique.core.middleware import ContentSecurityPolicyMiddleware


def respond(request: HttpRequest, view=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    view = view or (lambda request: HttpResponse("page"))
    middleware = ContentSecurityPolicyMiddleware(view)
    response = middleware(request)
    assert isinstance(response, HttpResponse)
    return response


@pytest.fixture
def request_() -> HttpRequest:
    return RequestFactory().get("/activation/identifiant/")


def test_the_header_is_the_policy_django_csp_builds_from_the_settings(
    request_: HttpRequest,
) -> None:
    assert respond(request_)["Content-Security-Policy"] == build_policy()


def test_a_change_of_the_settings_changes_the_header(request_: HttpRequest) -> None:
    respond(request_)
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://cdn.example.org"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        header = respond(RequestFactory().get("/"))["Content-Security-Policy"]

    assert sorted(header.split("; ")) == ["default-src 'self'", "img-src https://cdn.example.org"]


def test_a_view_that_updates_the_policy_gets_its_own_header(request_: HttpRequest) -> None:
    @csp_update({"img-src": "https://tiles.example.org"})
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("map")

    header = respond(request_, view)["Content-Security-Policy"]

    assert "https://tiles.example.org" in header
    assert "'self'" in header


def test_a_view_exempted_gets_no_header(request_: HttpRequest) -> None:
    @csp_exempt()
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("exempt")

    assert "Content-Security-Policy" not in respond(request_, view)


@override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}})
def test_a_nonce_taken_by_the_page_is_in_the_header(request_: HttpRequest) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')  # type: ignore[attr-defined]

    response = respond(request_, view)

    nonce = request_._csp_nonce  # type: ignore[attr-defined]
    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
