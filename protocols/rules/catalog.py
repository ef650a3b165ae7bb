"""Catalogs the web layer shows: symptoms, profile flags, goals (one owner each)."""

from __future__ import annotations

from collections.abc import Mapping

from labs.symptoms import SYMPTOMS as _SYMPTOM_CATALOG

# --- catalogs the web layer shows --------------------------------------------------------

# The symptom catalog and life events are labs data (PRODUCT.md §2), kept in one place.
# code -> (label, pattern tags)
SYMPTOMS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    code: (symptom.label, tuple(sorted(symptom.patterns)))
    for code, symptom in _SYMPTOM_CATALOG.items()
}

PROFILE_FLAGS: Mapping[str, str] = {
    "pregnant": "Pregnant or breastfeeding",
    "kidney_disease": "Kidney disease",
    "anticoagulant": "Takes an anticoagulant (warfarin / vitamin K antagonist)",
    "granulomatous_disease": "Sarcoidosis or other granulomatous disease",
    "kidney_stones": "History of kidney stones",
    "hypercalcemia_history": "History of hypercalcemia",
    "mg_depleting_medication": "Takes a magnesium-depleting medication (PPI, diuretic)",
    "under_18": "Under 18 years old",
}

GOALS: Mapping[str, str] = {
    "bone": "Bone health",
    "sleep": "Sleep",
    "energy": "Energy",
    "cognition": "Cognition",
}


# Flags under which the adult protocol does not apply as is (PRODUCT.md §4.3).
NOT_APPLICABLE_FLAGS = (
    "pregnant",
    "under_18",
    "granulomatous_disease",
    "kidney_stones",
    "hypercalcemia_history",
)
