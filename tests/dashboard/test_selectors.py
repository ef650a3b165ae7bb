import datetime as dt

import pytest
from django.utils import translation

from dashboard import selectors
from tests.factories import IntakeFactory, PlanFactory, ResultFactory, add_symptoms

pytestmark = pytest.mark.django_db
D = dt.date


def test_latest_results_pairs_the_newest_two_draws_of_each_analyte(user, other_user):
    for on, value in ((D(2025, 5, 1), 30), (D(2025, 1, 1), 20), (D(2025, 9, 1), 45)):
        ResultFactory(
            panel__user=user, panel__drawn_on=on, analyte="vitd_25oh", value=value, unit="ng/mL"
        )
    ResultFactory(
        panel__user=user, panel__drawn_on=D(2025, 2, 1), analyte="mg_rbc", value=5.0, unit="mg/dL"
    )
    ResultFactory(
        panel__user=other_user,
        panel__drawn_on=D(2026, 1, 1),
        analyte="vitd_25oh",
        value=99,
        unit="ng/mL",
    )
    vitd, mg = selectors.latest_results(user=user)
    assert (vitd.analyte, vitd.current.canonical_value, vitd.previous.canonical_value) == (
        "vitd_25oh",
        45.0,
        30.0,
    )
    assert (mg.analyte, mg.previous) == ("mg_rbc", None)


def test_series_are_oldest_first_and_filtered_by_date(user):
    for on in (D(2025, 5, 1), D(2024, 1, 1), D(2025, 9, 1)):
        ResultFactory(
            panel__user=user,
            panel__drawn_on=on,
            analyte="vitd_25oh",
            value=30,
            unit="ng/mL",
            panel__lab="L",
        )
    full = selectors.result_series(user=user, analyte="vitd_25oh")
    assert [p.drawn_on for p in full] == [D(2024, 1, 1), D(2025, 5, 1), D(2025, 9, 1)]
    assert full[0].lab == "L"
    recent = selectors.result_series(user=user, analyte="vitd_25oh", since=D(2025, 1, 1))
    assert len(recent) == 2
    last = selectors.recent_series(user=user, analyte="vitd_25oh", limit=2)
    assert [p.drawn_on for p in last] == [D(2025, 5, 1), D(2025, 9, 1)]


def test_symptom_burden_sums_severities_per_day(user, other_user):
    add_symptoms(
        user,
        [
            (D(2025, 1, 1), "fatigue", 2),
            (D(2025, 1, 1), "insomnia", 3),
            (D(2025, 1, 5), "fatigue", 1),
        ],
    )
    add_symptoms(other_user, [(D(2025, 1, 1), "fatigue", 3)])
    assert selectors.symptom_burden(user=user) == [(D(2025, 1, 1), 5), (D(2025, 1, 5), 1)]
    assert selectors.symptom_burden(user=user, since=D(2025, 1, 2)) == [(D(2025, 1, 5), 1)]


def test_supplement_changes_are_dated_and_labelled(user):
    IntakeFactory(user=user, nutrient="magnesium", amount=400, unit="mg", since=D(2025, 3, 1))
    (change,) = selectors.supplement_changes(user=user)
    assert change.on == D(2025, 3, 1) and change.label == "Magnesium (elemental) 400 mg"


def made(plan, day, hour=12):
    """Store the plan as made at `hour` on `day` (created_at is set on insert)."""
    when = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    type(plan).objects.filter(pk=plan.pk).update(created_at=when)


def test_phase_changes_keep_only_the_plans_that_changed_phase(user):
    phases = ("correction", "correction", "maintenance", "maintenance", "correction")
    for n, phase in enumerate(phases):
        made(PlanFactory(user=user, phase=phase), D(2025, 1, 1) + dt.timedelta(days=30 * n))
    assert [(c.on, c.label) for c in selectors.phase_changes(user=user)] == [
        (D(2025, 1, 1), "correction"),
        (D(2025, 3, 2), "maintenance"),
        (D(2025, 5, 1), "correction"),
    ]


def test_a_day_of_profile_edits_that_ends_where_it_began_is_no_phase_change(user):
    made(PlanFactory(user=user, phase="correction"), D(2025, 1, 1))
    for hour, phase in enumerate(("hold", "correction", "hold", "correction")):  # flag edits
        made(PlanFactory(user=user, phase=phase), D(2025, 2, 1), hour=9 + hour)
    made(PlanFactory(user=user, phase="maintenance"), D(2025, 4, 1))
    assert [c.label for c in selectors.phase_changes(user=user)] == ["correction", "maintenance"]


def test_supplement_change_labels_write_amounts_in_the_pages_number_format(user):
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=4000, unit="IU", since=D(2025, 3, 1))
    with translation.override("de"):
        (german,) = selectors.supplement_changes(user=user)
    (english,) = selectors.supplement_changes(user=user)
    assert german.label.endswith(" 4.000 IE") and english.label.endswith(" 4,000 IU")
