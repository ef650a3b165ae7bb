"""Small text helpers shared by the alert, dose and retest wording."""

from __future__ import annotations

from labs.analytes import ANALYTES
from protocols.engine.snapshot import Context
from protocols.rules import NUTRIENTS

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


def marker_text(ctx: Context, marker: str) -> str:
    reading = ctx.readings[marker]
    tier = reading.tier.name if reading.tier else "unrated"
    value = f"{reading.latest.qualifier}{fmt(reading.latest.value)}"
    return f"{marker} {value} {reading.latest.unit} ({tier})"
