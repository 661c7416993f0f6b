"""Template helpers shared by every page."""

import weakref
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BoundField
from django.forms.utils import ErrorList
from django.template import TemplateSyntaxError
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


# The markup of one field, as includes/field.html wrote it, its whitespace included, so that
# the pages stayed the same byte for byte when the template became this tag.
_FIELD = (
    '\n<div class="field{classes}">\n  \n    {first}\n    {second}\n  \n'
    "  {help}\n  {errors}\n</div>\n"
)
_ERRORS = '\n    <ul class="field__errors" id="{id}_error">\n      {items}\n    </ul>\n  '


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    """One form field: a real label, and the widget tied to its help text and errors
    (aria-describedby lists their ids, aria-invalid marks a field in error) so that a screen
    reader reads them with the field; a checkbox comes before its label. Written here rather
    than as an included template: through the template engine the field's markup cost as much
    as its widget, a tenth of a form page's rendering (each of its lookups on a BoundField
    first fails on BoundField.__getitem__)."""
    errors = field.errors
    checkbox = getattr(field.field.widget, "input_type", None) == "checkbox"
    label = format_html('<label for="{}">{}</label>', field.id_for_label, field.label)
    widget = _described_widget(field, errors)
    return format_html(
        _FIELD,
        classes=(" field--error" if errors else "") + (" field--checkbox" if checkbox else ""),
        first=widget if checkbox else label,
        second=label if checkbox else widget,
        help=(
            format_html(
                '<p class="field__help" id="{}_helptext">{}</p>', field.auto_id, field.help_text
            )
            if field.help_text
            else ""
        ),
        errors=(
            format_html(
                _ERRORS,
                id=field.auto_id,
                items=format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
            )
            if errors
            else ""
        ),
    )


def _described_widget(field: BoundField, errors: ErrorList) -> SafeString:
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    attrs: dict[str, Any] = {}
    if errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


_fixed_nodes: "weakref.WeakSet[FixedNode]" = weakref.WeakSet()

# What a {% csrf_token %} inside a {% fixed %} block renders while the block is rendered for
# memory: letters only, so escaping leaves it as it is and it can be found again.
_CSRF_MARK = "portiquefixedcsrfmark"
_CSRF_MARK_INPUT = str(CsrfTokenNode().render(Context({"csrf_token": _CSRF_MARK})))


@receiver(setting_changed)
def _forget_fixed_renderings(**kwargs: Any) -> None:
    """A setting changed (in tests): static URLs or the institution's settings may differ now."""
    for node in list(_fixed_nodes):
        node.rendered.clear()


class FixedNode(Node):
    """What {% fixed %} encloses, rendered once for each language and value of the variables
    it names, then given from memory, with the request's own CSRF token in place of each
    {% csrf_token %}."""

    # Hidden from get_nodes_by_type(): {% extends %} searches the whole base template for
    # its blocks on every page, and a fixed part holds none (fixed() refuses them).
    child_nodelists = ()

    def __init__(self, nodelist: NodeList, variables: list[Any]) -> None:
        self.nodelist = nodelist
        self.variables = variables
        # The rendering, cut where the CSRF tokens go.
        self.rendered: dict[tuple[Any, ...], list[str]] = {}
        self.csrf_token = CsrfTokenNode()
        _fixed_nodes.add(self)

    def render(self, context: Context) -> str:
        key = (
            translation.get_language(),
            get_urlconf(),
            get_script_prefix(),
            *(variable.resolve(context) for variable in self.variables),
        )
        try:
            parts = self.rendered[key]
        except KeyError:
            parts = self.rendered[key] = self._render_parts(context)
        except TypeError:  # a value that cannot be a key: rendered every time
            return self.nodelist.render(context)
        if len(parts) == 1:
            return parts[0]
        return mark_safe(self.csrf_token.render(context).join(parts))  # noqa: S308 (the template's own output)

    def _render_parts(self, context: Context) -> list[str]:
        with context.push(csrf_token=_CSRF_MARK):
            text = self.nodelist.render(context)
        parts = text.split(_CSRF_MARK_INPUT)
        if any(_CSRF_MARK in part for part in parts):
            raise TemplateSyntaxError(
                "{% fixed %} can only hold the CSRF token as {% csrf_token %}: it gives each "
                "request its own token in place of that tag's input, and of nothing else."
            )
        return [mark_safe(part) for part in parts]  # noqa: S308 (the template's own output)


@register.tag
def fixed(parser: Parser, token: Token) -> FixedNode:
    """{% fixed var1 var2 %}…{% endfixed %}: a part of a page that depends only on the active
    language, the URLs and the named variables (the settings the context processors give, a
    step's position), such as the footer. It is rendered once per process for each of their
    values instead of on every page: Django's template language costs per node, and the
    chrome every page repeats was a third of a page's rendering. A {% csrf_token %} inside
    gets the request's token. Never around anything else that changes with the request or
    the person, and never name a variable with many values (an address, say): each value
    keeps its own rendering in memory for the life of the process."""
    variables = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # A page's own block would be kept for every page that extends this one.
        raise TemplateSyntaxError("{% fixed %} cannot hold a {% block %}.")
    return FixedNode(nodelist, variables)
