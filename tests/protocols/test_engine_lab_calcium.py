"""CLINICAL.md §5: the calcium warning starts at the lab's printed upper limit (default 10.2
mg/dL) and ends at the stop line (10.5), through the pure engine and the stored snapshot."""

from datetime import date

import pytest

from labs import services
from labs.validation import ReferenceRange
from protocols.engine import compute_plan
from protocols.engine.snapshot import Measurement
from protocols.services import snapshot_for_user
from tests.protocols.test_engine import DRAWN, snap


def ca(value: float, lab_high: float | None = None, **extra) -> tuple[str, Measurement]:
    return "ca_total", Measurement(value, "mg/dL", DRAWN, lab_high=lab_high, **extra)


def calcium_alert(plan) -> str | None:
    codes = [(a.code, a.level) for a in plan.alerts if a.code == "hypercalcemia"]
    return codes[0][1] if codes else None


@pytest.mark.parametrize(
    ("value", "lab_high", "level"),
    [
        pytest.param(10.1, None, None, id="default-10.2-below"),
        pytest.param(10.3, None, "warning", id="default-10.2-above"),
        pytest.param(10.1, 10.0, "warning", id="lab-10.0-warns-earlier"),
        pytest.param(10.0, 10.0, None, id="lab-10.0-at-the-limit"),
        pytest.param(10.3, 10.4, None, id="lab-10.4-inside-its-range"),
        pytest.param(10.45, 10.4, "warning", id="lab-10.4-above"),
        pytest.param(10.4, 10.5, None, id="lab-10.5-no-warning-band"),
        pytest.param(10.6, 10.8, "stop", id="stop-line-never-moves"),
        pytest.param(10.6, 10.0, "stop", id="stop-above-10.5"),
    ],
)
def test_the_warning_line_starts_at_the_labs_upper_limit(value, lab_high, level):
    assert calcium_alert(compute_plan(snap(ca(value, lab_high)))) == level


def test_the_plan_says_which_upper_limit_it_used_and_rates_the_marker_alike():
    plan = compute_plan(snap(ca(10.1, 10.0)))
    assert "the lab's upper limit is 10 mg/dL" in plan.calcium["text"]
    assert plan.markers["ca_total"].tier == "borderline"


def test_the_labs_limit_applies_to_the_albumin_corrected_value():
    # total 9.8 with albumin 3.5 → corrected 10.2 mg/dL: above a lab limit of 10.1
    albumin = ("albumin", Measurement(3.5, "g/dL", DRAWN))
    plan = compute_plan(snap(ca(9.8, 10.1), albumin))
    assert plan.calcium["basis"] == "corrected"
    assert calcium_alert(plan) == "warning"


@pytest.mark.django_db
def test_the_stored_labs_range_reaches_the_engine_through_the_snapshot(user):
    calcium = services.ResultInput(
        "ca_total", 2.53, "mmol/L", reference=ReferenceRange(2.15, 2.5)
    )  # 10.14 mg/dL, above the lab's 2.5 mmol/L = 10.02 mg/dL, below the default 10.2
    services.panel_create(user=user, drawn_on=date(2025, 6, 1), results=[calcium])
    snapshot = snapshot_for_user(user, as_of=date(2025, 6, 10))
    (measurement,) = snapshot.results["ca_total"]
    assert measurement.lab_high == pytest.approx(2.5 / 0.2495)
    assert calcium_alert(compute_plan(snapshot)) == "warning"


@pytest.mark.django_db
def test_without_a_printed_range_the_stored_value_uses_the_default(user):
    services.panel_create(
        user=user, drawn_on=date(2025, 6, 1), results=[("ca_total", 2.53, "mmol/L")]
    )
    assert calcium_alert(compute_plan(snapshot_for_user(user, as_of=date(2025, 6, 10)))) is None


def test_the_plan_carries_the_printed_range_only_when_there_is_one():
    printed = compute_plan(snap(ca(10.1, 10.0, lab_low=8.6))).to_dict()["markers"]["ca_total"]
    assert printed["lab_range"] == [8.6, 10.0]
    plain = compute_plan(snap(ca(10.1))).to_dict()["markers"]["ca_total"]
    assert "lab_range" not in plain  # plans of results without one keep their JSON


@pytest.mark.django_db
def test_the_plan_page_shows_the_labs_range_beside_the_value(client, user):
    calcium = services.ResultInput("ca_total", 10.1, "mg/dL", reference=ReferenceRange(8.6, 10.0))
    services.panel_create(user=user, drawn_on=date.today(), results=[calcium])
    client.force_login(user)
    page = client.get("/plan/").content.decode()
    assert "lab&#x27;s range 8.6–10.0 mg/dL" in page or "lab's range 8.6–10.0 mg/dL" in page
