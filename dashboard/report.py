"""The report for a clinician: who, what they take since when, how they feel, the plan with
its retest, and the results in their units beside the usual lab ranges.

One context feeds the printable page and the PDF (dashboard.pdf), so both say the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from labs import markers_services
from labs import selectors as lab_selectors
from labs.models import SymptomEntry
from labs.symptoms import SEVERITY_LABELS, SYMPTOMS
from protocols import selectors as plan_selectors
from protocols.models import HealthProfile, Plan, SupplementIntake
from protocols.presenters import fmt_range, nutrient_label
from protocols.reminders.selectors import next_reminder
from protocols.rules import DEFAULT_RESULT_MAX_AGE_DAYS, RESULT_MAX_AGE_DAYS

REPORT_DRAWS = 24  # two years of monthly draws on a printed page
SYMPTOM_WEEKS = 12  # the symptom summary covers the last twelve weeks


@dataclass(frozen=True)
class SymptomLine:
    """One symptom over the summary's weeks: first and latest score, and the worst."""

    label: str
    first: int
    latest: int
    worst: int

    @property
    def latest_word(self) -> str:
        return SEVERITY_LABELS.get(self.latest, "")


@dataclass(frozen=True)
class Supplement:
    label: str
    amount: str
    form: str
    since: dt.date | None


def symptom_summary(*, user, today: dt.date) -> tuple[list[SymptomLine], int]:
    """Each symptom scored above 0 in the last SYMPTOM_WEEKS, and how many check-in days."""
    since = today - dt.timedelta(weeks=SYMPTOM_WEEKS)
    rows = SymptomEntry.objects.filter(user=user, recorded_on__gt=since, recorded_on__lte=today)
    by_symptom: dict[str, list[int]] = {}
    days = set()
    for code, day, severity in rows.order_by("recorded_on").values_list(
        "symptom", "recorded_on", "severity"
    ):
        by_symptom.setdefault(code, []).append(severity)
        days.add(day)
    lines = [
        SymptomLine(SYMPTOMS[code].label if code in SYMPTOMS else code, s[0], s[-1], max(s))
        for code, s in by_symptom.items()
        if max(s) > 0
    ]
    return sorted(lines, key=lambda line: (-line.latest, -line.worst, line.label)), len(days)


def supplements(*, user) -> list[Supplement]:
    intakes = SupplementIntake.objects.filter(user=user).order_by("nutrient")
    return [
        Supplement(nutrient_label(i.nutrient), fmt_range(i.amount, i.amount, i.unit), i.form,
                   i.since)
        for i in intakes
    ]  # fmt: skip


def stale_results(latest, *, today: dt.date) -> set[str]:
    """The analytes whose newest result is too old to count for a plan any more."""
    return {
        item.analyte.code
        for item in latest
        if (today - item.result.drawn_on).days
        > RESULT_MAX_AGE_DAYS.get(item.analyte.code, DEFAULT_RESULT_MAX_AGE_DAYS)
    }


def body_key(*, user, today: dt.date) -> str:
    """What the report shows besides the person's data (their data version keys it too):
    the day, the open reminder's date (the sweep moves it without a data change), the email
    and the display preferences."""
    reminder = next_reminder(user)
    due_on = reminder.due_on if reminder else ""
    parts = (today, due_on, user.email, user.vitd_unit, user.mineral_unit, user.rule_set,
             user.upper_limits, user.time_zone)  # fmt: skip
    return "|".join(str(part) for part in parts)


def context(*, user, today: dt.date) -> dict:
    """Everything the report shows (the page and the PDF)."""
    # The snapshot too (unlike the dashboard's read): the held plan's advice names what is taken.
    plan = Plan.objects.filter(user=user).order_by("-created_at", "-id").first()
    profile = HealthProfile.objects.filter(user=user).first()
    symptoms, checkin_days = symptom_summary(user=user, today=today)
    latest = lab_selectors.latest_values(user=user)  # first: it holds the entered units
    pv = plan_selectors.plan_presentation(user=user, plan=plan) if plan else None
    return {
        "profile": profile,
        "stale": stale_results(latest, today=today),
        "supplements": supplements(user=user),
        "symptoms": symptoms,
        "checkin_days": checkin_days,
        "symptom_weeks": SYMPTOM_WEEKS,
        "pv": pv,
        "plan": plan,
        "latest": latest,
        "own_markers": markers_services.latest_marker_values(user=user),
        # A printable page: the newest draws; the CSV export holds every one.
        "history": lab_selectors.history_table(user=user, newest=REPORT_DRAWS),
        "today": today,
    }
