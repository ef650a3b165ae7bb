"""The expected trajectory (issue #17): the band from the last draw to the retest is the plan's
own expectation, its numbers at the retest are the plan's expected values, and after the
retest the chart and the dashboard say whether the value landed inside it."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dashboard.charts import converter, marker_figure_dict
from dashboard.selectors import Point
from dashboard.trajectory import ahead_band, bands, behind_band, verdict
from protocols.engine import Intake, Measurement, Snapshot, compute_plan
from protocols.presenters import present_plan
from protocols.services import plan_refresh
from tests.factories import IntakeFactory, ResultFactory

D0 = dt.date(2026, 1, 5)
TRENDS = reverse("dashboard:trends")
HOME = reverse("dashboard:home")


def plan_for(*draws: tuple[dt.date, float], as_of: dt.date, since: dt.date | None = None) -> dict:
    snapshot = Snapshot(
        as_of=as_of,
        results={"vitd_25oh": [Measurement(v, "ng/mL", on) for on, v in draws]},
        taking=(Intake("vitamin_d3", 5000, "IU", since),),
    )
    return compute_plan(snapshot).to_dict()


def at(band, day: dt.date) -> tuple[float, float]:
    return next((low, high) for on, low, high in band.corners if on == day)


# --- the band's numbers are the plan's ------------------------------------------------------


def test_the_band_ends_at_the_plans_expected_values_at_the_retest():
    data = plan_for((D0, 22), as_of=D0)
    band = ahead_band(data, "vitd_25oh")
    retest = data["retest"]
    end_on, low, high = band.end
    assert end_on.isoformat() == retest["latest_on"]  # 12 weeks: the window's end
    assert [low, high] == data["expected_at_retest"]["vitd_25oh"] == [40, 55]
    assert band.corners[0] == (D0, 22, 22)  # it starts at the last draw's value


def test_at_the_due_date_the_band_is_what_the_engine_will_judge_a_retest_by():
    data = plan_for((D0, 22), as_of=D0)
    due = dt.date.fromisoformat(data["retest"]["due_on"])  # 8 weeks
    retested = plan_for((D0, 22), (due, 30), as_of=due, since=D0)
    assert (
        list(at(ahead_band(data, "vitd_25oh"), due))
        == retested["response"]["vitd_25oh"]["expected"]
    )


def test_a_maintenance_band_reaches_the_target_by_12_weeks_and_holds_it_to_the_retest():
    data = plan_for((D0, 45), as_of=D0)
    assert data["phase"] == "maintenance"
    band = ahead_band(data, "vitd_25oh")
    assert band.end[0].isoformat() == data["retest"]["due_on"]
    assert list(band.end[1:]) == data["expected_at_retest"]["vitd_25oh"]
    assert list(at(band, D0 + dt.timedelta(days=84))) == data["expected_at_retest"]["vitd_25oh"]


@pytest.mark.parametrize("value", [22, 45])  # correction, maintenance
def test_the_plan_names_the_day_its_expected_values_are_for_the_bands_end(value):
    # The plan page and the CLI say "Expected by <day>": the day the trends band ends at the
    # same numbers (in correction the retest is due at 8 weeks, the values are for 12).
    data = plan_for((D0, value), as_of=D0)
    pv = present_plan(data)
    assert pv.expected_on == ahead_band(data, "vitd_25oh").end[0]
    assert pv.expected_on_text in render_to_string("protocols/includes/plan.html", {"pv": pv})


def test_a_plan_on_hold_or_without_a_retest_has_no_band():
    assert bands(None, "vitd_25oh") == ()
    assert bands({"markers": {}, "expected_at_retest": {}}, "vitd_25oh") == ()
    data = plan_for((D0, 22), as_of=D0)
    data["retest"] = None
    assert ahead_band(data, "vitd_25oh") is None


def test_after_the_retest_the_judged_band_ends_at_the_responses_expectation():
    later = D0 + dt.timedelta(weeks=12)
    data = plan_for((D0, 22), (later, 28), as_of=later, since=D0)
    judged = behind_band(data, "vitd_25oh")
    assert judged.corners[0] == (D0, 22, 22)
    assert list(judged.end[1:]) == data["response"]["vitd_25oh"]["expected"]
    assert verdict(data, "vitd_25oh") == "behind"
    assert verdict(plan_for((D0, 22), (later, 45), as_of=later, since=D0), "vitd_25oh") == (
        "on_track"
    )
    assert verdict(plan_for((D0, 22), (later, 58), as_of=later, since=D0), "vitd_25oh") == "ahead"


# --- on the chart -----------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["ng/mL", "nmol/L"])
def test_the_charts_band_numbers_are_the_plans_in_the_chosen_unit(unit):
    data = plan_for((D0, 22), as_of=D0)
    figure = marker_figure_dict(
        [Point(D0, 22.0, "")],
        analyte="vitd_25oh",
        unit=unit,
        rule_set="seed",
        expected=bands(data, "vitd_25oh"),
    )
    (trace,) = [t for t in figure["data"] if t["name"] == "expected"]
    convert = converter("vitd_25oh", unit)
    n = len(trace["x"]) // 2
    end_low, end_high = trace["y"][n - 1], trace["y"][n]
    assert trace["x"][n - 1] == trace["x"][n] == data["retest"]["latest_on"]
    assert [end_low, end_high] == [convert(v) for v in data["expected_at_retest"]["vitd_25oh"]]
    assert trace["fill"] == "toself" and figure["data"][0]["name"] != "expected"


def figure_from(html: str) -> dict:
    match = re.search(r'<script id="trend-figure" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("range_key", ["all", "6m"])
def test_the_trends_chart_shows_the_band_to_the_retest(client, user, range_key):
    today = timezone.localdate()
    ResultFactory(panel__user=user, panel__drawn_on=today, analyte="vitd_25oh", value=22)
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    plan = plan_refresh(user)
    client.force_login(user)
    html = client.get(TRENDS, {"analyte": "vitd_25oh", "range": range_key}).content.decode()
    (trace,) = [t for t in figure_from(html)["data"] if t["name"] == "expected"]
    n = len(trace["x"]) // 2
    assert [trace["y"][n - 1], trace["y"][n]] == plan.data["expected_at_retest"]["vitd_25oh"]
    end = plan.data["retest"]["latest_on"]
    assert trace["x"][n - 1] == end
    x_range = figure_from(html)["layout"]["xaxis"].get("range")
    assert x_range is None or x_range[1] > end  # a fixed range reaches the band's end
    assert 'data-testid="expected-band"' in html and "40.0–55.0 ng/mL" in html


@pytest.mark.django_db
def test_after_a_slow_retest_the_chart_and_dashboard_say_behind(client, user):
    today = timezone.localdate()
    before = today - dt.timedelta(weeks=12)
    for on, value in ((before, 22), (today, 28)):
        ResultFactory(panel__user=user, panel__drawn_on=on, analyte="vitd_25oh", value=value)
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU", since=before)
    plan = plan_refresh(user)
    client.force_login(user)
    html = client.get(TRENDS, {"analyte": "vitd_25oh"}).content.decode()
    judged = [t for t in figure_from(html)["data"] if t["name"] == "expected-judged"]
    assert judged and judged[0]["x"][0] == before.isoformat()
    assert "below the band your plan expected" in html
    row = re.search(r'data-analyte="vitd_25oh".*?</li>', client.get(HOME).content.decode(), re.S)
    assert ">behind<" in row.group(0)
    assert plan.data["response"]["vitd_25oh"]["on_track"] is False


@pytest.mark.django_db
def test_the_dashboard_says_where_the_plan_expects_each_marker(client, user):
    today = timezone.localdate()
    ResultFactory(panel__user=user, panel__drawn_on=today, analyte="vitd_25oh", value=22)
    plan_refresh(user)
    client.force_login(user)
    row = re.search(r'data-analyte="vitd_25oh".*?</li>', client.get(HOME).content.decode(), re.S)
    assert 'data-testid="expected-by"' in row.group(0) and "40.0–55.0 ng/mL" in row.group(0)


def sparkline_from(html: str) -> dict:
    match = re.search(r'<script id="vitd-sparkline" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("unit", ["ng/mL", "nmol/L"])
def test_the_dashboard_sparkline_shows_the_trends_charts_band(client, user, unit):
    user.vitd_unit = unit
    user.save()
    today = timezone.localdate()
    ResultFactory(panel__user=user, panel__drawn_on=today, analyte="vitd_25oh", value=22)
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    plan = plan_refresh(user)
    client.force_login(user)
    small = sparkline_from(client.get(HOME).content.decode())
    big = figure_from(client.get(TRENDS, {"analyte": "vitd_25oh"}).content.decode())
    (mini,) = [t for t in small["data"] if t["name"] == "expected"]
    (full,) = [t for t in big["data"] if t["name"] == "expected"]
    assert (mini["x"], mini["y"], mini["text"]) == (full["x"], full["y"], full["text"])
    n = len(mini["y"]) // 2
    convert = converter("vitd_25oh", unit)
    assert [mini["y"][n - 1], mini["y"][n]] == [
        convert(v) for v in plan.data["expected_at_retest"]["vitd_25oh"]
    ]
    assert small["data"][0]["name"] != "expected"  # the points stay the first trace


@pytest.mark.django_db
def test_after_a_slow_retest_the_sparkline_shows_the_judged_band_too(client, user):
    today = timezone.localdate()
    before = today - dt.timedelta(weeks=12)
    for on, value in ((before, 22), (today, 28)):
        ResultFactory(panel__user=user, panel__drawn_on=on, analyte="vitd_25oh", value=value)
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU", since=before)
    plan_refresh(user)
    client.force_login(user)
    names = [t["name"] for t in sparkline_from(client.get(HOME).content.decode())["data"]]
    assert names.count("expected-judged") == 1 and names.count("expected") == 1
