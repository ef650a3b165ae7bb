"""protocols.services: the snapshot read from the database, stored plans, refresh scheduling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.dates import person_today
from labs.models import LifeEvent, Panel, Result, SymptomEntry
from labs.services import panel_create
from labs.signals import data_changed
from labs.units import to_canonical
from protocols.engine import Intake, Measurement, compute_plan
from protocols.models import HealthProfile, Plan, SupplementIntake
from protocols.services import (
    inputs_digest,
    plan_refresh,
    plan_refresh_if_stale,
    snapshot_for_user,
    snapshot_to_dict,
)
from protocols.signals import plan_created

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 5)


def panel_with(user, drawn_on: date, **values: tuple[float, str] | float) -> Panel:
    """A panel written straight to the tables (no signal): values as code=(value, unit)."""
    panel = Panel.objects.create(user=user, drawn_on=drawn_on)
    for code, spec in values.items():
        value, unit = spec if isinstance(spec, tuple) else (spec, None)
        unit = unit or {"vitd_25oh": "ng/mL", "egfr": "mL/min/1.73m2"}.get(code, "mg/dL")
        Result.objects.create(
            panel=panel,
            user=user,
            drawn_on=drawn_on,
            analyte=code,
            value=value,
            unit=unit,
            canonical_value=to_canonical(code, value, unit),
        )
    return panel


def refresh_hooks(callbacks) -> list:
    """The plan-refresh hooks among captured on_commit callbacks."""
    return [
        c for c in callbacks if c.__qualname__.endswith("plan_refresh_on_commit.<locals>.refresh")
    ]


@pytest.fixture
def signals_sent():
    sent = []

    def listener(sender, plan, previous, **kwargs):
        sent.append((plan, previous))

    plan_created.connect(listener, dispatch_uid="test-plan-created")
    yield sent
    plan_created.disconnect(dispatch_uid="test-plan-created")


# --- snapshot ----------------------------------------------------------------------------


def test_snapshot_holds_latest_and_previous_results_in_canonical_units(user):
    panel_with(user, date(2025, 6, 1), vitd_25oh=15)
    panel_with(user, date(2025, 9, 1), vitd_25oh=(50, "nmol/L"), mg_rbc=(1.7, "mmol/L"))
    panel_with(user, date(2026, 1, 10), vitd_25oh=31)
    panel_with(user, date(2026, 4, 1), vitd_25oh=45)  # after as_of: not yet drawn
    snapshot = snapshot_for_user(user, as_of=AS_OF)
    assert snapshot.as_of == AS_OF
    assert snapshot.results["vitd_25oh"] == [
        Measurement(to_canonical("vitd_25oh", 50, "nmol/L"), "ng/mL", date(2025, 9, 1)),
        Measurement(31.0, "ng/mL", date(2026, 1, 10)),
    ]
    (mg,) = snapshot.results["mg_rbc"]
    assert mg.unit == "mg/dL" and mg.value == pytest.approx(1.7 / 0.4114)


def test_snapshot_keeps_latest_severity_of_the_last_30_days(user):
    entries = [
        (AS_OF - timedelta(days=40), "anxiety", 3),  # too old
        (AS_OF - timedelta(days=20), "muscle_cramps", 3),
        (AS_OF - timedelta(days=2), "muscle_cramps", 1),
        (AS_OF, "fatigue", 2),
        (AS_OF + timedelta(days=1), "insomnia", 3),  # after as_of
    ]
    for recorded_on, symptom, severity in entries:
        SymptomEntry.objects.create(
            user=user, recorded_on=recorded_on, symptom=symptom, severity=severity
        )
    assert snapshot_for_user(user, as_of=AS_OF).symptoms == {"fatigue": 2, "muscle_cramps": 1}


def test_snapshot_keeps_the_latest_severity_of_30_to_90_days_ago_as_previous(user, other_user):
    entries = [
        (AS_OF - timedelta(days=95), "insomnia", 3),  # older than 90 days
        (AS_OF - timedelta(days=89), "muscle_cramps", 3),
        (AS_OF - timedelta(days=40), "muscle_cramps", 1),
        (AS_OF - timedelta(days=30), "fatigue", 0),  # day 30 still belongs to 'before'
        (AS_OF - timedelta(days=29), "fatigue", 2),
        (AS_OF - timedelta(days=5), "muscle_cramps", 3),
    ]
    for recorded_on, symptom, severity in entries:
        SymptomEntry.objects.create(
            user=user, recorded_on=recorded_on, symptom=symptom, severity=severity
        )
    SymptomEntry.objects.create(
        user=other_user, recorded_on=AS_OF - timedelta(days=50), symptom="anxiety", severity=3
    )
    snapshot = snapshot_for_user(user, as_of=AS_OF)
    assert snapshot.symptoms == {"fatigue": 2, "muscle_cramps": 3}
    assert snapshot.previous_symptoms == {"fatigue": 0, "muscle_cramps": 1}
    assert compute_plan(snapshot).retest is None  # no results, yet...
    assert "symptoms_worsening" in compute_plan(snapshot).alert_codes()


def test_worsening_symptoms_bring_the_stored_plan_retest_forward(user):
    panel_with(user, date(2026, 3, 2), vitd_25oh=45, mg_rbc=6.0)
    SymptomEntry.objects.create(
        user=user, recorded_on=AS_OF - timedelta(days=60), symptom="muscle_cramps", severity=0
    )
    calm = plan_refresh(user, as_of=AS_OF)
    assert calm.retest_due_on == date(2026, 9, 2)
    assert "previous_symptoms" in calm.inputs
    SymptomEntry.objects.create(user=user, recorded_on=AS_OF, symptom="muscle_cramps", severity=3)
    worse = plan_refresh(user, as_of=AS_OF)
    assert worse.pk != calm.pk
    assert worse.retest_due_on == AS_OF + timedelta(weeks=4)
    assert worse.data["retest"]["rule"] == "retest.symptoms_worsening"
    assert "symptoms_worsening" in [a["code"] for a in worse.data["alerts"]]


def test_inputs_without_an_earlier_check_in_keep_their_old_shape(user):
    """No previous_symptoms key: digests of plans stored before it existed stay valid."""
    assert "previous_symptoms" not in snapshot_to_dict(snapshot_for_user(user, as_of=AS_OF))


def test_snapshot_reads_profile_supplements_events_and_rule_set(user, other_user):
    HealthProfile.objects.create(
        user=user, birth_year=2012, flags=["kidney_stones"], goal="sleep", sex="female"
    )
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=200, unit="mg")
    SupplementIntake.objects.create(user=other_user, nutrient="calcium", amount=500, unit="mg")
    LifeEvent.objects.create(user=user, kind="illness", occurred_on=date(2026, 2, 1))
    user.rule_set = "within-limits"
    snapshot = snapshot_for_user(user, as_of=AS_OF)
    assert snapshot.flags == frozenset({"kidney_stones", "under_18"})  # born 2012: a minor
    assert snapshot.goal == "sleep"
    assert list(snapshot.taking) == [
        Intake("magnesium", 200, "mg"),
        Intake("vitamin_d3", 5000, "IU"),
    ]
    assert list(snapshot.life_events) == [("illness", date(2026, 2, 1))]
    assert snapshot.rules == "within-limits"


def test_snapshot_of_a_new_account_is_empty(user):
    snapshot = snapshot_for_user(user, as_of=AS_OF)
    assert (snapshot.results, snapshot.symptoms, snapshot.taking) == ({}, {}, ())
    assert snapshot.flags == frozenset() and snapshot.goal is None


def _count_snapshot_queries(user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        snapshot_for_user(user, as_of=AS_OF)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("panels", [5, 50])
def test_snapshot_reads_in_a_constant_number_of_queries(user, panels, django_assert_num_queries):
    HealthProfile.objects.create(user=user, flags=["pregnant"])
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=2000, unit="IU")
    for i in range(panels):
        drawn_on = AS_OF - timedelta(days=7 * i)
        panel_with(user, drawn_on, vitd_25oh=20 + i % 30, mg_rbc=4 + (i % 5) / 5, ca_total=9.5)
        SymptomEntry.objects.create(user=user, recorded_on=drawn_on, symptom="fatigue", severity=1)
        LifeEvent.objects.create(user=user, kind="illness", occurred_on=drawn_on)
    with django_assert_num_queries(5):
        snapshot = snapshot_for_user(user, as_of=AS_OF)
    assert len(snapshot.results["vitd_25oh"]) == 2


# --- refresh -----------------------------------------------------------------------------


def test_refresh_stores_a_plan_with_its_inputs_and_sends_plan_created(user, signals_sent):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22, mg_rbc=4.2)
    plan = plan_refresh(user, as_of=AS_OF)
    assert (plan.phase, plan.rule_set, plan.as_of) == ("correction", "seed", AS_OF)
    assert plan.data["phase"] == "correction" and plan.rules_version == plan.data["rules_version"]
    assert plan.retest_due_on == date.fromisoformat(plan.data["retest"]["due_on"])
    assert plan.inputs == snapshot_to_dict(snapshot_for_user(user, as_of=AS_OF))
    assert plan.inputs_digest == inputs_digest(plan.inputs, rules_version=plan.rules_version)
    assert signals_sent == [(plan, None)]


def test_refresh_stores_a_new_plan_only_when_inputs_change(user, signals_sent):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22, mg_rbc=4.2)
    first = plan_refresh(user, as_of=AS_OF)
    assert plan_refresh(user, as_of=AS_OF) == first
    assert Plan.objects.filter(user=user).count() == 1

    SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
    second = plan_refresh(user, as_of=AS_OF)
    assert second != first and Plan.objects.filter(user=user).count() == 2
    assert signals_sent == [(first, None), (second, first)]


def test_a_new_day_moves_the_latest_plan_instead_of_adding_one(user, signals_sent):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22, mg_rbc=4.2)
    first = plan_refresh(user, as_of=AS_OF)
    moved = plan_refresh(user, as_of=AS_OF + timedelta(days=3))
    assert moved.pk == first.pk and Plan.objects.filter(user=user).count() == 1
    moved.refresh_from_db()
    assert moved.as_of == AS_OF + timedelta(days=3)
    assert moved.data["as_of"] == "2026-03-08"
    assert len(signals_sent) == 1


def test_a_rule_set_change_makes_a_new_plan(user):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22)
    plan_refresh(user, as_of=AS_OF)
    user.rule_set = "within-limits"
    plan = plan_refresh(user, as_of=AS_OF)
    assert plan.rule_set == "within-limits" and Plan.objects.filter(user=user).count() == 2


def test_plan_refresh_if_stale_refreshes_when_missing_or_stale_and_reads_one_row_otherwise(
    user, django_assert_num_queries
):
    panel_with(user, person_today(user) - timedelta(days=3), vitd_25oh=22)
    plan = plan_refresh_if_stale(user)
    assert plan.as_of == person_today(user)
    with django_assert_num_queries(1):
        assert plan_refresh_if_stale(user) == plan
    Plan.objects.filter(pk=plan.pk).update(as_of=plan.as_of - timedelta(days=1))
    assert plan_refresh_if_stale(user).as_of == person_today(user)
    assert Plan.objects.filter(user=user).count() == 1


# --- receivers: one refresh per transaction ---------------------------------------------


def test_data_changed_schedules_one_refresh_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        panel_create(user=user, drawn_on=date(2026, 3, 2), results=[("vitd_25oh", 22, "ng/mL")])
    assert len(refresh_hooks(callbacks)) == 1
    plan = Plan.objects.get(user=user)
    assert plan.data["markers"]["vitd_25oh"]["value"] == 22


def test_many_writes_in_one_transaction_refresh_once(
    user, django_capture_on_commit_callbacks, signals_sent
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        panel_with(user, date(2026, 3, 2), vitd_25oh=22, mg_rbc=4.2)
        data_changed.send(sender=Panel, user=user, kind="results")
        HealthProfile.objects.create(user=user, goal="energy")
        SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
        SupplementIntake.objects.create(user=user, nutrient="calcium", amount=500, unit="mg")
        SupplementIntake.objects.filter(nutrient="calcium").get().delete()
        data_changed.send(sender=SymptomEntry, user=user, kind="symptoms")
    assert len(refresh_hooks(callbacks)) == 1
    assert len(signals_sent) == 1
    plan = Plan.objects.get(user=user)
    assert plan.inputs["goal"] == "energy"
    assert plan.inputs["taking"] == [{"nutrient": "vitamin_d3", "amount": 5000.0, "unit": "IU"}]


def test_profile_and_supplement_changes_each_refresh(user, django_capture_on_commit_callbacks):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22, mg_rbc=4.2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        HealthProfile.objects.create(user=user, flags=["anticoagulant"])
    assert len(refresh_hooks(callbacks)) == 1
    assert "anticoagulant_k2" in [a["code"] for a in Plan.objects.latest().data["alerts"]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
    assert len(refresh_hooks(callbacks)) == 1
    assert Plan.objects.latest().inputs["taking"][0]["nutrient"] == "magnesium"
    assert Plan.objects.filter(user=user).count() == 2


def test_a_rolled_back_transaction_does_not_block_the_next_refresh(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                HealthProfile.objects.create(user=user, goal="bone")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
    assert len(refresh_hooks(callbacks)) == 1
    assert Plan.objects.filter(user=user).count() == 1


def test_rule_set_change_refreshes_but_a_login_does_not(user, django_capture_on_commit_callbacks):
    panel_with(user, date(2026, 3, 2), vitd_25oh=22)
    plan_refresh(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user.save(update_fields=["last_login"])
        user.save()  # nothing the plan reads changed
    assert refresh_hooks(callbacks) == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user.rule_set = "within-limits"
        user.save(update_fields=["rule_set"])
    assert len(refresh_hooks(callbacks)) == 1
    assert Plan.objects.latest().rule_set == "within-limits"


def test_deleting_the_account_leaves_no_refresh_behind(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
        user.delete()  # the refresh the supplement scheduled finds no account and stops
    assert len(refresh_hooks(callbacks)) == 1
    assert not Plan.objects.exists()


def test_plan_refresh_if_stale_follows_a_new_rule_set_or_rules_version(user):
    panel_with(user, person_today(user) - timedelta(days=3), vitd_25oh=22)
    plan = plan_refresh_if_stale(user)
    # A plan made by an older release: its version and digest differ from today's.
    Plan.objects.filter(pk=plan.pk).update(rules_version="seed-1999.1", inputs_digest="old")
    assert plan_refresh_if_stale(user).rules_version == plan.rules_version
    user.rule_set = "within-limits"  # saved without signals, e.g. by a bulk update
    assert plan_refresh_if_stale(user).rule_set == "within-limits"
