"""The demo history tells the deficiency → correction → maintenance story, and reloads cleanly."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from accounts.demo import load_demo_history
from labs.analytes import ANALYTES, status
from labs.models import LifeEvent, Panel, Result, SymptomEntry
from protocols.models import HealthProfile, Plan, SupplementIntake

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def series(user, code):
    return list(
        Result.objects.filter(user=user, analyte=code)
        .order_by("drawn_on")
        .values_list("drawn_on", "canonical_value")
    )


def test_it_starts_deficient_and_ends_in_target(user):
    load_demo_history(user, TODAY)
    vitd, mg, pth = (series(user, c) for c in ("vitd_25oh", "mg_rbc", "pth_intact"))
    assert vitd[0] == (TODAY - dt.timedelta(days=730), 16.0)
    assert mg[0][1] == 3.9
    assert status(ANALYTES["pth_intact"], pth[0][1], rule_set=user.rule_set) == "high"
    assert vitd[1][0] - vitd[0][0] == dt.timedelta(weeks=12)
    for code, values in (("vitd_25oh", vitd), ("mg_rbc", mg)):
        assert status(ANALYTES[code], values[-1][1], rule_set=user.rule_set) == "in_target"
    gaps = [(b[0] - a[0]).days for a, b in zip(vitd[1:], vitd[2:], strict=False)]
    assert all(150 <= gap <= 200 for gap in gaps)


def test_symptoms_fade(user):
    load_demo_history(user, TODAY)
    days = sorted({e.recorded_on for e in SymptomEntry.objects.filter(user=user)})
    first = dict(SymptomEntry.objects.filter(user=user, recorded_on=days[0])
                 .values_list("symptom", "severity"))  # fmt: skip
    last = SymptomEntry.objects.filter(user=user, recorded_on=days[-1])
    assert first["muscle_cramps"] >= 2 and first["insomnia"] >= 2 and first["fatigue"] >= 2
    assert all(entry.severity == 0 for entry in last)
    assert days[-1] <= TODAY


def test_it_comes_with_a_profile_supplements_and_a_life_event(user):
    load_demo_history(user, TODAY)
    assert HealthProfile.objects.get(user=user).goal == "sleep"
    assert set(SupplementIntake.objects.filter(user=user).values_list("nutrient", flat=True)) == {
        "vitamin_d3", "magnesium", "vitamin_k2_mk7",
    }  # fmt: skip
    assert LifeEvent.objects.filter(user=user).count() == 1


def test_reloading_replaces_rather_than_adds(user, other_user):
    Panel.objects.create(user=other_user, drawn_on=TODAY)
    first = load_demo_history(user, TODAY)
    second = load_demo_history(user, TODAY + dt.timedelta(days=1))
    assert first == second
    assert Result.objects.filter(user=user).count() == first["results"]
    assert SymptomEntry.objects.filter(user=user).count() == first["symptoms"]
    assert Panel.objects.filter(user=other_user).count() == 1


def test_the_demo_account_command_loads_the_history(django_capture_on_commit_callbacks):
    from accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_account", stdout=io.StringIO())
    user = User.objects.get(email="demo@cofactor.local")
    assert Panel.objects.filter(user=user).count() == 5
    assert Plan.objects.filter(user=user).exists()  # data_changed reached the plan


def test_the_history_is_replayed_with_the_plan_of_each_day(
    user, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from dashboard.selectors import phase_changes
    from protocols.models import Reminder

    today = timezone.localdate()
    start = today - dt.timedelta(days=730)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_history(user, today)
    plans = list(Plan.objects.filter(user=user).order_by("created_at"))
    made = [(timezone.localdate(p.created_at), p.phase) for p in plans]
    assert made[0] == (start, "correction")  # the first draw: deficient
    assert (start + dt.timedelta(weeks=12), "maintenance") in made  # the 12-week retest
    assert [(c.on, c.label) for c in phase_changes(user=user)] == [
        (start, "correction"),
        (start + dt.timedelta(weeks=12), "maintenance"),
    ]
    # the person followed the correction plan, then the maintenance one
    assert plans[1].inputs["taking"] != plans[0].inputs["taking"]
    current = plans[-1]
    assert current.as_of == today
    # two-year-old serum magnesium and albumin no longer count for today's plan
    assert "mg_serum" not in current.data["markers"] and "albumin" not in current.data["markers"]
    assert "vitd_25oh" in current.data["markers"]
    reminder = Reminder.objects.get(user=user, state__in=Reminder.OPEN_STATES)
    assert reminder.due_on == current.retest_due_on > today
