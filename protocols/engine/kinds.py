"""The engine's names for markers, nutrients, phases and alert levels, as Literal types.

Strings cross into JSON and templates unchanged; the Literal types let a type checker
catch a misspelt kind where a plain ``str`` would not.
"""

from __future__ import annotations

from typing import Final, Literal

Phase = Literal["correction", "maintenance", "hold", "insufficient_data"]
Level = Literal["stop", "urgent", "warning", "info"]
TimeSlot = Literal["morning", "evening", "bedtime"]
Nutrient = Literal["vitamin_d3", "magnesium", "vitamin_k2_mk7", "vitamin_b6_p5p", "calcium"]

VITD: Final = "vitd_25oh"
MG_RBC: Final = "mg_rbc"
MG_SERUM: Final = "mg_serum"
D3: Final = "vitamin_d3"
MG: Final = "magnesium"
K2: Final = "vitamin_k2_mk7"
B6: Final = "vitamin_b6_p5p"
CALCIUM: Final = "calcium"
NUTRIENT_ORDER: tuple[Nutrient, ...] = (D3, MG, K2, B6, CALCIUM)
PHASES: tuple[Phase, ...] = ("correction", "maintenance", "hold", "insufficient_data")
LEVEL_RANK: dict[Level, int] = {"urgent": 0, "stop": 1, "warning": 2, "info": 3}
HALTING_LEVELS: tuple[Level, ...] = ("stop", "urgent")
