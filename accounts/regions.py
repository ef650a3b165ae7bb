"""What a person's country sets: lab units, whose upper limits apply, and the date format.

Pure data. Labs in the US report conventional units (25(OH)D in ng/mL, magnesium and calcium
in mg/dL); nearly everywhere else reports SI units (nmol/L, mmol/L). European countries use
EFSA's tolerable upper intake levels, the rest the US National Academies' (IOM), CLINICAL.md §3.

Dates are written the way the person's language *and* country write them: the page runs in
the locale `format_locale` names ("en-us" for English in the US), whose one date format
Django's l10n reads from config/formats/ (en_US: "Dec 1, 2026"; every other English reader,
British, Irish, Australian, Canadian, …: "1 Dec 2026"; German: "1. Dez. 2026"). Without a
country (a visitor) the browser's Accept-Language says it (`browser_country`).
"""

import re
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


def region_units(country: str) -> dict[str, str]:
    """The unit each switchable analyte reads in, in this country's labs ({"vitd_25oh":
    "nmol/L", "mg_rbc": "mmol/L", …} outside the US)."""
    defaults = region_defaults(country)
    chosen = {"vitd_unit": defaults.vitd_unit, "mineral_unit": defaults.mineral_unit}
    return {code: chosen[c.field] for c in UNIT_CHOICES for code in c.analytes}


# The region a bare language tag most likely means (as the browser's Intl.Locale.maximize()).
_LIKELY_REGION = {"de": "DE", "en": "US", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL"}
_TAG = re.compile(r"^([a-z]{2,3})(?:-[a-z]{4})?(?:-([a-z]{2}))?(?:-|$)", re.IGNORECASE)


def _weighted_tags(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first ("de-DE,de;q=0.9" → de-DE, de)."""
    weighted = []
    for index, part in enumerate(header.split(",")[:16]):
        tag, _semi, params = part.strip().partition(";")
        try:
            weight = float(params.strip().removeprefix("q=")) if params else 1.0
        except ValueError:
            weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, index, tag.strip()))
    return [tag for _weight, _index, tag in sorted(weighted)]


def browser_country(accept_language: str) -> str:
    """The country a browser's Accept-Language names ("de-DE" → "DE", "en-GB" → "GB"; a bare
    "de" → its likely region "DE"), or "" when it names none we can tell."""
    likely = ""
    for tag in _weighted_tags(accept_language or ""):
        match = _TAG.match(tag)
        if match is None:
            continue
        if match[2]:
            return match[2].upper()
        likely = likely or _LIKELY_REGION.get(match[1].lower(), "")
    return likely


def format_locale(language: str, country: str) -> str:
    """The locale dates are written in: the language's own ("en", "de"), or its country's
    where that country writes dates differently ("en" in the US → "en-us"). Only locales with
    a format of their own (config/formats/) are named, so there are a handful, not one per
    country: each is a translation object Django keeps in memory."""
    base = (language or "en").split("-")[0].lower()
    if base == "en" and (country or "").upper() in CONVENTIONAL_UNIT_COUNTRIES:
        return "en-us"
    return base
