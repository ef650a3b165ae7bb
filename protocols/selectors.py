"""Reads of the protocols app. What a page shows of a plan is built by protocols.presenters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import FilteredRelation, OuterRef, Q, Subquery

from accounts.dates import person_today
from labs.models import Panel
from protocols import presenters
from protocols.adherence import Logged, backfill_window, current_rate, loggable_days
from protocols.models import NUTRIENT_CHOICES, DoseLog, Plan, SupplementIntake
from protocols.reminders.selectors import next_reminder

HISTORY_PAGE_SIZE = 10


def plan_history(*, user, page_number: Any = 1) -> tuple[Page, list[tuple[Plan, Plan | None]]]:
    """One page of the person's plans, newest first, each with the plan made before it (None
    for the first). Two queries (count, and the page plus the plan just before it)."""
    plans = Plan.objects.filter(user=user).order_by("-created_at", "-id").defer("inputs")
    page = Paginator(plans, HISTORY_PAGE_SIZE).get_page(page_number)
    start = (page.number - 1) * HISTORY_PAGE_SIZE
    rows = list(plans[start : start + HISTORY_PAGE_SIZE + 1])
    pairs = [
        (plan, rows[i + 1] if i + 1 < len(rows) else None)
        for i, plan in enumerate(rows[:HISTORY_PAGE_SIZE])
    ]
    return page, pairs


def supplements_for_user(*, user) -> list[SupplementIntake]:
    return list(SupplementIntake.objects.filter(user=user).order_by("nutrient"))


@dataclass(frozen=True)
class IntakeLog:
    """A supplement the person takes, with the days they logged it from a given day on."""

    pk: int
    nutrient: str
    amount: float
    unit: str
    form: str
    since: date | None
    take_at: Any  # datetime.time | None
    logged: Logged


def intake_logs(*, user, days_from: date) -> list[IntakeLog]:
    """The person's supplements, each with its logged days on or after `days_from` and the
    first day it was ever logged: one query (a left join on the recent days) whatever the
    length of the log."""
    first = DoseLog.objects.filter(intake=OuterRef("pk")).order_by("taken_on").values("taken_on")
    rows = (
        SupplementIntake.objects.filter(user=user)
        .annotate(
            recent=FilteredRelation("doses", condition=Q(doses__taken_on__gte=days_from)),
            first_logged=Subquery(first[:1]),
        )
        .order_by("nutrient", "pk", "recent__taken_on")
        .values_list(
            "pk", "nutrient", "amount", "unit", "form", "since", "take_at", "first_logged",
            "recent__taken_on",
        )
    )  # fmt: skip
    found: dict[int, tuple[tuple, set[date]]] = {}
    for *fields, day in rows:
        found.setdefault(fields[0], (tuple(fields), set()))[1].update([day] if day else [])
    return [
        IntakeLog(pk, nutrient, amount, unit, form, since, take_at,
                  Logged(nutrient, frozenset(days), since, first_logged))
        for (pk, nutrient, amount, unit, form, since, take_at, first_logged), days in found.values()
    ]  # fmt: skip


@dataclass(frozen=True)
class DoseRow:
    """One supplement on the "taken today" card and the log page."""

    pk: int
    label: str
    amount: str  # "5,000 IU"
    take_at: Any  # datetime.time | None
    taken_today: bool
    days: tuple[tuple[date, bool], ...]  # the days that may be logged, newest first
    rate: float | None  # share of days taken since the last draw (None: nothing logged)
    since: date | None  # the last draw the rate counts from

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def last_draw_on(*, user, today: date) -> date | None:
    """The day of the person's latest blood draw up to today (one query)."""
    panels = Panel.objects.filter(user=user, drawn_on__lte=today).order_by("-drawn_on")
    return panels.values_list("drawn_on", flat=True).first()


def dose_rows(*, user, today: date, last_draw: date | None) -> list[DoseRow]:
    """Each supplement with today's state, the last week's days and the adherence since the
    last draw (protocols.adherence): one query."""
    first, _today = backfill_window(today)
    days_from = min(first, last_draw) if last_draw else first
    labels = dict(NUTRIENT_CHOICES)
    rows = []
    for log in intake_logs(user=user, days_from=days_from):
        days = log.logged.days
        window = loggable_days(today=today, started_on=log.since)
        rate = current_rate(log.logged, since=last_draw, today=today) if last_draw else None
        rows.append(
            DoseRow(
                pk=log.pk,
                label=str(labels.get(log.nutrient, log.nutrient)),
                amount=presenters.fmt_range(log.amount, log.amount, log.unit),
                take_at=log.take_at,
                taken_today=today in days,
                days=tuple((day, day in days) for day in window),
                rate=rate,
                since=last_draw,
            )
        )
    return rows


def retest_for(*, user, plan: Plan) -> presenters.RetestView | None:
    """The plan's next retest with the date every page shows (the open reminder's)."""
    reminder = next_reminder(user)
    return presenters.retest_view(
        plan.data,
        today=person_today(user),
        reminder_due_on=reminder.due_on if reminder else None,
        stored_due_on=plan.retest_due_on,
    )


def plan_presentation(*, user, plan: Plan) -> presenters.PlanPresentation:
    """A person's plan as every page of theirs shows it (plan, dashboard, report): their
    today, their units, and the open reminder's date (one retest date everywhere)."""
    reminder = next_reminder(user)
    return presenters.present_plan(
        plan.data,
        plan.inputs,
        today=person_today(user),
        reminder_due_on=reminder.due_on if reminder else None,
        stored_due_on=plan.retest_due_on,
        stored_phase=plan.phase,
        user=user,
    )
