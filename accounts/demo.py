"""Two years of demo history that tells the story Cofactor is built for.

Deficient at the start (25(OH)D 16 ng/mL, RBC magnesium 3.9 mg/dL, PTH high, cramps,
poor sleep and fatigue), a 12-week correction, then maintenance with a retest about every
six months while the symptoms fade. Some results are entered in the units a European lab
prints (nmol/L, mmol/L), as a real history would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from labs.models import LifeEvent, Panel, Result, SymptomEntry
from labs.signals import data_changed
from labs.units import to_canonical
from protocols.models import HealthProfile, Plan, Reminder, SupplementIntake

HISTORY_DAYS = 730
CORRECTION_DAYS = 84  # 12 weeks


@dataclass(frozen=True)
class DemoPanel:
    day: int  # days after the start of the history
    lab: str
    fasting: bool | None
    notes: str
    results: tuple[tuple[str, float, str], ...]


PANELS = (
    DemoPanel(0, "Quest Diagnostics", True, "First tests: tired, night cramps, poor sleep.", (
        ("vitd_25oh", 16, "ng/mL"), ("mg_rbc", 3.9, "mg/dL"), ("mg_serum", 1.9, "mg/dL"),
        ("pth_intact", 78, "pg/mL"), ("ca_total", 9.3, "mg/dL"), ("albumin", 4.4, "g/dL"),
        ("creatinine", 0.82, "mg/dL"), ("egfr", 96, "mL/min/1.73m2"),
    )),
    DemoPanel(CORRECTION_DAYS, "Quest Diagnostics", True, "12-week retest after correction.", (
        ("vitd_25oh", 46, "ng/mL"), ("mg_rbc", 5.6, "mg/dL"), ("pth_intact", 44, "pg/mL"),
        ("ca_total", 9.5, "mg/dL"),
    )),
    DemoPanel(CORRECTION_DAYS + 182, "Synlab", True, "Six-month check, maintenance doses.", (
        ("vitd_25oh", 130, "nmol/L"), ("mg_rbc", 2.43, "mmol/L"), ("pth_intact", 38, "pg/mL"),
        ("ca_total", 2.35, "mmol/L"),
    )),
    DemoPanel(CORRECTION_DAYS + 364, "Synlab", None, "Retest after a stressful spring.", (
        ("vitd_25oh", 122, "nmol/L"), ("mg_rbc", 2.3, "mmol/L"), ("pth_intact", 41, "pg/mL"),
    )),
    DemoPanel(CORRECTION_DAYS + 546, "Quest Diagnostics", True, "", (
        ("vitd_25oh", 55, "ng/mL"), ("mg_rbc", 6.1, "mg/dL"), ("pth_intact", 35, "pg/mL"),
        ("ca_total", 9.6, "mg/dL"), ("creatinine", 0.85, "mg/dL"), ("egfr", 94, "mL/min/1.73m2"),
    )),
)  # fmt: skip

STRESS_DAY = CORRECTION_DAYS + 320  # a job change, some months before the fourth retest


def _severity(start: int, fade_by: int, day: int) -> int:
    """A score that falls linearly from `start` to 0 by day `fade_by`."""
    if day >= fade_by:
        return 0
    return max(0, round(start * (1 - day / fade_by)))


def _scores(day: int) -> dict[str, int]:
    scores = {
        "muscle_cramps": _severity(3, 70, day),
        "insomnia": _severity(2, 110, day),
        "fatigue": _severity(3, 180, day),
    }
    if STRESS_DAY <= day < STRESS_DAY + 28:  # a few bad weeks of sleep after the job change
        scores["insomnia"] = 2
        scores["anxiety"] = 1
    return scores


def _checkin_days() -> list[int]:
    """Weekly check-ins through the correction, then every two weeks."""
    weekly = list(range(0, CORRECTION_DAYS + 28, 7))
    return weekly + list(range(weekly[-1] + 14, HISTORY_DAYS + 1, 14))


def _clear(user) -> None:
    Panel.objects.filter(user=user).delete()
    for model in (SymptomEntry, LifeEvent, SupplementIntake, HealthProfile, Reminder, Plan):
        model.objects.filter(user=user).delete()


def _panels(user, start: date) -> int:
    panels = [
        Panel(user=user, drawn_on=start + timedelta(days=p.day), lab=p.lab, fasting=p.fasting,
              notes=p.notes)
        for p in PANELS
    ]  # fmt: skip
    Panel.objects.bulk_create(panels)
    results = [
        Result(panel=panel, user=user, drawn_on=panel.drawn_on, analyte=code, value=value,
               unit=unit, canonical_value=to_canonical(code, value, unit))
        for panel, spec in zip(panels, PANELS, strict=True)
        for code, value, unit in spec.results
    ]  # fmt: skip
    Result.objects.bulk_create(results)
    return len(results)


def _symptoms(user, start: date, today: date) -> int:
    entries = [
        SymptomEntry(user=user, recorded_on=start + timedelta(days=day), symptom=code,
                     severity=severity)
        for day in _checkin_days()
        if start + timedelta(days=day) <= today
        for code, severity in _scores(day).items()
    ]  # fmt: skip
    SymptomEntry.objects.bulk_create(entries)
    return len(entries)


def _profile_and_supplements(user, start: date, today: date) -> None:
    HealthProfile.objects.create(user=user, birth_year=today.year - 41, sex="female", goal="sleep")
    maintenance_since = start + timedelta(days=CORRECTION_DAYS)
    SupplementIntake.objects.bulk_create([
        SupplementIntake(user=user, nutrient="vitamin_d3", form="D3 softgel", amount=4000,
                         unit="IU", since=maintenance_since),
        SupplementIntake(user=user, nutrient="magnesium", form="glycinate", amount=300,
                         unit="mg", since=maintenance_since),
        SupplementIntake(user=user, nutrient="vitamin_k2_mk7", form="MK-7", amount=150,
                         unit="mcg", since=start),
    ])  # fmt: skip


def load_demo_history(user, today: date) -> dict[str, int]:
    """Replace the user's data with the demo story ending at `today`; returns row counts.

    Idempotent: running it again gives the same history (moved to the new `today`).
    """
    start = today - timedelta(days=HISTORY_DAYS)
    with transaction.atomic():
        _clear(user)
        results = _panels(user, start)
        symptoms = _symptoms(user, start, today)
        LifeEvent.objects.create(
            user=user, kind="major_stress", occurred_on=start + timedelta(days=STRESS_DAY),
            note="New job; sleeping badly for a few weeks.",
        )  # fmt: skip
        _profile_and_supplements(user, start, today)
        # Rows went in through bulk_create (no per-row signals): tell listeners once per kind.
        for kind in ("results", "symptoms", "life_events"):
            data_changed.send(sender=Panel, user=user, kind=kind)
    return {"panels": len(PANELS), "results": results, "symptoms": symptoms, "life_events": 1}
