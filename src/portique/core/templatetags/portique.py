"""Template helpers shared by every page."""

import weakref
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BoundField
from django.template import TemplateSyntaxError
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def described_field(field: BoundField) -> SafeString:
    """Render the field's widget tied to its help text and errors: aria-describedby lists
    their ids, and aria-invalid marks a field in error."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    attrs: dict[str, Any] = {}
    if field.errors:
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
