"""What a person's country sets at sign-up: lab units and whose upper limits apply.

Pure data. Labs in the US report conventional units (25(OH)D in ng/mL, magnesium and calcium
in mg/dL); nearly everywhere else reports SI units (nmol/L, mmol/L). European countries use
EFSA's tolerable upper intake levels, the rest the US National Academies' (IOM), CLINICAL.md §3.
The date format follows the interface language (config/formats/).
"""

from dataclasses import dataclass
from typing import Literal

from labs.analytes import UNIT_CHOICES
from protocols.rules.limits import Authority

UnitSystem = Literal["si", "conventional"]


@dataclass(frozen=True)
class RegionDefaults:
    units: UnitSystem
    vitd_unit: str
    mineral_unit: str
    upper_limits: Authority


# The US and the territories whose labs follow its conventions.
CONVENTIONAL_UNIT_COUNTRIES = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})
# EU and EEA members, Switzerland and the United Kingdom (EFSA's limits, or limits set from them).
EFSA_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    "CH", "GB",
})  # fmt: skip


def _unit(field: str, conventional: bool) -> str:
    """The person's unit setting `field` in the unit system their labs print."""
    choice = next(c for c in UNIT_CHOICES if c.field == field)
    return choice.conventional if conventional else choice.si


def region_defaults(country: str) -> RegionDefaults:
    """The unit system and upper-limit authority for an ISO 3166 country code ("" unknown)."""
    code = country.upper()
    conventional = code in CONVENTIONAL_UNIT_COUNTRIES or not code
    return RegionDefaults(
        units="conventional" if conventional else "si",
        vitd_unit=_unit("vitd_unit", conventional),
        mineral_unit=_unit("mineral_unit", conventional),
        upper_limits="efsa" if code in EFSA_COUNTRIES else "iom",
    )
