"""One target per person: for both rule sets and a 25(OH)D in each band, the plan's target, the
plan page, the badges (dashboard, trends table, panel page, report) and the chart bands (sparkline,
trends chart) all show the person's rule set's target, and agree with the plan's tier."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.dates import person_today
from dashboard import selectors, summaries
from labs.analytes import ANALYTES, SEED_RULE_SET, TARGETS, WITHIN_LIMITS_RULE_SET
from labs.display import range_for
from protocols.services import plan_refresh
from tests.factories import panel_with

pytestmark = pytest.mark.django_db

VITD = "vitd_25oh"
# One value in every 25(OH)D band of either rule set: severe, moderate, mild (seed) / optimal
# (within-limits), low-normal / optimal, optimal, optimal / above target, above target, toxicity.
VALUES = (15, 25, 32, 37, 45, 55, 80, 120)


def expected_badge(value: float, target: tuple[float, float]) -> str:
    """The badge a value earns, worked out here from the target and the lab range alone."""
    ref_low, ref_high = ANALYTES[VITD].reference
    low, high = target
    if value < low:
        return "low" if value < ref_low else "below_target"
    if value > high:
        return "high" if value > ref_high else "above_target"
    return "in_target"


def figure(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} chart in the page"
    return json.loads(match.group(1))


def target_bands(fig: dict) -> list[tuple[float, float]]:
    return [(s["y0"], s["y1"]) for s in fig["layout"].get("shapes", []) if s["name"] == "target"]


def piece(html: str, pattern: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(0)


@pytest.mark.parametrize("rule_set", [SEED_RULE_SET, WITHIN_LIMITS_RULE_SET])
@pytest.mark.parametrize("value", VALUES)
def test_one_target_everywhere(client, user, rule_set, value):
    user.rule_set = rule_set
    user.save()
    panel = panel_with(user, person_today(user) - timedelta(days=2), vitd_25oh=value)
    plan = plan_refresh(user)
    target = TARGETS[rule_set][VITD]
    badge = expected_badge(value, target)
    shown = range_for(user, VITD, target)  # "30.0–50.0 ng/mL"
    client.force_login(user)

    # The plan: its target, and its tier says "optimal" exactly when the badge says in target.
    marker = plan.data["markers"][VITD]
    assert marker["target"] == list(target)
    assert (marker["tier"] == "optimal") == (badge == "in_target"), marker["tier"]
    plan_page = client.get(reverse("protocols:plan")).content.decode()
    plan_row = piece(plan_page, rf'<li[^>]*data-marker="{VITD}".*?</li>')
    assert f"target {shown}" in plan_row
    plan_state = piece(plan_row, r'<span class="badge [^"]*">[^<]*</span>')

    # The dashboard names the marker in the plan's words (the plan rests on this draw), and
    # its sparkline draws the same band.
    home = client.get(reverse("dashboard:home")).content.decode()
    home_row = piece(home, rf'data-analyte="{VITD}".*?</li>')
    assert plan_state.split(">", 1)[1] in home_row and 'data-testid="plan-state"' in home_row
    assert target_bands(figure(home, "vitd-sparkline")) == [target]
    # Without a plan resting on the draw, the dashboard's own badge: the same target.
    (row,) = summaries.marker_rows(selectors.latest_results(user=user), user=user)
    assert row.status == badge

    # The trends page: the chart's band and the table's badge.
    trends = client.get(reverse("dashboard:trends"), {"analyte": VITD}).content.decode()
    assert target_bands(figure(trends, "trend-figure")) == [target]
    assert f"badge-status-{badge}" in piece(trends, r"<tbody.*?</tbody>")

    # The panel page and the printable report: the target range and the badge.
    for url in (reverse("labs:panel-detail", args=[panel.pk]), reverse("dashboard:report")):
        html = client.get(url).content.decode()
        assert shown in html, url
        assert f'data-testid="status-{badge}"' in html, url
