"""The whole chain in one process: results → plan → reminder → retest results → next one."""

from datetime import timedelta

import pytest
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
