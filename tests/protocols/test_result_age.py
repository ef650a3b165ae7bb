"""A result too old to describe the person no longer counts for the plan (RESULT_MAX_AGE_DAYS)."""

from datetime import timedelta

from protocols.engine import compute_plan
from protocols.rules import RESULT_MAX_AGE_DAYS
from tests.protocols.test_engine import AS_OF, m, snap


def test_a_result_older_than_its_max_age_is_left_out_of_the_plan():
    fresh = AS_OF - timedelta(days=RESULT_MAX_AGE_DAYS["vitd_25oh"])
    stale = AS_OF - timedelta(days=RESULT_MAX_AGE_DAYS["mg_serum"] + 1)
    plan = compute_plan(snap(m("vitd_25oh", 45, fresh), m("mg_serum", 1.9, stale)))
    assert set(plan.to_dict()["markers"]) == {"vitd_25oh"}


def test_with_only_stale_results_there_is_nothing_to_plan_from():
    old = AS_OF - timedelta(days=800)
    plan = compute_plan(snap(m("vitd_25oh", 16, old), m("mg_rbc", 3.9, old)))
    assert plan.to_dict()["phase"] == "insufficient_data"


def test_every_analyte_has_a_max_age_of_at_most_a_year():
    from labs.analytes import ANALYTES

    assert set(RESULT_MAX_AGE_DAYS) == set(ANALYTES)
    assert all(0 < days <= 365 for days in RESULT_MAX_AGE_DAYS.values())
