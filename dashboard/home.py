"""The dashboard: what it shows, built from the selectors, summaries and the plan presenter.

All of it comes from the person's cache (dashboard.caching), rebuilt only when their data
changed, except the open reminder: its state moves with the sweep, which sends no signal,
so it is read on every request and its date is part of the cache key.
"""

from __future__ import annotations

import datetime as dt

from django.utils.html import json_script

from protocols.presenters import present_plan
from protocols.selectors import dose_rows

from . import selectors, summaries, trajectory
from .caching import PersonCache
from .charts import sparkline_figure_dict

SPARKLINE_ANALYTE = "vitd_25oh"
SPARKLINE_POINTS = 12  # the last dozen draws: years of history for most people


def context(*, user, today: dt.date, cache: PersonCache | None = None) -> dict:
    """The dashboard template's context (`cache`: the request's, caching.request_cache)."""
    reminder = selectors.open_reminder(user=user)
    due_on = reminder.due_on if reminder else None
    page = (cache or PersonCache(user)).get_or_build(
        "dashboard", (today, due_on), lambda: _from_data(user, today=today, reminder_due_on=due_on)
    )
    # What the plan card depends on besides the data: its template fragment's key.
    return {
        **page,
        "next_reminder": reminder,
        "day_key": f"{today.isoformat()}|{due_on}",
        "today": today,
    }


def _from_data(user, *, today: dt.date, reminder_due_on: dt.date | None) -> dict:
    """The parts that change only with the person's data, the day and the reminder's date."""
    plan = selectors.latest_plan(user=user)
    latest = selectors.latest_results(user=user)
    pv = present_plan(
        plan.data if plan else None,
        today=today,
        reminder_due_on=reminder_due_on,
        stored_due_on=plan.retest_due_on if plan else None,
        user=user,
    )
    page = {
        "markers": summaries.marker_rows(
            latest,
            user=user,
            response=plan.data.get("response") if plan else None,
            plan_markers=plan.data.get("markers") if plan else None,
            today=today,
            plan=plan.data if plan else None,
        ),
        "pv": pv if plan else None,
        "retest": pv.retest,
        "fig_script": None,
        # "Taken today": every tap sends data_changed, so the cached card follows it.
        "doses": dose_rows(
            user=user,
            today=today,
            last_draw=max((item.current.drawn_on for item in latest), default=None),
        ),
    }
    if any(item.analyte == SPARKLINE_ANALYTE for item in latest):
        series = selectors.recent_series(
            user=user, analyte=SPARKLINE_ANALYTE, limit=SPARKLINE_POINTS
        )
        unit = summaries.display_unit(user, SPARKLINE_ANALYTE)
        figure = sparkline_figure_dict(
            series,
            analyte=SPARKLINE_ANALYTE,
            unit=unit,
            rule_set=user.rule_set,
            # The trends chart's bands (same function, same plan): no extra query.
            expected=trajectory.bands(plan.data, SPARKLINE_ANALYTE) if plan else (),
        )
        # Serialised once, when built, rather than by json_script on every page view.
        page.update(fig_script=json_script(figure, "vitd-sparkline"), sparkline_unit=unit)
    return page
