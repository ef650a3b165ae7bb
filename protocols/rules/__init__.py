"""The supplement protocol as data.

Every number the engine uses lives here, in a frozen dataclass with a stable id and the
source it came from (seed article section, or the reference in CLINICAL.md). Where the
seeds disagree with each other or with the evidence, the ``note`` next to the rule says
what was chosen and why. ``protocols.engine`` holds the logic.

Seed = ``seeds/002_fdb06a6d08cd767e.txt`` (Mito Health, "Magnesium with Vitamin D").

The rules are a package along the kinds of fact they hold:

- ``types``: the rule dataclasses (Tier, DoseRule, AlertRule, RetestRule, FormRule, RuleSet);
- ``catalog``: symptoms, profile flags and goals the web layer shows;
- ``limits``: the tolerable upper intake levels (CLINICAL.md §3);
- ``seed``: the seed protocol; ``within_limits``: the same capped at the limits;
- ``sources``: the citations every rule carries.
"""

from __future__ import annotations

from collections.abc import Mapping

from labs.symptoms import (
    HYPERCALCEMIA,
    LIFE_EVENTS,
    MAGNESIUM_DEFICIENCY,
    VITAMIN_D_DEFICIENCY,
)
from protocols.rules.catalog import GOALS, NOT_APPLICABLE_FLAGS, PROFILE_FLAGS, SYMPTOMS
from protocols.rules.limits import NUTRIENTS, UPPER_LIMITS
from protocols.rules.seed import (
    ALERT_RULES,
    D_MAINTENANCE,
    FORM_RULES,
    RETEST_RULES,
    SEED_DOSES,
    SEED_RULES,
    SEED_TARGETS,
    SYMPTOM_WORSENING,
)
from protocols.rules.sources import RULES_VERSION
from protocols.rules.types import (
    AlertRule,
    Closed,
    DoseRule,
    FormRule,
    RetestRule,
    RuleSet,
    Status,
    Tier,
    UpperLimit,
    WorseningRule,
)
from protocols.rules.within_limits import WITHIN_LIMITS_RULES

RULE_SETS: Mapping[str, RuleSet] = {
    SEED_RULES.name: SEED_RULES,
    WITHIN_LIMITS_RULES.name: WITHIN_LIMITS_RULES,
}

DISCLAIMER = (
    "Educational information, not medical advice. Consult a clinician before starting, "
    "changing or stopping a supplement. Retests are offered to check a supplement plan, "
    "not as routine screening (Endocrine Society 2024)."
)

__all__ = [
    "ALERT_RULES",
    "D_MAINTENANCE",
    "DISCLAIMER",
    "FORM_RULES",
    "GOALS",
    "HYPERCALCEMIA",
    "LIFE_EVENTS",
    "MAGNESIUM_DEFICIENCY",
    "NOT_APPLICABLE_FLAGS",
    "NUTRIENTS",
    "PROFILE_FLAGS",
    "RETEST_RULES",
    "RULES_VERSION",
    "RULE_SETS",
    "SEED_DOSES",
    "SEED_RULES",
    "SEED_TARGETS",
    "SYMPTOMS",
    "SYMPTOM_WORSENING",
    "UPPER_LIMITS",
    "VITAMIN_D_DEFICIENCY",
    "WITHIN_LIMITS_RULES",
    "AlertRule",
    "Closed",
    "DoseRule",
    "FormRule",
    "RetestRule",
    "RuleSet",
    "Status",
    "Tier",
    "UpperLimit",
    "WorseningRule",
]
