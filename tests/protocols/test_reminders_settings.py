"""Reminder preferences on /settings/ move or cancel the open reminder, and show it."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

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


# --- a new time zone moves every open reminder to 09:00 there -----------------------------

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def _nine_on(day, zone):
    from protocols.reminders.schedule import local_to_utc

    return local_to_utc(day, 9, zone)


@pytest.mark.parametrize("state", ["scheduled", "snoozed", "followup"])
def test_a_time_zone_change_moves_every_open_reminder_to_nine_in_the_new_zone(
    client, state, django_user_model
):
    from tests.factories import ReminderFactory, UserFactory

    user = UserFactory(time_zone="Europe/Berlin", overdue_followup=True)
    client.force_login(user)
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=20)
    fields = {
        "scheduled": {"state": Reminder.State.SCHEDULED, "due_on": day + timedelta(7)},
        "snoozed": {"state": Reminder.State.SNOOZED, "due_on": day - timedelta(7)},
        "followup": {"state": Reminder.State.SENT, "due_on": day - timedelta(7)},
    }[state]
    reminder = ReminderFactory(user=user, send_at=_nine_on(day, BERLIN), **fields)
    if state == "scheduled":
        user.reminder_lead_days = 7
        user.save()
    response = client.post(
        reverse("accounts:preferences"), _form(user, time_zone="America/New_York")
    )
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.state == fields["state"]  # moved, not re-sent or reset
    # Same day as before, 09:00 in New York (not Berlin's 09:00, 03:00 in New York).
    assert reminder.send_at == _nine_on(day, NEW_YORK)
    assert reminder.send_at.astimezone(NEW_YORK).hour == 9


ZONES = [
    "UTC", "Europe/Berlin", "America/New_York", "Pacific/Apia", "Australia/Lord_Howe",
    "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo",
]  # fmt: skip


@given(
    old=st.sampled_from(ZONES),
    new=st.sampled_from(ZONES),
    days_ahead=st.integers(min_value=1, max_value=800),
    state=st.sampled_from([Reminder.State.SNOOZED, Reminder.State.SENT]),
)
def test_a_waiting_email_keeps_its_day_and_moves_to_nine_in_any_new_zone(
    old, new, days_ahead, state
):
    from accounts.models import User
    from protocols.reminders.services import _moved_send_at

    now = timezone.now()
    day = now.astimezone(ZoneInfo(old)).date() + timedelta(days=days_ahead)
    person = User(time_zone=new, overdue_followup=True)
    reminder = Reminder(state=state, send_at=_nine_on(day, ZoneInfo(old)), due_on=day)
    moved = _moved_send_at(reminder, person, ZoneInfo(old), now)
    local = moved.astimezone(ZoneInfo(new))
    if _nine_on(day, ZoneInfo(new)) > now:
        assert (local.date(), local.hour, local.minute) == (day, 9, 0)
    else:  # that morning has already passed in the new zone (far east of the old one)
        assert moved >= now and (moved == now or (local.hour, local.minute) == (9, 0))


@pytest.mark.parametrize("page", ["accounts:preferences", "dashboard:home"])
def test_a_bounced_reminder_is_explained_on_the_dashboard_and_settings(
    client_logged_in, user, reminder, page
):
    reply = "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown"
    Reminder.objects.filter(pk=reminder.pk).update(state=Reminder.State.FAILED, last_error=reply)
    html = client_logged_in.get(reverse(page)).content.decode()
    assert 'data-testid="reminder-failed"' in html
    assert f"We could not deliver your retest reminder to {user.email}:" in html
    assert "Recipient address rejected: User unknown — check your address." in html
    assert 'href="/accounts/email/"' in html


def test_a_new_address_sends_the_bounced_reminder_again(client_logged_in, user, reminder):
    from allauth.account.models import EmailAddress

    Reminder.objects.filter(pk=reminder.pk).update(
        state=Reminder.State.FAILED, last_error="550 no such user"
    )
    EmailAddress.objects.create(user=user, email="new@example.org", verified=True)
    response = client_logged_in.post(
        reverse("account_email"), {"action_primary": "", "email": "new@example.org"}
    )
    assert response.status_code in (200, 302)
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SCHEDULED and reminder.last_error == ""
