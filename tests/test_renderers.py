"""config.renderers.FastWidgets writes byte for byte what Django's widget templates write."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.forms import PreferencesForm
from config.renderers import FastWidgets
from labs.forms import SymptomCheckinForm

DJANGO = DjangoTemplates()
FAST = FastWidgets()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
label = st.one_of(
    text,
    text.map(mark_safe),  # a safe string stays unescaped
    st.integers(-(10**7), 10**7),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**6),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.booleans(),
    st.none(),
    st.just(gettext_lazy("Date")),
)
scalar = st.one_of(label, st.tuples(st.integers(), st.integers()))
attr_names = st.sampled_from(["class", "id", "placeholder", "data-x", "step", "min", "required"])
attrs = st.dictionaries(attr_names, scalar, max_size=4)
choice_value = st.one_of(text, st.integers(0, 99), st.none())
choices = st.lists(st.tuples(choice_value, label), max_size=6)
grouped = st.lists(st.one_of(st.tuples(choice_value, label), st.tuples(text, choices)), max_size=5)
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.TimeInput,
    forms.DateTimeInput,
    forms.CheckboxInput,
    forms.Textarea,
    forms.FileInput,
]


def both(widget: forms.Widget, name: str, value) -> tuple[str, str]:
    return widget.render(name, value, renderer=DJANGO), widget.render(name, value, renderer=FAST)


@pytest.mark.parametrize("language", ["en", "de"])
@hypothesis_settings(max_examples=100, deadline=None)
@given(data=st.data(), name=text, value=scalar, extra=attrs)
def test_inputs_and_textareas_match_django(language, data, name, value, extra):
    widget = data.draw(st.sampled_from(WIDGETS))(attrs=extra)
    with translation.override(language):
        django_html, fast_html = both(widget, name, value)
    assert fast_html == django_html


@pytest.mark.parametrize("language", ["en", "de"])
@hypothesis_settings(max_examples=100, deadline=None)
@given(data=st.data(), name=text, options=grouped, extra=attrs, picked=st.lists(choice_value))
def test_selects_match_django(language, data, name, options, extra, picked):
    kind = data.draw(st.sampled_from([forms.Select, forms.SelectMultiple, forms.NullBooleanSelect]))
    widget = kind(attrs=extra) if kind is forms.NullBooleanSelect else kind(extra, options)
    value = picked if kind is forms.SelectMultiple else (picked[0] if picked else None)
    with translation.override(language):
        django_html, fast_html = both(widget, name, value)
    assert fast_html == django_html


class OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/input.html"  # any other template


def test_a_custom_option_template_goes_to_django():
    widget = OwnOption(choices=[("a", "A")])
    assert widget.render("x", "a", renderer=FAST) == widget.render("x", "a", renderer=DJANGO)


def test_templates_without_a_fast_path_go_to_django():
    widget = forms.RadioSelect(choices=[("a", "A"), ("b", "B")])
    assert widget.render("x", "b", renderer=FAST) == widget.render("x", "b", renderer=DJANGO)
    date = forms.SelectDateWidget()
    assert date.render("d", dt.date(2024, 2, 29), renderer=FAST) == date.render(
        "d", dt.date(2024, 2, 29), renderer=DJANGO
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_apps_forms_render_the_same(language, user):
    assert settings.FORM_RENDERER == "config.renderers.FastWidgets"
    assert isinstance(get_default_renderer(), FastWidgets)
    with translation.override(language):
        for form in (
            SymptomCheckinForm(today=dt.date(2026, 12, 1), initial={"s_fatigue": 2}),
            SymptomCheckinForm({"recorded_on": "x", "s_fatigue": "9"}, today=dt.date(2026, 12, 1)),
            PreferencesForm(instance=user),
        ):
            if form.is_bound:
                form.is_valid()  # the errors' classes and the bound values
            for field in form:
                widget, value = field.field.widget, field.value()
                attrs = field.build_widget_attrs({})
                fast = widget.render(field.html_name, value, attrs, FAST)
                assert fast == widget.render(field.html_name, value, attrs, DJANGO)


LOOP = Template(
    '{% for v, label in choices %}<option value="{{ v }}"{% if value == v %} selected{% endif %}>'
    "{{ label }}</option>{% endfor %}"
)
LOOP_AS_TEXT = Template(
    '{% for v, label in choices %}<option value="{{ v }}"{% if value|stringformat:"s" == v %}'
    " selected{% endif %}>{{ label }}</option>{% endfor %}"
)
TAG = Template("{% load protocols_tags %}{% options choices value %}")
TAG_AS_TEXT = Template("{% load protocols_tags %}{% options choices value as_text=True %}")


@pytest.mark.parametrize("language", ["en", "de"])
@hypothesis_settings(max_examples=100, deadline=None)
@given(options=choices, value=st.one_of(choice_value, st.integers(0, 3)))
def test_the_options_tag_writes_what_the_template_loop_writes(language, options, value):
    context = Context({"choices": options, "value": value})
    with translation.override(language):
        assert TAG.render(context) == LOOP.render(context)
        assert TAG_AS_TEXT.render(context) == LOOP_AS_TEXT.render(context)
