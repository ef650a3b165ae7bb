"""A <select> of the ~600 IANA time zones that costs next to nothing to render.

Django renders each <option> through a template: ~600 of them are most of the settings
page's time (issue #15: 37 req/s). The options here are built once per process, language
and list of choices, grouped by region (<optgroup>), and each render only marks the current
zone as selected. Which values are allowed is still the form field's business.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language


def _option(value: str, label: str) -> str:
    return f'<option value="{escape(value)}">{escape(label)}</option>'


@functools.lru_cache(maxsize=32)
def _options_html(choices: tuple[tuple[str, str], ...], language: str | None) -> str:
    """Ungrouped choices first (UTC, an empty "Choose…"), then one <optgroup> per region."""
    loose: list[str] = []
    regions: dict[str, list[str]] = {}
    for value, label in choices:
        region, slash, _city = value.partition("/")
        if slash:
            regions.setdefault(region, []).append(_option(value, label))
        else:
            loose.append(_option(value, label))
    groups = [
        f'<optgroup label="{escape(region)}">{"".join(options)}</optgroup>'
        for region, options in regions.items()
    ]
    return "".join(loose + groups)


class TimeZoneSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        options = _options_html(_plain(self.choices), get_language())
        if value not in (None, ""):
            plain = f'<option value="{escape(value)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 — escaped above


def _plain(choices: Iterable) -> tuple[tuple[str, str], ...]:
    """The choices as a hashable cache key, lazy labels resolved in the active language."""
    return tuple((str(value), str(label)) for value, label in choices)
