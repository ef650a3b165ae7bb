"""Template filters over the protocol's catalog (protocols.rules)."""

from django import template

from protocols.models import NUTRIENT_CHOICES

register = template.Library()
_NUTRIENT_LABELS = dict(NUTRIENT_CHOICES)


@register.filter
def nutrient_label(code: str) -> str:
    """A nutrient's name as people read it ("vitamin_d3" → "Vitamin D3")."""
    return str(_NUTRIENT_LABELS.get(code, code))
