"""The lab's printed range is drawn on the marker's chart (the catalog's otherwise), listed
in the trends table, and shown beside the value on the panel page, in the person's unit."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.charts import lab_reference, marker_figure_dict
from dashboard.selectors import Point
from labs import services
from labs.analytes import ANALYTES, SEED_RULE_SET
from labs.validation import ReferenceRange
from tests.dashboard.test_views import HX, TRENDS, figure_from

D = dt.date


def band(figure, name):
    return [(s["y0"], s["y1"]) for s in figure["layout"]["shapes"] if s["name"] == name]


def test_the_newest_printed_range_is_the_reference_band_in_the_charts_unit():
    series = [
        Point(D(2025, 1, 10), 18.0, "Quest", ref_low=20.0, ref_high=50.0),
        Point(D(2025, 4, 10), 33.5, "LabCorp", ref_low=30.0, ref_high=100.0),
        Point(D(2025, 7, 10), 47.2, ""),  # this lab printed none
    ]
    figure = marker_figure_dict(series, analyte="vitd_25oh", unit="nmol/L", rule_set=SEED_RULE_SET)
    assert band(figure, "lab-reference") == [(pytest.approx(74.88), pytest.approx(249.6))]
    assert band(figure, "reference") == []  # the catalog's band gives way
    assert band(figure, "target")  # the plan's target stays


def test_without_a_printed_range_the_catalog_band_is_drawn():
    series = [Point(D(2025, 1, 10), 18.0, "Quest")]
    figure = marker_figure_dict(series, analyte="vitd_25oh", unit="ng/mL", rule_set=SEED_RULE_SET)
    assert band(figure, "reference") == [ANALYTES["vitd_25oh"].reference]
    assert band(figure, "lab-reference") == []


def test_an_upper_limit_only_reads_as_a_band_from_zero():
    assert lab_reference([Point(D(2025, 1, 1), 3.0, "", ref_high=5.0)]) == (0.0, 5.0)
    assert lab_reference([Point(D(2025, 1, 1), 50.0, "", ref_low=40.0)]) is None


@pytest.fixture
def calcium_panel(user):
    today = timezone.localdate()
    row = services.ResultInput("ca_total", 2.6, "mmol/L", reference=ReferenceRange(2.15, 2.55))
    return services.panel_create(user=user, drawn_on=today - dt.timedelta(days=3), results=[row])


@pytest.mark.django_db
def test_the_trends_page_draws_and_lists_the_labs_range(client, user, calcium_panel):
    client.force_login(user)
    html = client.get(TRENDS + "?analyte=ca_total", **HX).content.decode()
    figure = figure_from(html, "trend-figure")
    ((low, high),) = band(figure, "lab-reference")
    assert (low, high) == (pytest.approx(2.15 / 0.2495), pytest.approx(2.55 / 0.2495))
    assert "8.6–10.2 mg/dL" in html  # the table, in the person's unit (mg/dL)
    assert "your lab printed" in html
    assert 'class="badge text-bg-warning">H<' in html  # 2.6 > 2.55: above the lab's range


@pytest.mark.django_db
def test_the_panel_page_shows_the_range_beside_the_value(client, user, calcium_panel):
    client.force_login(user)
    html = client.get(reverse("labs:panel-detail", args=[calcium_panel.pk])).content.decode()
    assert "Lab&#x27;s range" in html or "Lab's range" in html
    assert "8.6–10.2 mg/dL" in html
    assert 'data-testid="lab-flag"' in html
