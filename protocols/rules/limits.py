"""Tolerable upper intake levels of both authorities (CLINICAL.md §3), one table each.

The person picks the authority ("upper limits: US (IOM) / EU (EFSA)"); every dose flag and
the within-limits rule set read the chosen table, and each limit cites its own source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from labs.analytes import gettext_noop
from protocols.rules.sources import C_LIMITS
from protocols.rules.types import UpperLimit

Authority = Literal["iom", "efsa"]
DEFAULT_AUTHORITY: Authority = "iom"

C_LIMITS_IOM = f"{C_LIMITS} (IOM 2011 vitamin D; IOM 1997 magnesium; IOM 1998 B6)"
C_LIMITS_EFSA = f"{C_LIMITS} (EFSA 2023 vitamin D 100 µg; EFSA 2001/2006 magnesium; EFSA 2023 B6)"

# code -> label shown in the settings and on the plan ("upper limits: US (IOM) / EU (EFSA)").
AUTHORITIES: Mapping[Authority, str] = {
    "iom": gettext_noop("US (IOM)"),
    "efsa": gettext_noop("EU (EFSA)"),
}

# code -> (label, unit): the supplemented nutrients, one owner for their names and units.
NUTRIENT_CATALOG: Mapping[str, tuple[str, str]] = {
    "vitamin_d3": (gettext_noop("Vitamin D3"), "IU"),
    "magnesium": (gettext_noop("Magnesium (elemental)"), "mg"),
    "vitamin_k2_mk7": (gettext_noop("Vitamin K2 (MK-7)"), "mcg"),
    "vitamin_b6_p5p": (gettext_noop("Vitamin B6 (P5P)"), "mg"),
    "calcium": (gettext_noop("Calcium"), "mg"),
}

_NOTES = {
    "magnesium": "Supplements only; food excluded (the limit guards against diarrhoea).",
    "vitamin_b6_p5p": "The limit guards against sensory neuropathy (CLINICAL.md §4).",
    "vitamin_k2_mk7": "No upper limit established (IOM 2001).",
    "calcium": "The calcium UL applies to food plus supplements, which we do not know; "
    "no supplement-only limit is checked.",
}

# authority -> nutrient -> daily limit (None: no limit checked). CLINICAL.md §3.
_LIMIT_TABLE: Mapping[Authority, Mapping[str, float | None]] = {
    "iom": {
        "vitamin_d3": 4000,  # 100 µg, IOM 2011, from age 9, pregnancy included
        "magnesium": 350,  # supplemental, IOM 1997
        "vitamin_k2_mk7": None,
        "vitamin_b6_p5p": 100,  # as pyridoxine, IOM 1998
        "calcium": None,
    },
    "efsa": {
        "vitamin_d3": 4000,  # 100 µg, EFSA 2023
        "magnesium": 250,  # supplemental, EFSA 2001/2006
        "vitamin_k2_mk7": None,
        "vitamin_b6_p5p": 12,  # EFSA 2023
        "calcium": None,
    },
}
_SOURCES: Mapping[Authority, str] = {"iom": C_LIMITS_IOM, "efsa": C_LIMITS_EFSA}


def _limits(authority: Authority) -> Mapping[str, UpperLimit]:
    return {
        code: UpperLimit(
            f"ul.{authority}.{code}",
            code,
            label,
            unit,
            _LIMIT_TABLE[authority][code],
            _SOURCES[authority],
            note=_NOTES.get(code, ""),
        )
        for code, (label, unit) in NUTRIENT_CATALOG.items()
    }


UPPER_LIMITS_BY_AUTHORITY: Mapping[Authority, Mapping[str, UpperLimit]] = {
    authority: _limits(authority) for authority in AUTHORITIES
}
UPPER_LIMITS = UPPER_LIMITS_BY_AUTHORITY[DEFAULT_AUTHORITY]

# code -> (label, unit, IOM upper limit or None): the one list of nutrients, for the models'
# choices, forms, pages and the CLI.
NUTRIENTS: Mapping[str, tuple[str, str, float | None]] = {
    code: (u.label, u.unit, u.limit) for code, u in UPPER_LIMITS.items()
}


def upper_limit(authority: str, nutrient: str) -> UpperLimit:
    """The limit of ``nutrient`` under ``authority`` (an unknown authority reads the IOM's)."""
    table = UPPER_LIMITS_BY_AUTHORITY.get(authority, UPPER_LIMITS)  # type: ignore[call-overload]
    return table[nutrient]
