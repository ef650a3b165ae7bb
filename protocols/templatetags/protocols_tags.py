"""Template filters over the protocol's catalog (protocols.rules)."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from config.renderers import text
from protocols.models import NUTRIENT_CHOICES

register = template.Library()
_NUTRIENT_LABELS = dict(NUTRIENT_CHOICES)


@register.filter
def nutrient_label(code: str) -> str:
    """A nutrient's name as people read it ("vitamin_d3" → "Vitamin D3")."""
    return str(_NUTRIENT_LABELS.get(code, code))


@register.simple_tag
def options(choices: Iterable[tuple[Any, Any]], value: Any, as_text: bool = False) -> SafeString:
    """The <option>s of a hand-written <select>, the current value selected: the bytes of
    {% for v, label in choices %}<option value="{{ v }}"{% if value == v %} selected{% endif
    %}>{{ label }}</option>{% endfor %} (with `as_text`, value|stringformat:"s" == v), written
    without a template loop (the what-if form has ~150 of them, issue #15)."""
    current = "%s" % (value,) if as_text else value  # noqa: UP031 — stringformat:"s"
    return mark_safe(  # noqa: S308 — every value and label escaped by text()
        "".join(
            f'<option value="{text(v)}"{" selected" if current == v else ""}>{text(label)}</option>'
            for v, label in choices
        )
    )
