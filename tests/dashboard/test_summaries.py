import datetime as dt

import pytest

from accounts.models import User
from dashboard.selectors import Latest, Point
from dashboard.summaries import (
    format_value,
    marker_rows,
    plan_glance,
    retest_status,
    series_table,
)
from tests.dashboard.factories import plan_data

D = dt.date


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "shown"),
    [
        ("vitd_25oh", 42.06, "ng/mL", "42.1"),
        ("vitd_25oh", 42.06, "nmol/L", "105"),
        ("mg_rbc", 5.5, "mmol/L", "2.26"),
        ("ca_ionized", 5.0, "mg/dL", "5.00"),
        ("pth_intact", 1234.4, "pg/mL", "1,234"),
    ],
)
def test_values_are_shown_with_the_precision_people_read_them_with(analyte, value, unit, shown):
    assert format_value(analyte, value, unit) == shown


def test_marker_rows_use_the_preferred_unit_and_sign_the_change():
    person = User(vitd_unit="nmol/L", mineral_unit="mmol/L")
    latest = [
        Latest("vitd_25oh", Point(D(2025, 6, 1), 30.0, "Quest"), Point(D(2025, 1, 1), 40.0, "")),
        Latest("pth_intact", Point(D(2025, 6, 1), 55.0, ""), None),
    ]
    vitd, pth = marker_rows(latest, user=person)
    assert (vitd.value, vitd.unit, vitd.change, vitd.previous_on) == (
        "75",
        "nmol/L",
        "-25",
        D(2025, 1, 1),
    )
    assert vitd.status == "below_target" and str(vitd.status_label) == "below target"
    assert (pth.unit, pth.change, pth.status) == ("pg/mL", None, "above_target")


def test_marker_rows_carry_the_plans_verdict_on_the_response():
    person = User()
    latest = [
        Latest("vitd_25oh", Point(D(2025, 6, 1), 30.0, ""), Point(D(2025, 3, 1), 20.0, "")),
        Latest("mg_rbc", Point(D(2025, 6, 1), 4.4, ""), Point(D(2025, 3, 1), 4.3, "")),
        Latest("pth_intact", Point(D(2025, 6, 1), 40.0, ""), None),
    ]
    response = {
        "vitd_25oh": {"previous": 20.0, "current": 30.0, "expected": [40, 55], "on_track": True},
        "mg_rbc": {"previous": 4.3, "current": 4.4, "expected": [5.5, 6.0], "on_track": False},
        "pth_intact": "garbage",
    }
    rows = marker_rows(latest, user=person, response=response)
    assert [row.on_track for row in rows] == [True, False, None]
    assert [row.on_track for row in marker_rows(latest, user=person, response=None)] == [None] * 3


def test_the_trends_table_is_newest_first_in_the_unit_and_escapes():
    series = [
        Point(D(2025, 1, 1), 20.0, "<b>x</b>"),
        Point(D(2025, 3, 5), 45.0, ""),
        Point(D(2025, 4, 9), 1234.5, "Quest"),  # not plausible, but shows the thousands mark
    ]
    html = series_table(series, analyte="vitd_25oh", unit="nmol/L", rule_set="seed")
    rows = html.split("\n")
    assert [row[: row.index("</td>")] for row in rows] == [
        "<tr><td>9 Apr 2025",
        "<tr><td>5 Mar 2025",
        "<tr><td>1 Jan 2025",
    ]
    assert [format_value("vitd_25oh", v, "nmol/L") for v in (1234.5, 45.0, 20.0)] == [
        "3,081",
        "112",
        "50",
    ]
    assert ">3,081 nmol/L<" in rows[0] and ">112 nmol/L<" in rows[1] and ">50 nmol/L<" in rows[2]
    assert "&lt;b&gt;x&lt;/b&gt;" in rows[2] and "<b>" not in html
    assert 'badge-status-in_target">in target<' in rows[1] and "<td>—</td>" in rows[1]
    assert 'badge-status-low">low<' in rows[2]  # 20 ng/mL, under the reference range


def test_plan_glance_groups_doses_by_time_of_day_and_puts_stop_alerts_first():
    glance = plan_glance(plan_data())
    assert glance.phase == "correction" and str(glance.phase_label) == "correction"
    assert [
        (time, [(d.nutrient, d.amount, d.unit) for d in doses]) for time, doses in glance.doses
    ] == [
        (
            "Morning",
            [("Vitamin D3", "5,000–7,000", "IU"), ("Magnesium (elemental)", "200–300", "mg")],
        ),
        ("Evening", [("Magnesium (elemental)", "200–300", "mg")]),
    ]
    assert [a["level"] for a in glance.alerts] == ["stop", "warning"]
    assert [a["message"] for a in glance.serious_alerts] == ["Stop vitamin D now."]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"phase": "hold"},
        {"phase": "hold", "supplements": [{"nutrient": "magnesium"}], "alerts": [{"x": 1}]},
        {"supplements": [{"schedule": [{"time": "noon", "amount_min": 1}]}], "alerts": None},
    ],
)
def test_plan_glance_reads_incomplete_plans_without_failing(data):
    glance = plan_glance(data, phase="maintenance")
    assert glance is None or (glance.doses == [] and glance.alerts == [])


def test_single_amount_is_shown_once():
    data = plan_data(alerts=[])
    data["supplements"][0]["schedule"] = [
        {"time": "morning", "amount_min": 5000, "amount_max": 5000}
    ]
    morning = dict(plan_glance(data).doses)["Morning"]
    assert morning[0].amount == "5,000"


@pytest.mark.parametrize(("days", "overdue"), [(10, False), (0, False), (-4, True)])
def test_retest_countdown(days, overdue):
    today = D(2026, 3, 1)
    retest = retest_status(today + dt.timedelta(days=days), today=today)
    assert retest.days == days and retest.overdue is overdue
    assert retest.overdue_days == max(0, -days)
    assert retest_status(None, today=today) is None
