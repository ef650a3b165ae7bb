"""Template filters for lab results: catalog look-ups the templates cannot do themselves."""

from django import template

from labs.analytes import ANALYTES, status
from protocols.models import NUTRIENT_CHOICES

register = template.Library()


@register.filter
def result_status(result) -> str | None:
    """The badge status of a stored result (None when its analyte has no range)."""
    return status(ANALYTES[result.analyte], result.canonical_value)


@register.filter
def analyte_short(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte.short_name if analyte else code


@register.filter
def canonical_unit(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte.canonical_unit if analyte else ""


@register.filter
def plain(number) -> str:
    """A number without trailing zeros or exponent noise: 4.1 → "4.1", 40.0 → "40"."""
    if number is None or number == "":
        return ""
    return f"{float(number):.10g}"


@register.filter
def plain_round(value, code: str) -> str:
    """A canonical value at its analyte's display precision, without trailing zeros."""
    analyte = ANALYTES.get(code)
    if value is None or analyte is None:
        return ""
    return f"{round(float(value), analyte.decimals):.10g}"


@register.filter
def nutrient_label(code: str) -> str:
    return str(dict(NUTRIENT_CHOICES).get(code, code))
