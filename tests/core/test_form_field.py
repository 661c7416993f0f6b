"""{% form_field %} writes a field as includes/field.html did, byte for byte: a real label,
the help and errors tied to the widget (aria-describedby, aria-invalid), a checkbox before
its label."""

from typing import Any

import pytest
from django import forms
from django.template import engines
from django.utils.translation import override

from portique.accounts.rules import rules_for
from portique.activation import forms as step_forms

# The template the tag replaced, kept as the reference its markup is checked against.
FIELD_HTML = """{% load portique %}
<div class="field{% if field.errors %} field--error{% endif %}{% if field.field.widget.input_type == 'checkbox' %} field--checkbox{% endif %}">
  {% if field.field.widget.input_type == "checkbox" %}
    {% reference_widget field %}
    <label for="{{ field.id_for_label }}">{{ field.label }}</label>
  {% else %}
    <label for="{{ field.id_for_label }}">{{ field.label }}</label>
    {% reference_widget field %}
  {% endif %}
  {% if field.help_text %}<p class="field__help" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</p>{% endif %}
  {% if field.errors %}
    <ul class="field__errors" id="{{ field.auto_id }}_error">
      {% for error in field.errors %}<li>{{ error }}</li>{% endfor %}
    </ul>
  {% endif %}
</div>
"""  # noqa: E501 (the template's own lines)


def _reference(field: forms.BoundField) -> str:
    # The old described_field tag, inlined: the widget with aria-describedby and aria-invalid.
    described_by = []
    attrs: dict[str, Any] = {}
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    widget = field.as_widget(attrs=attrs)
    source = FIELD_HTML.replace("{% reference_widget field %}", "{{ widget }}")
    return engines["django"].from_string(source).render({"field": field, "widget": widget})


class _Sample(forms.Form):
    name = forms.CharField(label='Nom <complet> & "prénom"', help_text="Comme sur <b>la</b> carte")
    agree = forms.BooleanField(label="J'accepte", help_text="Obligatoire")
    kind = forms.ChoiceField(label="Catégorie", choices=[("a", "A"), ("b", "B")])
    address = forms.EmailField(label="Adresse")

    def clean(self) -> dict[str, Any]:
        self.add_error("address", "Une erreur avec <des> « signes » & co")
        return super().clean() or {}


def _forms() -> list[forms.Form]:
    staff = rules_for("staff")
    typo = {"recovery_email": "x@gmial.com", "recovery_email_confirmation": "x@gmial.com"}
    bound: list[forms.Form] = [
        _Sample(),
        _Sample({"name": "<x>", "address": "not an address"}),
        _Sample({"name": "x"}, auto_id=False),
        _Sample({"name": "x"}, auto_id="champ-%s", prefix="p"),
        step_forms.IdentifierForm({"identifier": ""}),
        step_forms.ProvisionalPasswordForm({"provisional_password": "x"}),
        step_forms.RecoveryEmailForm(typo),
        step_forms.RecoveryEmailForm(
            {"recovery_email": "a@b.fr", "recovery_email_confirmation": "c"}
        ),
        step_forms.CharterForm({}),
        step_forms.DirectoryForm(),
        step_forms.ForwardingForm({"wants_forwarding": "on"}, rules=staff),
        step_forms.ForwardingForm(initial={"keep_copy": True}, rules=staff),
    ]
    for form in bound:
        form.is_valid()
    return bound


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.django_db
def test_each_field_is_written_as_the_template_wrote_it(language: str) -> None:
    tag = engines["django"].from_string("{% load portique %}{% form_field field %}")
    with override(language):
        for form in _forms():
            for field in form:
                assert tag.render({"field": field}) == _reference(field), field.name
