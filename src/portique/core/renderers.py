"""The form renderer (FORM_RENDERER): Django's, with the `<input>` widgets written in Python."""

from functools import cached_property
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.template.defaultfilters import stringformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

_DJANGO_TEMPLATES = Path(django.forms.__file__).parent / "templates"

# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`,
# and the two templates that one includes: what _input_html() writes.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "password", "hidden", "checkbox", "number", "url")
)
_INPUT_PARTS = ("django/forms/widgets/input.html", "django/forms/widgets/attrs.html")


class FormRenderer(DjangoTemplates):
    """Django's default renderer, except for the `<input>` widgets, whose markup is built here
    exactly as Django's input.html and attrs.html build it. Through the template engine, a
    text field's widget cost ~0.1 ms, about as much as the rest of its label, help and errors:
    a tenth of a form page's rendering. An app that overrides one of those templates gets it
    used: the Python path stands aside for any template that is not Django's own."""

    @cached_property
    def _inputs_in_python(self) -> frozenset[str]:
        if not all(self._is_djangos(name) for name in _INPUT_PARTS):
            return frozenset()
        return frozenset(name for name in _INPUT_TEMPLATES if self._is_djangos(name))

    def _is_djangos(self, template_name: str) -> bool:
        origin = self.get_template(template_name).origin
        return Path(origin.name).is_relative_to(_DJANGO_TEMPLATES)

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name in self._inputs_in_python:
            return _input_html(context["widget"])
        return super().render(template_name, context, request)


def _input_html(widget: dict[str, Any]) -> str:
    """input.html and attrs.html: `{{ widget.type }}`, `{{ widget.name }}`, the value unless
    None, then each attribute but False ones, True ones bare; each value escaped unless safe,
    after `stringformat:'s'`, as the template does."""
    html = [
        f'<input type="{conditional_escape(widget["type"])}"'
        f' name="{conditional_escape(widget["name"])}"'
    ]
    if widget["value"] is not None:
        html.append(f' value="{_attribute_value(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is not False:
            html.append(f" {conditional_escape(name)}")
            if value is not True:
                html.append(f'="{_attribute_value(value)}"')
    html.append(">")
    return "".join(html)


def _attribute_value(value: Any) -> str:
    text = stringformat(value, "s")
    # stringformat is a safe filter: the template keeps a safe value's text unescaped.
    return str(conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text))  # noqa: S308
