"""How lab values are shown to a person: in their preferred unit, at a readable precision.

Pure Python (the user is anything with `preferred_unit(code)` and a `rule_set`), shared by
every page that shows a value: dashboard, trends, panel pages, the printable report.
"""

from labs.analytes import ANALYTES, status, target
from labs.units import from_canonical

# Decimals people read a value with in a non-canonical unit (nmol/L as whole numbers, …).
_UNIT_DECIMALS = {"nmol/L": 0, "pmol/L": 0, "mmol/L": 2, "µmol/L": 0, "g/L": 0}


def display_decimals(analyte: str, unit: str) -> int:
    """How many decimals a value of this analyte is shown with in this unit."""
    entry = ANALYTES[analyte]
    if unit == entry.canonical_unit:
        return entry.decimals
    return _UNIT_DECIMALS.get(unit, entry.decimals)


def display_unit(user, analyte: str) -> str:
    """The unit this person reads the analyte in (their setting, else the canonical unit)."""
    return user.preferred_unit(analyte) or ANALYTES[analyte].canonical_unit


def target_for(user, analyte: str) -> tuple[float, float] | None:
    """The band this person's rule set aims the analyte at (canonical unit), or None."""
    return target(analyte, user.rule_set)


def status_for(user, analyte: str, canonical_value: float) -> str | None:
    """The badge of a canonical value, judged against this person's rule set."""
    return status(ANALYTES[analyte], canonical_value, rule_set=user.rule_set)


def format_value(analyte: str, canonical_value: float, unit: str) -> str:
    """A value converted to `unit` with the decimals people read it with ("42.1", "105")."""
    decimals = display_decimals(analyte, unit)
    return f"{from_canonical(analyte, canonical_value, unit):,.{decimals}f}"


def format_for(user, analyte: str, canonical_value: float) -> str:
    """A canonical value as this person reads it, with its unit: "137 nmol/L"."""
    unit = display_unit(user, analyte)
    return f"{format_value(analyte, canonical_value, unit)} {unit}"


def range_for(user, analyte: str, bounds: tuple[float, float]) -> str:
    """A (low, high) canonical range as this person reads it: "100–150 nmol/L"."""
    unit = display_unit(user, analyte)
    low, high = (format_value(analyte, bound, unit) for bound in bounds)
    return f"{low}–{high} {unit}"
