import datetime as dt

import pytest

from accounts.models import User
from dashboard.selectors import Latest, Point
from dashboard.summaries import (
    format_value,
    marker_rows,
    series_table,
)

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
