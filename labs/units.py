"""Unit spelling and conversion for lab values. Pure Python, no Django.

The conversion factors live in the catalog (`labs.analytes.Analyte.units`): each
accepted unit maps to the factor that turns a value INTO the canonical unit by
multiplication. They are analyte-specific on purpose — a generic converter gets
mEq/L wrong for Mg²⁺ and Ca²⁺ (valence 2), see CLINICAL.md §1.

Rounding: conversions are done in binary floating point and rounded to
`SIGNIFICANT_DIGITS` significant digits. That is far finer than any lab reports
(whatever the magnitude of the value), and it strips float noise
(30 / 2.496 → 12.01923077, not 12.019230769230770), so a stored canonical value is
stable and a round trip returns the original value within 1e-9 relative.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from decimal import Decimal

from labs.analytes import ANALYTES, Analyte

SIGNIFICANT_DIGITS = 10

Number = float | int | Decimal


class UnknownUnit(ValueError):
    """A unit the catalog does not know, or not accepted for the analyte at hand."""


class UnknownAnalyte(ValueError):
    """An analyte code that is not in the catalog."""


# Display spelling → UCUM code (https://ucum.org). UCUM is case-sensitive and
# spells some units differently from how a lab report does.
_UCUM = {
    "ng/mL": "ng/mL",
    "nmol/L": "nmol/L",
    "pg/mL": "pg/mL",
    "pmol/L": "pmol/L",
    "ng/L": "ng/L",
    "mg/dL": "mg/dL",
    "mmol/L": "mmol/L",
    "mEq/L": "meq/L",
    "g/dL": "g/dL",
    "g/L": "g/L",
    "µmol/L": "umol/L",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
}


@functools.lru_cache(maxsize=1024)  # a handful of spellings, converted thousands of times
def _unit_key(text: str) -> str:
    """Fold spelling variants together: "µg", "μg", "ug", "mcg"; "m²", "m^2", "m2"; spaces.

    NFKC turns the micro sign into Greek mu and "²" into "2"; braces and
    underscores go so UCUM's "mL/min/{1.73_m2}" folds like "mL/min/1.73 m²".
    """
    key = unicodedata.normalize("NFKC", text).casefold().replace("μ", "u")
    key = re.sub(r"[\s{}_^]+", "", key)
    return re.sub(r"\bmc(?=g|mol)", "u", key)


_DISPLAY_BY_KEY = {_unit_key(u): u for a in ANALYTES.values() for u in a.units}
_DISPLAY_BY_UCUM = {ucum: display for display, ucum in _UCUM.items()}


def normalize_unit(text: str) -> str:
    """The catalog's display spelling of a unit ("umol/l" → "µmol/L"), or UnknownUnit."""
    display = _DISPLAY_BY_KEY.get(_unit_key(text))
    if display is None:
        raise UnknownUnit(f'unknown unit "{text.strip()}"')
    return display


def get_analyte(code: str) -> Analyte:
    """The catalog entry for a code, or UnknownAnalyte."""
    try:
        return ANALYTES[code]
    except KeyError:
        raise UnknownAnalyte(f'unknown analyte "{code}"') from None


def units_for(code: str) -> list[str]:
    """Accepted units for an analyte, canonical unit first (for a unit <select>)."""
    analyte = get_analyte(code)
    return [analyte.canonical_unit, *(u for u in analyte.units if u != analyte.canonical_unit)]


def _factor(analyte: Analyte, unit: str) -> float:
    display = normalize_unit(unit)
    if display not in analyte.units:
        accepted = " or ".join(units_for(analyte.code))
        raise UnknownUnit(f"{display} is not a unit for {analyte.short_name}; use {accepted}")
    return analyte.units[display]


def _finite(value: Number) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value} is not a finite number")
    return number


def significant(value: float) -> float:
    """Round to SIGNIFICANT_DIGITS significant digits (see the module docstring)."""
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def to_canonical(code: str, value: Number, unit: str) -> float:
    """Convert a value in `unit` into the analyte's canonical unit."""
    analyte = get_analyte(code)
    return significant(_finite(value) * _factor(analyte, unit))


def from_canonical(code: str, value: Number, unit: str) -> float:
    """Convert a value in the analyte's canonical unit into `unit`."""
    analyte = get_analyte(code)
    return significant(_finite(value) / _factor(analyte, unit))


def to_ucum(display_unit: str) -> str:
    """The UCUM code of a unit, for FHIR valueQuantity.code ("mEq/L" → "meq/L")."""
    return _UCUM[normalize_unit(display_unit)]


def from_ucum(code: str, ucum_unit: str) -> str:
    """The display unit for a UCUM code, checked against the analyte's accepted units.

    Exact UCUM codes are looked up first; other spellings some systems send
    ("mEq/L", "mL/min/1.73m2") fall back to `normalize_unit`.
    """
    analyte = get_analyte(code)
    display = _DISPLAY_BY_UCUM.get(ucum_unit.strip()) or normalize_unit(ucum_unit)
    _factor(analyte, display)  # raises UnknownUnit if the analyte does not accept it
    return display
