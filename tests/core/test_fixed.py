"""{% fixed %}: a part of a page rendered once per language and named values, then given
from memory, with each request's own CSRF token."""

import re

import pytest
from django.http import HttpRequest
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import Template
from django.test import RequestFactory
from django.utils.translation import override

TOKEN_RE = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">')


def _template(source: str) -> Template:
    return engines["django"].from_string("{% load i18n portique %}" + source)  # type: ignore[return-value]


def _request() -> HttpRequest:
    request = RequestFactory().get("/")
    get_token(request)  # gives the request its CSRF secret, as the middleware's cookie does
    return request


def test_each_request_gets_its_own_csrf_token_from_memory() -> None:
    template = _template(
        "{% fixed %}<form>{% csrf_token %}<p>x</p>{% csrf_token %}</form>{% endfixed %}"
    )
    first, second = _request(), _request()

    pages = [template.render({}, first), template.render({}, second)]

    for page, request in zip(pages, (first, second), strict=True):
        tokens = TOKEN_RE.findall(page)
        assert len(tokens) == 2
        assert {_unmask_cipher_token(token) for token in tokens} == {request.META["CSRF_COOKIE"]}
        assert TOKEN_RE.sub("", page) == "<form><p>x</p></form>"


def test_a_page_without_csrf_token_gets_none() -> None:
    template = _template("{% fixed %}<form>{% csrf_token %}</form>{% endfixed %}")
    template.render({}, _request())

    assert template.render({}) == "<form></form>"


def test_the_rendering_is_kept_for_the_language() -> None:
    template = _template('{% fixed %}{% translate "Suivant" %} {{ unnamed }}{% endfixed %}')

    with override("fr"):
        first = template.render({"unnamed": "a"})
        again = template.render({"unnamed": "b"})
    with override("en"):
        english = template.render({"unnamed": "c"})

    assert (first, again, english) == ("Suivant a", "Suivant a", "Next c")


def test_each_value_of_a_named_variable_has_its_rendering() -> None:
    template = _template("{% fixed position %}Étape {{ position }}{% endfixed %}")

    assert [template.render({"position": n}) for n in (1, 2, 1)] == [
        "Étape 1",
        "Étape 2",
        "Étape 1",
    ]


def test_csrf_token_written_as_a_variable_is_refused() -> None:
    template = _template("{% fixed %}{{ csrf_token }}{% endfixed %}")

    with pytest.raises(TemplateSyntaxError):
        template.render({}, _request())


def test_a_block_inside_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError):
        _template("{% fixed %}{% block main %}{% endblock %}{% endfixed %}")
