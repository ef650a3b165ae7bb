"""Catalogs the web layer shows: symptoms, profile flags, goals (one owner each)."""

from __future__ import annotations

from collections.abc import Mapping

from labs.analytes import gettext_noop
from labs.symptoms import SYMPTOMS as _SYMPTOM_CATALOG

# --- catalogs the web layer shows --------------------------------------------------------

# The symptom catalog and life events are labs data (PRODUCT.md §2), kept in one place.
# code -> (label, pattern tags)
SYMPTOMS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    code: (symptom.label, tuple(sorted(symptom.patterns)))
    for code, symptom in _SYMPTOM_CATALOG.items()
}

# The labels people pick from (the health-profile form, the CLI) and read back in the plan;
# protocols.models builds its choices from these.
PROFILE_FLAGS: Mapping[str, str] = {
    "pregnant": gettext_noop("Pregnant or breastfeeding"),
    "kidney_disease": gettext_noop("Kidney disease"),
    "anticoagulant": gettext_noop("Taking warfarin or another vitamin K antagonist"),
    "granulomatous_disease": gettext_noop("Sarcoidosis or another granulomatous disease"),
    "kidney_stones": gettext_noop("History of kidney stones"),
    "hypercalcemia_history": gettext_noop("History of high blood calcium"),
    "mg_depleting_medication": gettext_noop(
        "Taking a magnesium-depleting medication (PPI, diuretic)"
    ),
    "under_18": gettext_noop("Under 18"),
}

GOALS: Mapping[str, str] = {
    "bone": gettext_noop("Bone health"),
    "sleep": gettext_noop("Sleep"),
    "energy": gettext_noop("Energy"),
    "cognition": gettext_noop("Focus and memory"),
}


# Flags under which the adult protocol does not apply as is (PRODUCT.md §4.3).
NOT_APPLICABLE_FLAGS = (
    "pregnant",
    "under_18",
    "granulomatous_disease",
    "kidney_stones",
    "hypercalcemia_history",
)

# How old a result may be and still count for a plan, per analyte (days before the plan's
# date). The seed retests every 6-12 months in maintenance, so a draw older than the
# 12-month latest retest no longer describes the person: the plan leaves it out (and asks
# for it at the retest) rather than treating a two-year-old value as today's. Serum
# magnesium and 1,25(OH)2D move within weeks, so they count for six months.
RESULT_MAX_AGE_DAYS: Mapping[str, int] = {
    "vitd_25oh": 365,
    "vitd_125": 180,
    "mg_rbc": 365,
    "mg_serum": 180,
    "pth_intact": 365,
    "ca_total": 365,
    "ca_ionized": 365,
    "albumin": 365,
    "phosphate": 365,
    "creatinine": 365,
    "egfr": 365,
}
DEFAULT_RESULT_MAX_AGE_DAYS = 365

# Below this share of days with the dose logged as taken, a response slower than expected is
# first a question of adherence (seed §Follow-Up Testing: "Compliance issue -> simplify
# protocol"); at or above it, absorption and missing cofactors come first (issue #17).
ADHERENCE_GOOD = 0.8
