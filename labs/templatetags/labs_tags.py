"""Template filters for lab results: catalog look-ups the templates cannot do themselves."""

from django import template
from django.utils.translation import gettext

from labs.analytes import ANALYTES, STATUS_LABELS
from labs.display import (
    analyte_name,
    analyte_short_name,
    display_unit,
    dose_unit,
    format_for,
    format_plain,
    format_value,
    lab_range_for,
    range_for,
    result_flag,
    status_for,
    target_for,
)

register = template.Library()


@register.filter
def translated_problem(message) -> str:
    """An import problem in the person's language (labs.importers.Problem), else as is."""
    template = getattr(message, "template", None)
    if not template:
        return str(message)
    params = message.params
    return gettext(template) % params if params else gettext(template)


@register.filter(name="dose_unit")
def dose_unit_label(unit: str) -> str:
    """A dose unit as the page's language prints it ("IU" → "IE" in German)."""
    return dose_unit(unit)


@register.filter
def qualifier_prefix(qualifier: str) -> str:
    """ "< " before a censored result's value ("< 10 ng/mL"), nothing before an exact one."""
    return f"{qualifier} " if qualifier else ""


@register.filter
def result_status(result, user) -> str | None:
    """The badge status of a stored result for this person (None: its analyte has no range)."""
    return status_for(user, result.analyte, result.canonical_value)


@register.filter
def status_label(status: str) -> str:
    """What a badge says, translated ("below_target" → "below target")."""
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else ""


@register.simple_tag
def status_of(user, analyte: str, canonical_value) -> str | None:
    """The badge status of a canonical value for this person (`{% status_of … as s %}`)."""
    return status_for(user, analyte, canonical_value)


@register.filter
def analyte_short(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte_short_name(code) if analyte else code


@register.filter(name="analyte_name")
def analyte_full_name(code: str) -> str:
    return analyte_name(code)


@register.filter
def canonical_unit(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte.canonical_unit if analyte else ""


@register.filter
def plain(number) -> str:
    """A number without trailing zeros or exponent noise: 4.1 → "4.1" ("4,1"), 40.0 → "40"."""
    return format_plain(number)


@register.simple_tag
def value_for(user, analyte: str, canonical_value) -> str:
    """A stored canonical value in the person's preferred unit, with the unit."""
    return format_for(user, analyte, canonical_value)


@register.simple_tag
def range_of(user, analyte: str, which: str = "target") -> str:
    """The person's target (or the "reference") range in their preferred unit, or ""."""
    bounds = target_for(user, analyte) if which == "target" else ANALYTES[analyte].reference
    return range_for(user, analyte, bounds) if bounds else ""


@register.simple_tag
def lab_range(user, result) -> str:
    """The range the result's lab printed, in the person's preferred unit, or ""."""
    return lab_range_for(user, result.analyte, result.ref_low_canonical, result.ref_high_canonical)


@register.filter
def entered_range(row) -> str:
    """A row's printed range in its own unit, as the lab wrote it: "8.6–10.2 mg/dL", or "—"."""
    return entered_range_in(row, row.unit)


@register.filter
def entered_range_in(row, unit: str) -> str:
    """A printed range (ref_low, ref_high) in `unit` as written: "5–15 mg/L", "< 5 mg/L"."""
    if row.ref_low is None and row.ref_high is None:
        return "—"
    if row.ref_low is None:
        return f"< {format_plain(row.ref_high)} {unit}"
    if row.ref_high is None:
        return f"> {format_plain(row.ref_low)} {unit}"
    return f"{format_plain(row.ref_low)}–{format_plain(row.ref_high)} {unit}"


@register.filter
def lab_flag(result) -> str:
    """ "H" / "L" beside a result outside its lab's range (the lab's flag first), or ""."""
    return result_flag(result)


@register.simple_tag
def unit_for(user, analyte: str) -> str:
    return display_unit(user, analyte)


@register.simple_tag
def number_for(user, analyte: str, canonical_value) -> str:
    """The number alone, in the person's preferred unit (for tables whose header names it)."""
    return format_value(analyte, canonical_value, display_unit(user, analyte))
