"""Reminder preferences on /settings/ move or cancel the open reminder, and show it."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from protocols.models import Reminder
from protocols.reminders.services import reminder_schedule_from_plan
from protocols.reminders.times import reminder_send_at
from tests.factories import plan_with_retest

pytestmark = pytest.mark.django_db


def _form(user, **changes):
    data = {
        "time_zone": user.time_zone,
        "vitd_unit": user.vitd_unit,
        "mineral_unit": user.mineral_unit,
        "rule_set": user.rule_set,
        "reminder_lead_days": user.reminder_lead_days,
    }
    if user.reminders_enabled:
        data["reminders_enabled"] = "on"
    if user.overdue_followup:
        data["overdue_followup"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def reminder(user):
    return reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(60))
    )


def test_the_settings_page_shows_the_next_reminder(client_logged_in, reminder):
    response = client_logged_in.get(reverse("accounts:preferences"))
    assert b'data-testid="next-reminder"' in response.content


def test_a_new_lead_time_and_time_zone_move_the_send_time(client_logged_in, user, reminder):
    data = _form(user, reminder_lead_days=3, time_zone="Australia/Sydney")
    response = client_logged_in.post(reverse("accounts:preferences"), data)
    assert response.status_code == 302
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert reminder.send_at == reminder_send_at(user=user, due_on=reminder.due_on)
    assert reminder.send_at.astimezone(ZoneInfo("Australia/Sydney")).hour == 9


def test_turning_reminders_off_cancels_the_open_reminder(client_logged_in, user, reminder):
    response = client_logged_in.post(
        reverse("accounts:preferences"), _form(user, reminders_enabled=None)
    )
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.CANCELLED


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("accounts:preferences"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_next_reminder_is_one_query(user, reminder, django_assert_num_queries):
    from protocols.reminders.selectors import next_reminder

    with django_assert_num_queries(1):
        found = next_reminder(user)
        assert found.user.time_zone == user.time_zone


@pytest.mark.parametrize("lead", [0, 7])
def test_each_offered_lead_time_is_saved(client_logged_in, user, reminder, lead):
    response = client_logged_in.post(
        reverse("accounts:preferences"), _form(user, reminder_lead_days=lead)
    )
    assert response.status_code == 302
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert user.reminder_lead_days == lead
    local = reminder.send_at.astimezone(ZoneInfo(user.time_zone))
    assert local.date() == reminder.due_on - timedelta(days=lead)


def test_a_lead_time_not_offered_is_refused_with_the_form(client_logged_in, user, reminder):
    before = reminder.send_at
    response = client_logged_in.post(
        reverse("accounts:preferences"), _form(user, reminder_lead_days=5)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_lead_days"]
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert user.reminder_lead_days != 5
    assert reminder.send_at == before


def test_the_overdue_follow_up_can_be_turned_off(client_logged_in, user, reminder):
    response = client_logged_in.post(
        reverse("accounts:preferences"), _form(user, overdue_followup=None)
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.overdue_followup is False
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SCHEDULED  # the first email still goes out
