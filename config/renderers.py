"""The form renderer: Django's own, with its commonest widget templates built in Python.

Django renders every widget through templates: a <select> includes one template per
<option>, and each of those includes the attributes template. A check-in form of 17 score
selects spent 40 % of the symptom page's time there (issue #15). `FastWidgets` writes the
same bytes for Django's stock input, textarea and select templates (the `{{ }}` escaping and
localisation, `stringformat:'s'`, the whitespace, the final strip), and hands every other
template, or a widget whose options use another template, to Django's renderer.
tests/test_renderers.py renders random widgets both ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

_WIDGETS = "django/forms/widgets/"
_OPTION = _WIDGETS + "select_option.html"


def text(value: Any) -> str:
    """`{{ value }}` in an autoescaping template (django.template.base.render_value_in_context)."""
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe string safe."""
    raw = str(value) if isinstance(value, tuple) else value
    try:
        result = "%s" % raw  # noqa: UP031 — the filter's own formatting
    except (ValueError, TypeError):
        result = ""
    if isinstance(value, SafeData):
        result = mark_safe(result)  # noqa: S308 — safe in, safe out, as the filter does
    return text(result)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {text(name)}" if value is True else f' {text(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text(value) if value else ''}</textarea>"
    )


def _select(widget: Mapping[str, Any]) -> str | None:
    out = [f'<select name="{text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{text(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION:
                return None  # a custom option template: Django renders the whole select
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{text(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


_INPUTS = ("checkbox", "color", "date", "datetime", "email", "file", "hidden", "input")
_INPUTS += ("number", "password", "search", "tel", "text", "time", "url")
_BUILDERS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{f"{_WIDGETS}{name}.html": _input for name in _INPUTS},
    _WIDGETS + "textarea.html": _textarea,
    _WIDGETS + "select.html": _select,
}


class FastWidgets(DjangoTemplates):
    """settings.FORM_RENDERER: Django's template renderer with a Python fast path."""

    def render(self, template_name, context, request=None):
        build = _BUILDERS.get(template_name)
        widget = context.get("widget") if build is not None else None
        if isinstance(widget, Mapping):
            html = build(widget)
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request=request)
