"""An overdue retest keeps its original date: reminders do not restart, the dashboard says so."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.dates import person_today
from labs.services import panel_create, symptom_checkin
from protocols.engine import Measurement, Snapshot, compute_plan
from protocols.models import Reminder
from protocols.services import plan_refresh

State = Reminder.State


def test_the_engine_keeps_the_date_an_overdue_retest_was_due():
    drawn = dt.date(2026, 1, 5)
    snapshot = Snapshot(
        as_of=dt.date(2026, 6, 1),
        results={"vitd_25oh": [Measurement(22, "ng/mL", drawn)]},
    )
    retest = compute_plan(snapshot).to_dict()["retest"]
    assert retest["overdue"] is True
    assert retest["due_on"] == "2026-06-02"  # still in the future of as_of
    assert retest["overdue_since"] == "2026-03-02"  # 8 weeks after the draw


def overdue_panel(user):
    drawn = person_today(user) - dt.timedelta(days=200)
    panel_create(
        user=user, drawn_on=drawn, lab="", fasting=None, notes="",
        results=[("vitd_25oh", 22, "ng/mL"), ("mg_rbc", 4.2, "mg/dL")],
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_plan_recomputed_while_overdue_does_not_restart_the_reminder(user):
    overdue_panel(user)
    reminder = Reminder.objects.get(user=user)
    due_on = reminder.due_on
    assert due_on < person_today(user)
    Reminder.objects.filter(pk=reminder.pk).update(state=State.SENT)

    symptom_checkin(user=user, recorded_on=person_today(user), scores={"fatigue": 2}, note="")

    reminder.refresh_from_db()
    assert (reminder.state, reminder.due_on) == (State.SENT, due_on)
    assert Reminder.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_an_overdue_retest_as_overdue_with_reminders_off(client, user):
    user.reminders_enabled = False
    user.save()
    overdue_panel(user)
    plan_refresh(user)
    client.force_login(user)
    html = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="retest-overdue"' in html
