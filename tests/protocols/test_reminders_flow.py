"""The whole chain in one process: results → plan → reminder → retest results → next one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.services import panel_create
from protocols.models import Plan, Reminder

pytestmark = pytest.mark.django_db(transaction=True)  # plans refresh on commit


def test_results_schedule_a_reminder_and_the_retest_closes_it(user):
    drawn = timezone.localdate() - timedelta(days=1)
    panel_create(user=user, drawn_on=drawn, results=[("vitd_25oh", 18.0, "ng/mL")])
    plan = Plan.objects.filter(user=user).first()
    assert plan is not None and plan.retest_due_on is not None
    first = Reminder.objects.get(user=user)
    assert (first.state, first.due_on, first.plan_id) == (
        Reminder.State.SCHEDULED,
        plan.retest_due_on,
        plan.pk,
    )
    assert "vitd_25oh" in first.tests

    panel_create(user=user, drawn_on=timezone.localdate(), results=[("vitd_25oh", 45.0, "ng/mL")])
    first.refresh_from_db()
    assert first.state == Reminder.State.DONE
    newest = Plan.objects.filter(user=user).first()
    if newest.retest_due_on is not None:
        following = Reminder.objects.get(user=user, state__in=Reminder.OPEN_STATES)
        assert following.pk != first.pk
        assert following.due_on == newest.retest_due_on


def test_results_entered_weeks_before_the_due_date_close_it(user):
    panel_create(
        user=user,
        drawn_on=timezone.localdate() - timedelta(days=1),
        results=[("vitd_25oh", 18.0, "ng/mL")],
    )
    first = Reminder.objects.get(user=user)
    assert first.due_on > timezone.localdate() + timedelta(days=21)  # weeks away
    panel_create(
        user=user, drawn_on=timezone.localdate(), results=[("mg_rbc", 4.4, "mg/dL")]
    )  # an early retest of another marker still answers it
    first.refresh_from_db()
    assert first.state == Reminder.State.DONE


def test_a_life_event_entered_in_the_web_app_moves_the_reminder_sooner(user, client):
    # Both markers in target: maintenance, retest in months. A life event brings the retest
    # to three months at most (PRODUCT.md §4.2): the same open reminder moves, still armed.
    drawn = timezone.localdate() - timedelta(days=1)
    panel_create(
        user=user, drawn_on=drawn, results=[("vitd_25oh", 55.0, "ng/mL"), ("mg_rbc", 6.0, "mg/dL")]
    )
    before = Reminder.objects.get(user=user)
    assert before.due_on > timezone.localdate() + timedelta(days=100)
    client.force_login(user)
    response = client.post(
        reverse("labs:life-event-list"),
        {"kind": "illness", "occurred_on": timezone.localdate().isoformat(), "note": ""},
    )
    assert response.status_code == 302
    after = Reminder.objects.get(user=user, state__in=Reminder.OPEN_STATES)
    assert after.pk == before.pk
    assert after.state == Reminder.State.SCHEDULED
    assert after.due_on < before.due_on
    assert after.due_on <= timezone.localdate() + timedelta(days=92)
    assert after.send_at < before.send_at
