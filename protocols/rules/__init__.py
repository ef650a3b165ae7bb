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
from protocols.rules.catalog import (
    ADHERENCE_GOOD,
    DEFAULT_RESULT_MAX_AGE_DAYS,
    GOALS,
    NOT_APPLICABLE_FLAGS,
    PROFILE_FLAGS,
    RESULT_MAX_AGE_DAYS,
    SYMPTOMS,
)
from protocols.rules.limits import (
    AUTHORITIES,
    DEFAULT_AUTHORITY,
    NUTRIENT_CATALOG,
    NUTRIENTS,
    UPPER_LIMITS,
    UPPER_LIMITS_BY_AUTHORITY,
    Authority,
    upper_limit,
)
from protocols.rules.seed import (
    ALERT_RULES,
    D_MAINTENANCE,
    FORM_RULES,
    MG_TAKE_WITH_SPLIT,
    RETEST_RULES,
    SEED_DOSES,
    SEED_RULES,
    SEED_TARGETS,
    SYMPTOM_WORSENING,
    TIER_ALERTS,
    seed_rules,
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
from protocols.rules.within_limits import WITHIN_LIMITS_RULES, within_limits_rules

# (rule set name, limits authority) -> the rule set; every combination is built once.
RULE_SETS_BY_LIMITS: Mapping[tuple[str, str], RuleSet] = {
    (rules.name, rules.authority): rules
    for authority in AUTHORITIES
    for rules in (seed_rules(authority), within_limits_rules(authority))
}
# name -> the set under the default (IOM) limits.
RULE_SETS: Mapping[str, RuleSet] = {
    name: rules for (name, authority), rules in RULE_SETS_BY_LIMITS.items() if authority == "iom"
}


def rules_for(name: str, authority: str = DEFAULT_AUTHORITY) -> RuleSet | None:
    """The rule set ``name`` under ``authority``'s upper limits, or None if either is unknown."""
    return RULE_SETS_BY_LIMITS.get((name, authority))


DISCLAIMER = (
    "Educational information, not medical advice. Consult a clinician before starting, "
    "changing or stopping a supplement. Retests are offered to check a supplement plan, "
    "not as routine screening (Endocrine Society 2024)."
)

__all__ = [
    "ADHERENCE_GOOD",
    "DEFAULT_RESULT_MAX_AGE_DAYS",
    "RESULT_MAX_AGE_DAYS",
    "MG_TAKE_WITH_SPLIT",
    "AUTHORITIES",
    "DEFAULT_AUTHORITY",
    "NUTRIENT_CATALOG",
    "RULE_SETS_BY_LIMITS",
    "UPPER_LIMITS_BY_AUTHORITY",
    "Authority",
    "rules_for",
    "seed_rules",
    "upper_limit",
    "within_limits_rules",
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
    "TIER_ALERTS",
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
