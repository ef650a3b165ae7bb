"""Which calcium value the calcium rules read: ionized, albumin-corrected, or as measured.

CLINICAL.md §1: every calcium rule uses, in this order, the ionized calcium of the draw; the
total calcium corrected by the albumin of the same draw (Payne: Ca + 0.8 × (4.0 − albumin
g/dL), unreliable below 2 g/dL albumin); the total calcium as measured. The plan says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from protocols.engine.snapshot import Context, Measurement, classify
from protocols.engine.text import quantity
from protocols.rules import RuleSet, Tier
from protocols.rules.sources import C_PAYNE
from protocols.wording import gettext_noop

Basis = Literal["ionized", "corrected", "total"]

PAYNE_FACTOR = 0.8  # mg/dL of calcium per g/dL of albumin (CLINICAL.md §1)
PAYNE_NORMAL_ALBUMIN = 4.0  # g/dL
PAYNE_MIN_ALBUMIN = 2.0  # g/dL: below this the correction is unreliable
NORMAL, BORDERLINE = "normal", "borderline"  # the ca_total tiers the lab's upper limit splits

# Which value the rules read, as the "Why?" trace says it (the values are calcium's, so a
# presenter shows them in the person's unit).
_IONIZED = gettext_noop("ionized calcium %(value)s", analyte="ca_ionized")
_TOTAL_NO_ALBUMIN = gettext_noop(
    "total calcium %(value)s as measured (no albumin from the same draw)", analyte="ca_total"
)
_TOTAL_LOW_ALBUMIN = gettext_noop(
    "total calcium %(value)s as measured: albumin %(albumin)s is too low to correct it reliably",
    analyte="ca_total",
)
_ASK_IONIZED = gettext_noop("ask for ionized calcium")
_CORRECTED = gettext_noop(
    "corrected calcium %(value)s (total %(total)s, albumin %(albumin)s, Payne)", analyte="ca_total"
)
_LAB_LIMIT = gettext_noop("the lab's upper limit is %(value)s", analyte="ca_total")


@dataclass(frozen=True)
class CalciumReading:
    marker: str  # "ca_ionized" or "ca_total": whose tiers judge ``value``
    value: float  # mg/dL, the value the rules use
    basis: Basis
    drawn_on: date
    tier: Tier | None
    text: str  # says which value was used, e.g. "corrected calcium 11 mg/dL (total 10.2, ...)"
    source: str = C_PAYNE

    def to_dict(self) -> dict[str, object]:
        return {
            "marker": self.marker,
            "value": round(self.value, 2),
            "basis": self.basis,
            "drawn_on": self.drawn_on.isoformat(),
            "tier": self.tier.name if self.tier else "unrated",
            "text": self.text,
            "source": self.source,
        }


def corrected_calcium(total: float, albumin: float) -> float:
    """Payne's albumin-corrected total calcium, mg/dL (CLINICAL.md §1)."""
    return total + PAYNE_FACTOR * (PAYNE_NORMAL_ALBUMIN - albumin)


def _same_draw(series: Sequence[Measurement] | None, drawn_on: date) -> Measurement | None:
    matches = [m for m in series or () if m.drawn_on == drawn_on and not m.qualifier]
    return matches[-1] if matches else None


def _lab_limited(rules: RuleSet, value: float, tier: Tier | None, lab_high: float | None):
    """CLINICAL.md §5: the warning starts at the lab's printed upper limit (the rule set's
    10.2 mg/dL when the lab printed none) and ends where the stop line starts (10.5).

    Only the normal/borderline split moves: a lab limit of 10.0 warns from 10.0, one of
    10.5 or above leaves no warning band; the stop above 10.5 never moves."""
    tiers = {t.name: t for t in rules.tiers.get("ca_total", ())}
    if lab_high is None or tier is None or tier.name not in tiers.keys() & {NORMAL, BORDERLINE}:
        return tier
    if NORMAL not in tiers or BORDERLINE not in tiers:
        return tier
    return tiers[BORDERLINE] if value > lab_high else tiers[NORMAL]


def _total_reading(ctx: Context, value: float, basis: Basis, m: Measurement, tier, text: str):
    limited = _lab_limited(ctx.rules, value, tier, m.lab_high)
    if m.lab_high is not None:
        text += "; " + _LAB_LIMIT % {"value": quantity(m.lab_high, "mg/dL")}
    return CalciumReading("ca_total", value, basis, m.drawn_on, limited, text)


def calcium_reading(ctx: Context) -> CalciumReading | None:
    """The calcium value of the latest calcium draw, by CLINICAL.md §1's order."""
    ionized, total = ctx.readings.get("ca_ionized"), ctx.readings.get("ca_total")
    if ionized and (total is None or ionized.latest.drawn_on >= total.latest.drawn_on):
        m = ionized.latest
        text = _IONIZED % {"value": quantity(m.value, "mg/dL")}
        return CalciumReading("ca_ionized", m.value, "ionized", m.drawn_on, ionized.tier, text)
    if total is None:
        return None
    m = total.latest
    albumin = _same_draw(ctx.snapshot.results.get("albumin"), m.drawn_on)
    if albumin is None or total.censored:
        text = _TOTAL_NO_ALBUMIN % {"value": quantity(m.value, "mg/dL")}
        return _total_reading(ctx, m.value, "total", m, total.tier, text)
    if albumin.value < PAYNE_MIN_ALBUMIN:
        low_albumin = {
            "value": quantity(m.value, "mg/dL"),
            "albumin": quantity(albumin.value, "g/dL"),
        }
        text = f"{_TOTAL_LOW_ALBUMIN % low_albumin}; {_ASK_IONIZED}"
        return _total_reading(ctx, m.value, "total", m, total.tier, text)
    value = round(corrected_calcium(m.value, albumin.value), 2)
    text = _CORRECTED % {
        "value": quantity(value, "mg/dL"),
        "total": quantity(m.value, "mg/dL"),
        "albumin": quantity(albumin.value, "g/dL"),
    }
    tier = classify(ctx.rules, "ca_total", value)
    return _total_reading(ctx, value, "corrected", m, tier, text)
