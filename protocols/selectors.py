"""Reads of the protocols app. What a page shows of a plan is built by protocols.presenters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator

from accounts.dates import person_today
from protocols import presenters
from protocols.models import Plan, SupplementIntake
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
