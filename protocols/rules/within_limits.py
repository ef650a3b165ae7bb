"""The conservative companion set: every dose capped at the upper limit, 25(OH)D 30-50."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from labs.analytes import TARGETS, WITHIN_LIMITS_RULE_SET
from protocols.rules.limits import UPPER_LIMITS_BY_AUTHORITY, Authority
from protocols.rules.seed import (
    D_MAINTENANCE,
    NORMAL_BANDS,
    SEED_DOSES,
    SEED_RULES,
    _vitd_excess_tiers,
)
from protocols.rules.sources import C_CHOICES, RULES_VERSION
from protocols.rules.types import DoseRule, RuleSet, Tier, UpperLimit

# --- within-limits rule set --------------------------------------------------------------


Limits = Mapping[str, UpperLimit]


def _cap(dose: DoseRule | None, limits: Limits) -> DoseRule | None:
    """The same dose with both ends capped at the nutrient's upper limit (CLINICAL.md §3)."""
    if dose is None or dose.nutrient not in limits:  # a template, filled in by the engine
        return dose
    limit = limits[dose.nutrient].limit
    if limit is None or dose.daily_max <= limit:
        return dose
    return replace(
        dose,
        daily_min=min(dose.daily_min, limit),
        daily_max=limit,
        source=f"{dose.source}; capped at the upper limit ({limits[dose.nutrient].source})",
    )


def _within_limits_vitd_tiers(limits: Limits) -> tuple[Tier, ...]:
    """25(OH)D bands aiming at 30-50 ng/mL (CLINICAL.md §5).

    The 30-35 and 35-40 bands of the seed fall inside this target, so they merge into
    'optimal'. The capped 4,000 IU dose has no published 12-week expectation; the expected
    range at retest is the set's own target band.
    """
    m, target = "vitd_25oh", TARGETS[WITHIN_LIMITS_RULE_SET]["vitd_25oh"]
    return tuple(
        replace(t, dose=_cap(t.dose, limits))
        for t in (
            Tier(
                "d3.tier.severe",
                m,
                "severe",
                None,
                20,
                "low",
                C_CHOICES,
                dose=SEED_RULES.tiers[m][0].dose,
                expected=target,
            ),
            Tier(
                "d3.tier.moderate",
                m,
                "moderate",
                20,
                target[0],
                "low",
                C_CHOICES,
                dose=SEED_RULES.tiers[m][1].dose,
                expected=target,
            ),
            Tier(
                "d3.tier.optimal",
                m,
                "optimal",
                target[0],
                target[1],
                "adequate",
                C_CHOICES,
                closed="both",
                dose=D_MAINTENANCE,
            ),
            *_vitd_excess_tiers(target[1]),
        )
    )


def within_limits_rules(authority: Authority) -> RuleSet:
    """The within-limits set under ``authority``: no dose above that authority's limits."""
    limits = UPPER_LIMITS_BY_AUTHORITY[authority]
    tiers = {
        marker: tuple(replace(t, dose=_cap(t.dose, limits)) for t in bands)
        for marker, bands in SEED_RULES.tiers.items()
    }
    tiers["vitd_25oh"] = _within_limits_vitd_tiers(limits)
    return replace(
        SEED_RULES,
        name=WITHIN_LIMITS_RULE_SET,
        version=f"{WITHIN_LIMITS_RULE_SET}-{RULES_VERSION}",
        description="Same structure, every dose capped at its upper limit; 25(OH)D 30-50.",
        tiers=tiers,
        targets={**TARGETS[WITHIN_LIMITS_RULE_SET], **NORMAL_BANDS},
        doses={id_: _cap(d, limits) for id_, d in SEED_DOSES.items()},  # type: ignore[misc]
        upper_limits=limits,
        authority=authority,
        caps_doses=True,
    )


WITHIN_LIMITS_RULES = within_limits_rules("iom")
