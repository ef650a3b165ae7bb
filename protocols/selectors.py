"""Reads of the protocols app. What a page shows of a plan is built by protocols.presenters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import FilteredRelation, OuterRef, Q, Subquery

from accounts.dates import person_today
from protocols import presenters
from protocols.adherence import Logged
from protocols.models import DoseLog, Plan, SupplementIntake
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
