"""The form renderer writes the `<input>` widgets in Python: the markup must be, byte for
byte, what Django's own templates write, and an app's own template must still win."""

from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.template.backends.django import DjangoTemplates as DjangoTemplatesBackend
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from portique.core.renderers import FormRenderer

REVEAL = {"data-reveal-label": gettext_lazy("Afficher le mot de passe")}
WIDGETS: list[tuple[forms.Widget, Any]] = [
    (forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}), "p.martin"),
    (forms.TextInput(), None),
    (forms.TextInput(), ""),
    (forms.TextInput(attrs={"maxlength": 254}), 'a "quoted" <b>&amp; value\''),
    (forms.TextInput(attrs={"data-x": mark_safe("<i>safe</i>")}), mark_safe("<b>safe</b>")),
    (forms.EmailInput(attrs={"autocomplete": "email", "aria-invalid": "true"}), "a@b.fr"),
    (forms.PasswordInput(attrs=REVEAL), "x"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), "x@gmial.com"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.CheckboxInput(attrs={"disabled": True, "hidden": False}), "on"),
    (forms.NumberInput(attrs={"min": 0, "step": 0.5}), 3),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_input_is_written_as_djangos_templates_write_it(
    widget: forms.Widget, value: Any, language: str
) -> None:
    attrs = {"id": "id_field", "required": True, "aria-describedby": "id_field_helptext"}

    with override(language):
        ours = widget.render("field", value, attrs=attrs, renderer=FormRenderer())
        djangos = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())

    assert ours == djangos


def test_settings_name_the_renderer() -> None:
    assert settings.FORM_RENDERER == "portique.core.renderers.FormRenderer"


class _RendererWithOverride(FormRenderer):
    """The renderer of a site whose templates folder holds its own attrs.html."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def engine(self) -> DjangoTemplatesBackend:  # type: ignore[override]
        return DjangoTemplatesBackend(
            {
                "APP_DIRS": True,
                "DIRS": [self.folder, Path(forms.__file__).parent / "templates"],
                "NAME": "overridden",
                "OPTIONS": {},
            }
        )


def test_a_template_of_the_site_is_used_instead(tmp_path: Path) -> None:
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "attrs.html").write_text(' data-site="ours"')

    html = forms.TextInput().render("field", "x", renderer=_RendererWithOverride(tmp_path))

    assert html == '<input type="text" name="field" value="x" data-site="ours">'
