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
from protocols.engine.text import fmt
from protocols.rules import Tier
from protocols.rules.sources import C_PAYNE

Basis = Literal["ionized", "corrected", "total"]

PAYNE_FACTOR = 0.8  # mg/dL of calcium per g/dL of albumin (CLINICAL.md §1)
PAYNE_NORMAL_ALBUMIN = 4.0  # g/dL
PAYNE_MIN_ALBUMIN = 2.0  # g/dL: below this the correction is unreliable


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


def calcium_reading(ctx: Context) -> CalciumReading | None:
    """The calcium value of the latest calcium draw, by CLINICAL.md §1's order."""
    ionized, total = ctx.readings.get("ca_ionized"), ctx.readings.get("ca_total")
    if ionized and (total is None or ionized.latest.drawn_on >= total.latest.drawn_on):
        m = ionized.latest
        text = f"ionized calcium {fmt(m.value)} mg/dL"
        return CalciumReading("ca_ionized", m.value, "ionized", m.drawn_on, ionized.tier, text)
    if total is None:
        return None
    m = total.latest
    albumin = _same_draw(ctx.snapshot.results.get("albumin"), m.drawn_on)
    if albumin is None or total.censored:
        text = f"total calcium {fmt(m.value)} mg/dL as measured (no albumin from the same draw)"
        return CalciumReading("ca_total", m.value, "total", m.drawn_on, total.tier, text)
    if albumin.value < PAYNE_MIN_ALBUMIN:
        text = (
            f"total calcium {fmt(m.value)} mg/dL as measured: albumin {fmt(albumin.value)} g/dL "
            "is too low to correct it reliably; ask for ionized calcium"
        )
        return CalciumReading("ca_total", m.value, "total", m.drawn_on, total.tier, text)
    value = round(corrected_calcium(m.value, albumin.value), 2)
    text = (
        f"corrected calcium {fmt(value)} mg/dL (total {fmt(m.value)} mg/dL, "
        f"albumin {fmt(albumin.value)} g/dL, Payne)"
    )
    tier = classify(ctx.rules, "ca_total", value)
    return CalciumReading("ca_total", value, "corrected", m.drawn_on, tier, text)
