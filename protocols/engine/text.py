"""Small text helpers shared by the alert, dose and retest wording."""

from __future__ import annotations

from labs.analytes import ANALYTES
from protocols.engine.snapshot import Context
from protocols.rules import NUTRIENTS
from protocols.wording import gettext_noop

# A reading as the "Why?" traces write it: "vitd_25oh 22 ng/mL (moderate)".
MARKER_READING = gettext_noop("%(marker)s %(value)s (%(tier)s)")
UNRATED = gettext_noop("unrated")

# --- small text helpers --------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def fmt_range(low: float, high: float, unit: str) -> str:
    if low == high:
        return f"{fmt(low)} {unit}"
    return f"{fmt(low)}-{fmt(high)} {unit}"


def nutrient_label(nutrient: str) -> str:
    return NUTRIENTS[nutrient][0]


def marker_label(marker: str) -> str:
    """The analyte's short name ("25(OH)D", "RBC Mg"), from the labs catalog."""
    analyte = ANALYTES.get(marker)
    return analyte.short_name if analyte else marker


def quantity(value: float, unit: str, qualifier: str = "") -> str:
    """A lab value as engine sentences write it ("22 ng/mL", "<10 ng/mL"): number and unit
    together, so a presenter can show it in the person's unit (protocols.wording)."""
    return f"{qualifier}{fmt(value)} {unit}"


def marker_text(ctx: Context, marker: str) -> str:
    reading = ctx.readings[marker]
    tier = reading.tier.name if reading.tier else UNRATED
    value = quantity(reading.latest.value, reading.latest.unit, reading.latest.qualifier)
    return MARKER_READING % {"marker": marker, "value": value, "tier": tier}
