"""Two years of demo history that tells the story Cofactor is built for.

Deficient at the start (25(OH)D 16 ng/mL, RBC magnesium 3.9 mg/dL, PTH high, cramps,
poor sleep and fatigue), a 12-week correction, then maintenance with a retest about every
six months while the symptoms fade. Some results are entered in the units a European lab
prints (nmol/L, mmol/L), as a real history would be.

The history is replayed, not stamped with today's date: each draw is followed by the plan
the app would have made on that day (from what was known then and the supplements taken
then), stored on that date, and the person then takes what the plan says. So plan history,
the chart's phase lines and the retest reminders tell the correction → maintenance story on
its real dates, and the plan of today rests only on results recent enough to count
(protocols.rules.RESULT_MAX_AGE_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from labs.models import LifeEvent, Panel, Result, SymptomEntry
from labs.signals import data_changed
from labs.units import to_canonical
from protocols.models import DoseLog, HealthProfile, Plan, Reminder, SupplementIntake
from protocols.services import plan_refresh

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


# What the person took before Cofactor: vitamin D alone, as the seed's opening story has it.
BEFORE = {"vitamin_d3": ("D3 softgel", 2000, "IU")}
FORMS = {"vitamin_d3": "D3 softgel", "magnesium": "glycinate", "vitamin_k2_mk7": "MK-7"}


def _take(user, doses: dict[str, tuple[str, float, str]], since: date) -> None:
    """The supplements taken from `since` on: what changed is updated, what stopped goes."""
    SupplementIntake.objects.filter(user=user).exclude(nutrient__in=list(doses)).delete()
    current = {i.nutrient: i for i in SupplementIntake.objects.filter(user=user)}
    for nutrient, (form, amount, unit) in doses.items():
        intake = current.get(nutrient)
        if intake and (intake.amount, intake.unit) == (amount, unit):
            continue
        SupplementIntake.objects.update_or_create(
            user=user,
            nutrient=nutrient,
            defaults={"form": form, "amount": amount, "unit": unit, "since": since},
        )


def _follow(plan: Plan) -> dict[str, tuple[str, float, str]]:
    """The doses a person following the plan takes: the low end of each line's range."""
    return {
        line["nutrient"]: (FORMS.get(line["nutrient"], ""), line["daily_min"], line["unit"])
        for line in plan.data.get("supplements", [])
        if line.get("daily_min")
    }


def _plan_on(user, day: date) -> Plan:
    """The plan the app would have made on `day`, stored as made that day (noon UTC)."""
    plan = plan_refresh(user, as_of=day)
    made = datetime.combine(day, time(12), tzinfo=UTC)
    Plan.objects.filter(pk=plan.pk).update(created_at=made)
    return plan


def _replay(user, start: date, today: date) -> None:
    """Each draw, then the plan of that day, then the person takes what it says."""
    _take(user, BEFORE, start - timedelta(days=180))
    days = sorted({start + timedelta(days=p.day) for p in PANELS} | {
        start + timedelta(days=STRESS_DAY)})  # fmt: skip
    for day in days:
        if day > today:
            break
        plan = _plan_on(user, day)
        adopted = _follow(plan)
        if adopted:
            _take(user, adopted, day + timedelta(days=1))
            _plan_on(user, day + timedelta(days=1))  # what the plan says once followed


DEMO_LOGGED_DAYS = 14  # two weeks of "taken" taps, every fifth day missed; today left to tap


def _doses(user, today: date) -> None:
    """The last two weeks of the supplements taken now, as a person logs them: a few missed."""
    logs = [
        DoseLog(user=user, intake=intake, taken_on=today - timedelta(days=back))
        for intake in SupplementIntake.objects.filter(user=user)
        for back in range(1, DEMO_LOGGED_DAYS + 1)
        if back % 5 and (intake.since is None or today - timedelta(days=back) >= intake.since)
    ]
    DoseLog.objects.bulk_create(logs)


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
        HealthProfile.objects.create(
            user=user, birth_year=today.year - 41, sex="female", goal="sleep"
        )
        _replay(user, start, today)
        _doses(user, today)
        # Rows went in through bulk_create (no per-row signals): tell listeners once per kind;
        # the plan of today follows from them.
        for kind in ("results", "symptoms", "life_events"):
            data_changed.send(sender=Panel, user=user, kind=kind)
    return {"panels": len(PANELS), "results": results, "symptoms": symptoms, "life_events": 1}
