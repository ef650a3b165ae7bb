"""Chart functions plot the stored numbers, converted, with bands and events in place."""

import datetime as dt
import json

import plotly.graph_objects as go
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from dashboard.charts import (
    CENSORED_SYMBOL,
    STATUS_ORDER,
    STOP_THRESHOLDS,
    converter,
    figure_json,
    marker_figure,
    marker_figure_dict,
    sparkline_figure,
    sparkline_figure_dict,
    visible_thresholds,
)
from dashboard.selectors import Change, Point
from labs.analytes import ANALYTES, SEED_RULE_SET, WITHIN_LIMITS_RULE_SET, status, target
from labs.units import UnknownUnit, from_canonical

D = dt.date
SEED = SEED_RULE_SET


def vitd_series():
    return [
        Point(D(2025, 1, 10), 18.0, "Quest"),
        Point(D(2025, 4, 10), 33.5, "LabCorp"),
        Point(D(2025, 7, 10), 47.2, ""),
        Point(D(2025, 10, 10), 65.0, "Quest"),
    ]


def shapes(fig, name):
    return [shape for shape in fig.layout.shapes if shape.name == name]


def annotations(fig, name):
    return [note for note in fig.layout.annotations if note.name == name]


@pytest.mark.parametrize("unit", ["ng/mL", "nmol/L"])
def test_plotted_values_are_the_canonical_values_in_the_chosen_unit(unit):
    series = vitd_series()
    fig = marker_figure(series, analyte="vitd_25oh", unit=unit, rule_set=SEED)
    trace = fig.data[0]
    assert list(trace.y) == [from_canonical("vitd_25oh", p.canonical_value, unit) for p in series]
    assert list(trace.x) == [p.drawn_on.isoformat() for p in series]
    assert fig.layout.yaxis.title.text == unit


def test_nmol_values_are_two_point_496_times_ng():
    fig = marker_figure(
        [Point(D(2025, 1, 1), 40.0, "")], analyte="vitd_25oh", unit="nmol/L", rule_set=SEED
    )
    assert fig.data[0].y[0] == pytest.approx(99.84)


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [("vitd_25oh", "ng/mL"), ("vitd_25oh", "nmol/L"), ("mg_rbc", "mmol/L"), ("ca_total", "mmol/L")],
)
@pytest.mark.parametrize("rule_set", [SEED_RULE_SET, WITHIN_LIMITS_RULE_SET])
def test_target_and_reference_bands_sit_at_the_catalogs_numbers(analyte, unit, rule_set):
    entry, aim = ANALYTES[analyte], target(analyte, rule_set)
    fig = marker_figure(
        [Point(D(2025, 1, 1), aim[0], "")], analyte=analyte, unit=unit, rule_set=rule_set
    )
    (band,) = shapes(fig, "target")
    (reference,) = shapes(fig, "reference")
    assert (band.y0, band.y1) == tuple(from_canonical(analyte, v, unit) for v in aim)
    assert (reference.y0, reference.y1) == tuple(
        from_canonical(analyte, v, unit) for v in entry.reference
    )
    assert band.yref == "y" and band.xref == "x domain"


def test_a_marker_without_target_has_only_its_reference_band():
    fig = marker_figure(
        [Point(D(2025, 1, 1), 2.0, "")], analyte="mg_serum", unit="mg/dL", rule_set=SEED
    )
    assert shapes(fig, "target") == []
    assert [(s.y0, s.y1) for s in shapes(fig, "reference")] == [(1.8, 2.3)]


def test_vitamin_d_stop_line_is_at_100_ng_ml_converted():
    fig = marker_figure(vitd_series(), analyte="vitd_25oh", unit="nmol/L", rule_set=SEED)
    (line,) = shapes(fig, "stop")
    assert line.y0 == line.y1 == from_canonical("vitd_25oh", 100.0, "nmol/L") == 249.6
    assert shapes(fig, "urgent") == []  # every value is far below 100


def test_the_urgent_line_appears_once_a_value_passes_the_stop_line():
    series = [*vitd_series(), Point(D(2025, 12, 1), 120.0, "")]
    fig = marker_figure(series, analyte="vitd_25oh", unit="ng/mL", rule_set=SEED)
    assert [s.y0 for s in shapes(fig, "stop")] == [100.0]
    assert [s.y0 for s in shapes(fig, "urgent")] == [150.0]


@pytest.mark.parametrize(
    ("analyte", "unit", "expected"),
    [
        ("ca_total", "mg/dL", 10.5),
        ("ca_total", "mmol/L", from_canonical("ca_total", 10.5, "mmol/L")),
        ("ca_ionized", "mg/dL", 5.3),
        ("ca_ionized", "mmol/L", from_canonical("ca_ionized", 5.3, "mmol/L")),
    ],
)
def test_calcium_stop_lines(analyte, unit, expected):
    fig = marker_figure([Point(D(2025, 1, 1), 9.5, "")], analyte=analyte, unit=unit, rule_set=SEED)
    assert [s.y0 for s in shapes(fig, "stop")] == [expected]


@pytest.mark.parametrize("rule_set", [SEED_RULE_SET, WITHIN_LIMITS_RULE_SET])
def test_threshold_table_matches_the_safety_rules(rule_set):
    lines = STOP_THRESHOLDS[rule_set]
    values = {code: [t.value for t in rows] for code, rows in lines.items()}
    assert values == {"vitd_25oh": [100.0, 150.0], "ca_total": [10.5], "ca_ionized": [5.3]}
    assert all(t.source for rows in lines.values() for t in rows)
    assert visible_thresholds("mg_rbc", [5.0], rule_set=rule_set) == []


def test_points_are_coloured_by_status():
    series = vitd_series()
    trace = marker_figure(series, analyte="vitd_25oh", unit="ng/mL", rule_set=SEED).data[0]
    plotted = [STATUS_ORDER[i] for i in trace.marker.color]
    assert plotted == [
        status(ANALYTES["vitd_25oh"], p.canonical_value, rule_set=SEED) for p in series
    ]
    assert plotted == ["low", "below_target", "in_target", "above_target"]
    colours = dict(trace.marker.colorscale)
    assert colours[0.0] == "#dc3545" and colours[0.4] == "#198754"


def test_hover_shows_value_unit_date_and_escaped_lab():
    series = [Point(D(2025, 1, 1), 40.0, "<b>Lab & Co</b>"), Point(D(2025, 2, 1), 41.0, "")]
    trace = marker_figure(series, analyte="vitd_25oh", unit="nmol/L", rule_set=SEED).data[0]
    assert "nmol/L" in trace.hovertemplate
    assert "%{hovertext}" in trace.hovertemplate and "%{customdata}" in trace.hovertemplate
    assert list(trace.text) == ["100", "102"]  # 40 and 41 ng/mL, as the page writes them
    assert list(trace.hovertext) == ["1 Jan 2025", "1 Feb 2025"]
    assert list(trace.customdata) == ["&lt;b&gt;Lab &amp; Co&lt;/b&gt;", "—"]


def test_hover_writes_numbers_and_dates_the_german_way():
    series = [Point(D(2025, 3, 1), 18.23, "")]
    with translation.override("de"):
        trace = marker_figure(series, analyte="vitd_25oh", unit="ng/mL", rule_set=SEED).data[0]
    assert (list(trace.text), list(trace.hovertext)) == (["18,2"], ["1. März 2025"])


def test_supplement_changes_are_annotated_at_their_dates():
    changes = [
        Change(D(2025, 3, 1), "Magnesium (elemental) 400 mg"),
        Change(D(2025, 3, 1), "Vitamin D3 5000 IU"),
        Change(D(2025, 8, 15), "Vitamin K2 (MK-7) 200 mcg"),
    ]
    fig = marker_figure(
        vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED, supplement_changes=changes
    )
    notes = annotations(fig, "supplement")
    assert [n.x for n in notes] == ["2025-03-01", "2025-08-15"]
    assert "Magnesium" in notes[0].text and "Vitamin D3" in notes[0].text
    assert [s.x0 for s in shapes(fig, "supplement")] == ["2025-03-01", "2025-08-15"]


def test_plan_phases_are_annotated_and_events_before_the_range_are_left_out():
    fig = marker_figure(
        vitd_series(),
        analyte="vitd_25oh",
        unit="ng/mL",
        rule_set=SEED,
        supplement_changes=[Change(D(2024, 1, 1), "old"), Change(D(2025, 6, 1), "new")],
        phase_changes=[Change(D(2025, 2, 1), "correction"), Change(D(2025, 9, 1), "maintenance")],
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
    )
    assert [n.x for n in annotations(fig, "supplement")] == ["2025-06-01"]
    phases = annotations(fig, "phase")
    assert [n.x for n in phases] == ["2025-02-01", "2025-09-01"]
    # labels sit on the inner side of their line near an edge, so they are never cut off
    assert [n.xanchor for n in phases] == ["left", "right"]
    assert "Plan: Maintenance" in phases[1].text  # the plan page's word for the phase
    # the range, with a week (2 % of a year) on each side so edge points show whole
    assert list(fig.layout.xaxis.range) == ["2024-12-25", "2026-01-07"]


def test_symptom_burden_is_a_second_panel_on_the_same_time_axis():
    burden = [(D(2025, 2, 1), 5), (D(2025, 5, 1), 2)]
    fig = marker_figure(
        vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED, burden=burden
    )
    steps = fig.data[1]  # a filled step line: the bundle has the scatter trace only
    assert steps.type == "scatter" and (steps.xaxis, steps.yaxis) == ("x2", "y2")
    assert steps.fill == "tozeroy" and steps.line.shape == "hv"
    assert list(steps.x) == ["2025-02-01", "2025-05-01"] and list(steps.y) == [5, 2]
    assert fig.layout.xaxis.matches == "x2"  # shared_xaxes
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]


@pytest.mark.parametrize("burden", [(), [(D(2025, 2, 1), 0), (D(2025, 3, 1), 0)]])
def test_without_burden_there_is_one_panel(burden):
    fig = marker_figure(
        vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED, burden=burden
    )
    assert len(fig.data) == 1 and "yaxis2" not in fig.to_plotly_json()["layout"]


def test_sparkline_has_the_points_and_the_target_band():
    fig = sparkline_figure(vitd_series(), analyte="vitd_25oh", unit="nmol/L", rule_set=SEED)
    assert list(fig.data[0].y) == [
        from_canonical("vitd_25oh", p.canonical_value, "nmol/L") for p in vitd_series()
    ]
    assert [(s.y0, s.y1) for s in shapes(fig, "target")] == [(99.84, 149.76)]


@pytest.mark.parametrize(
    "fig",
    [
        marker_figure(
            vitd_series(),
            analyte="vitd_25oh",
            unit="nmol/L",
            rule_set=SEED,
            burden=[(D(2025, 2, 1), 3)],
            supplement_changes=[Change(D(2025, 3, 1), "Vitamin D3 5000 IU")],
            phase_changes=[Change(D(2025, 2, 1), "correction")],
            start=D(2025, 1, 1),
            end=D(2025, 12, 31),
        ),
        marker_figure([], analyte="ca_total", unit="mmol/L", rule_set=SEED),
        sparkline_figure(vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED),
    ],
    ids=["full", "empty", "sparkline"],
)
def test_every_property_is_one_plotly_knows(fig):
    # The chart functions skip plotly's validation for speed; validate here instead.
    sent = figure_json(fig)
    rebuilt = go.Figure(sent).to_plotly_json()  # raises ValueError on an unknown property
    assert rebuilt["data"] == sent["data"]
    rebuilt["layout"].pop("template"), sent["layout"].pop("template")
    assert rebuilt["layout"] == sent["layout"]


def test_figure_json_is_small_and_serialisable_for_json_script():
    fig = marker_figure(vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED)
    text = json.dumps(figure_json(fig), cls=DjangoJSONEncoder)
    assert json.loads(text)["data"][0]["y"] == [18.0, 33.5, 47.2, 65.0]
    assert len(text) < 8_000  # no default plotly template (~10 KB) in the page


FULL_OPTIONS = {
    "analyte": "vitd_25oh",
    "unit": "nmol/L",
    "rule_set": SEED,
    "burden": [(D(2025, 2, 1), 3)],
    "supplement_changes": [Change(D(2025, 3, 1), "Vitamin D3 5000 IU")],
    "phase_changes": [Change(D(2025, 2, 1), "correction")],
    "start": D(2025, 1, 1),
    "end": D(2025, 12, 31),
}


def test_the_dict_the_views_send_is_the_figure_the_tests_check():
    # The views skip the plotly objects: what they send must be this very figure, valid.
    sent = marker_figure_dict(vitd_series(), **FULL_OPTIONS)
    assert sent == figure_json(marker_figure(vitd_series(), **FULL_OPTIONS))
    rebuilt = go.Figure(sent).to_plotly_json()  # raises ValueError on an unknown property
    assert rebuilt["data"] == sent["data"]
    small = sparkline_figure_dict(vitd_series(), analyte="vitd_25oh", unit="nmol/L", rule_set=SEED)
    assert small == figure_json(
        sparkline_figure(vitd_series(), analyte="vitd_25oh", unit="nmol/L", rule_set=SEED)
    )


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [("vitd_25oh", "nmol/L"), ("vitd_25oh", "ng/mL"), ("mg_rbc", "mmol/L"), ("ca_total", "mmol/L")],
)
def test_converter_gives_exactly_from_canonical(analyte, unit):
    convert = converter(analyte, unit)
    values = [0.1 * i + 0.037 for i in range(2000)]
    assert [convert(v) for v in values] == [from_canonical(analyte, v, unit) for v in values]


def test_converter_rejects_a_unit_the_analyte_lacks():
    with pytest.raises(UnknownUnit):
        converter("vitd_25oh", "mmol/L")


def test_every_chart_uses_only_the_trace_type_of_the_bundled_plotly():
    """static/vendor/plotly-4.1.1-scatter holds plotly.js core + scatter only: a chart with
    another trace type would stay blank in the browser."""
    burden = [(D(2025, 2, 1), 5), (D(2025, 5, 1), 2)]
    figures = [
        marker_figure_dict(
            vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED, burden=burden
        ),
        sparkline_figure_dict(vitd_series(), analyte="vitd_25oh", unit="ng/mL", rule_set=SEED),
    ]
    assert {trace["type"] for figure in figures for trace in figure["data"]} == {"scatter"}


def test_a_censored_point_is_an_open_marker_at_its_limit():
    series = [Point(D(2025, 1, 1), 10.0, "", "<"), Point(D(2025, 2, 1), 41.0, "")]
    trace = marker_figure(series, analyte="vitd_25oh", unit="ng/mL", rule_set=SEED).data[0]
    assert list(trace.marker.symbol) == [CENSORED_SYMBOL, "circle"]
    assert list(trace.y) == [10.0, 41.0]  # drawn at the limit
    assert list(trace.text) == ["&lt; 10.0", "41.0"] and "%{text}" in trace.hovertemplate


def test_one_result_draws_a_point_in_a_window_of_dates_not_hours():
    fig = marker_figure(
        [Point(D(2025, 11, 19), 30.0, "")], analyte="vitd_25oh", unit="ng/mL", rule_set=SEED
    )
    assert list(fig.layout.xaxis.range) == ["2025-10-05", "2026-01-03"]  # 45 days each side
    assert fig.data[0].mode == "lines+markers" and list(fig.data[0].x) == ["2025-11-19"]
    formats = [stop.value for stop in fig.layout.xaxis.tickformatstops]
    assert formats and not any("%H" in f or "%L" in f or "%S" in f for f in formats)
    spark = sparkline_figure(
        [Point(D(2025, 11, 19), 30.0, "")], analyte="vitd_25oh", unit="ng/mL", rule_set=SEED
    )
    assert list(spark.layout.xaxis.range) == ["2025-10-05", "2026-01-03"]


def test_event_labels_sit_above_the_plot_and_close_ones_take_separate_rows():
    fig = marker_figure(
        vitd_series(),
        analyte="vitd_25oh",
        unit="ng/mL",
        rule_set=SEED,
        supplement_changes=[Change(D(2025, 3, 1), "Vitamin D3 5000 IU")],
        phase_changes=[Change(D(2025, 3, 8), "correction"), Change(D(2025, 12, 1), "maintenance")],
    )
    events = [*annotations(fig, "supplement"), *annotations(fig, "phase")]
    # above the plot area: never over the points, the bands or a stop line
    assert all((n.yref, n.y, n.yanchor) == ("paper", 1, "bottom") for n in events)
    by_x = {n.x: n.yshift for n in events}
    assert by_x["2025-03-01"] != by_x["2025-03-08"]  # a week apart: one row each
    assert by_x["2025-12-01"] == by_x["2025-03-01"]  # far apart: the same row
    assert fig.layout.margin.t == 28 + 2 * 15  # the top margin makes room for two rows
