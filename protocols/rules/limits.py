"""Tolerable upper intake levels (CLINICAL.md §3), cited by every rule that flags a dose."""

from __future__ import annotations

from collections.abc import Mapping

from protocols.rules.sources import C_LIMITS
from protocols.rules.types import UpperLimit

# --- upper limits (shared by both sets) --------------------------------------------------

UPPER_LIMITS: Mapping[str, UpperLimit] = {
    u.nutrient: u
    for u in (
        UpperLimit("ul.vitamin_d3", "vitamin_d3", "Vitamin D3", "IU", 4000, C_LIMITS),
        UpperLimit(
            "ul.magnesium",
            "magnesium",
            "Magnesium (supplemental)",
            "mg",
            350,
            C_LIMITS,
            note="Supplements only; food excluded. EFSA sets 250 mg; we follow the IOM.",
        ),
        UpperLimit(
            "ul.vitamin_k2_mk7", "vitamin_k2_mk7", "Vitamin K2 (MK-7)", "mcg", None, C_LIMITS
        ),
        UpperLimit(
            "ul.vitamin_b6_p5p",
            "vitamin_b6_p5p",
            "Vitamin B6 (P5P)",
            "mg",
            100,
            C_LIMITS,
            note="IOM 1998 UL 100 mg guards against sensory neuropathy; EFSA 2023 sets 12 mg.",
        ),
        UpperLimit(
            "ul.calcium",
            "calcium",
            "Calcium",
            "mg",
            None,
            C_LIMITS,
            note="The calcium UL applies to food plus supplements, which we do not know; "
            "no supplement-only limit is checked.",
        ),
    )
}

# code -> (label, unit, upper limit or None), for forms and the CLI.
NUTRIENTS: Mapping[str, tuple[str, str, float | None]] = {
    code: (u.label, u.unit, u.limit) for code, u in UPPER_LIMITS.items()
}
