"""Reminder services: due times across time zones and DST, every state transition, the sweep."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from labs.models import Panel, Result
from labs.signals import data_changed
from protocols.models import Plan, Reminder
from protocols.reminders.schedule import local_to_utc
from protocols.reminders.selectors import due_reminders, next_reminder
from protocols.reminders.sending import reminder_send
from protocols.reminders.services import (
    reminder_close_on_results,
    reminder_schedule_from_plan,
    reminder_sync_preferences,
)
from protocols.reminders.sweep import reminders_pick_due, reminders_release_stuck
from protocols.reminders.tasks import reminders_sweep
from protocols.reminders.times import reminder_followup_at, reminder_send_at
from protocols.signals import plan_created
from tests.factories import ReminderFactory, UserFactory, plan_with_retest

State = Reminder.State
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # "now" for due-time tests: nothing is past


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- due times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "due_on", "lead", "expected"),
    [
        # New York: DST starts Sun 8 March 2026 (EST -5 → EDT -4).
        pytest.param("America/New_York", date(2026, 3, 10), 0, utc(2026, 3, 10, 13), id="ny-edt"),
        pytest.param("America/New_York", date(2026, 3, 10), 3, utc(2026, 3, 7, 14), id="ny-est"),
        pytest.param("America/New_York", date(2026, 3, 10), 7, utc(2026, 3, 3, 14), id="ny-7"),
        # New York: DST ends Sun 1 November 2026.
        pytest.param("America/New_York", date(2026, 11, 4), 3, utc(2026, 11, 1, 14), id="ny-fall"),
        # Berlin: CET +1 → CEST +2 on Sun 29 March 2026, back on Sun 25 October 2026.
        pytest.param("Europe/Berlin", date(2026, 3, 30), 0, utc(2026, 3, 30, 7), id="ber-cest"),
        pytest.param("Europe/Berlin", date(2026, 3, 30), 3, utc(2026, 3, 27, 8), id="ber-cet"),
        pytest.param("Europe/Berlin", date(2026, 10, 27), 3, utc(2026, 10, 24, 7), id="ber-fall"),
        pytest.param("Europe/Berlin", date(2026, 10, 27), 7, utc(2026, 10, 20, 7), id="ber-7"),
        # Sydney (southern hemisphere): AEDT +11 → AEST +10 on Sun 5 April 2026.
        pytest.param("Australia/Sydney", date(2026, 4, 6), 0, utc(2026, 4, 5, 23), id="syd-aest"),
        pytest.param("Australia/Sydney", date(2026, 4, 6), 3, utc(2026, 4, 2, 22), id="syd-aedt"),
        pytest.param("Australia/Sydney", date(2026, 10, 8), 7, utc(2026, 9, 30, 23), id="syd-7"),
        # Apia: +13, the day is mostly "yesterday" in UTC.
        pytest.param("Pacific/Apia", date(2026, 6, 10), 0, utc(2026, 6, 9, 20), id="apia-0"),
        pytest.param("Pacific/Apia", date(2026, 6, 10), 3, utc(2026, 6, 6, 20), id="apia-3"),
        pytest.param("Pacific/Apia", date(2026, 6, 10), 7, utc(2026, 6, 2, 20), id="apia-7"),
        pytest.param("UTC", date(2026, 6, 10), 7, utc(2026, 6, 3, 9), id="utc-7"),
    ],
)
def test_first_email_goes_out_at_nine_local_lead_days_before(zone, due_on, lead, expected):
    user = UserFactory.build(time_zone=zone, reminder_lead_days=lead)
    send_at = reminder_send_at(user=user, due_on=due_on, now=LONG_AGO)
    assert send_at == expected
    assert send_at.astimezone(ZoneInfo(zone)).hour == 9


def test_a_nonexistent_local_time_moves_forward_by_the_gap():
    # 02:00 on 8 March 2026 does not exist in New York: it is read as 03:00 EDT.
    instant = local_to_utc(date(2026, 3, 8), 2, ZoneInfo("America/New_York"))
    assert instant == utc(2026, 3, 8, 7)
    assert instant.astimezone(ZoneInfo("America/New_York")).hour == 3


def test_an_ambiguous_local_time_means_its_first_occurrence():
    # 01:00 on 1 November 2026 happens twice in New York; the first is EDT (-4).
    instant = local_to_utc(date(2026, 11, 1), 1, ZoneInfo("America/New_York"))
    assert instant == utc(2026, 11, 1, 5)


def test_samoas_skipped_day_lands_on_the_next_real_morning():
    # Samoa skipped 30 December 2011 when it crossed the date line.
    instant = local_to_utc(date(2011, 12, 30), 9, ZoneInfo("Pacific/Apia"))
    local = instant.astimezone(ZoneInfo("Pacific/Apia"))
    assert (local.date(), local.hour) == (date(2011, 12, 31), 9)


def test_a_send_time_already_past_becomes_now_in_the_daytime():
    user = UserFactory.build(time_zone="Europe/Berlin", reminder_lead_days=7)
    now = utc(2026, 6, 10, 12)  # 14:00 in Berlin
    assert reminder_send_at(user=user, due_on=date(2026, 6, 12), now=now) == now


def test_a_send_time_already_past_at_night_waits_for_the_morning():
    user = UserFactory.build(time_zone="Europe/Berlin", reminder_lead_days=7)
    now = utc(2026, 6, 10, 22)  # midnight in Berlin
    assert reminder_send_at(user=user, due_on=date(2026, 6, 12), now=now) == utc(2026, 6, 11, 7)


@override_settings(REMINDER_LOCAL_HOUR=8)
def test_the_local_hour_is_a_setting():
    user = UserFactory.build(time_zone="UTC", reminder_lead_days=0)
    assert reminder_send_at(user=user, due_on=date(2026, 6, 12), now=LONG_AGO).hour == 8


def test_follow_up_is_seven_days_after_the_due_date_at_nine_local():
    user = UserFactory.build(time_zone="Australia/Sydney")
    # 7 days after 1 April 2026 is 8 April, after the switch to AEST (+10).
    assert reminder_followup_at(user=user, due_on=date(2026, 4, 1)) == utc(2026, 4, 7, 23)


def test_follow_up_after_a_late_first_email_waits_seven_days_from_it():
    user = UserFactory.build(time_zone="UTC")
    followup = reminder_followup_at(user=user, due_on=date(2026, 4, 1), sent_on=date(2026, 4, 20))
    assert followup == utc(2026, 4, 27, 9)


# --- scheduling from plans ----------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_plan_with_a_retest_schedules_a_reminder(user):
    due = timezone.localdate() + timedelta(days=60)
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, due, reason="why not"))
    assert reminder.state == State.SCHEDULED
    assert (reminder.due_on, reminder.reason) == (due, "why not")
    assert reminder.tests == ["vitd_25oh", "mg_rbc"]
    assert reminder.send_at == reminder_send_at(user=user, due_on=due)
    assert next_reminder(user) == reminder


@pytestmark_db
def test_plan_created_signal_schedules_through_the_receiver(user):
    plan = plan_with_retest(user, timezone.localdate() + timedelta(days=60))
    plan_created.send(sender=Plan, plan=plan, previous=None)
    assert next_reminder(user).plan == plan


@pytestmark_db
def test_a_new_date_moves_the_one_open_reminder_and_rearms_it(user):
    first = reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(60))
    )
    Reminder.objects.filter(pk=first.pk).update(
        state=State.SENT, sent_at=timezone.now(), enqueued_at=timezone.now()
    )
    new_due = timezone.localdate() + timedelta(days=30)  # a life event brought it forward
    moved = reminder_schedule_from_plan(plan=plan_with_retest(user, new_due))
    assert moved.pk == first.pk
    assert (moved.state, moved.due_on, moved.sent_at) == (State.SCHEDULED, new_due, None)
    assert moved.enqueued_at is None
    assert moved.link_key != first.link_key  # links in the old email no longer act
    assert Reminder.objects.filter(user=user).count() == 1


@pytestmark_db
def test_the_same_date_keeps_the_state_so_nothing_is_sent_twice(user):
    due = timezone.localdate() + timedelta(days=60)
    first = reminder_schedule_from_plan(plan=plan_with_retest(user, due))
    Reminder.objects.filter(pk=first.pk).update(state=State.SENT)
    again = reminder_schedule_from_plan(plan=plan_with_retest(user, due, tests=["pth"]))
    assert (again.pk, again.state, again.tests) == (first.pk, State.SENT, ["pth"])


@pytestmark_db
def test_a_plan_without_retest_cancels(user):
    first = reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(60))
    )
    assert reminder_schedule_from_plan(plan=plan_with_retest(user, None)) is None
    first.refresh_from_db()
    assert first.state == State.CANCELLED
    assert next_reminder(user) is None


@pytestmark_db
def test_a_closed_reminder_does_not_block_the_next_one(user):
    first = reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(60))
    )
    Reminder.objects.filter(pk=first.pk).update(state=State.DONE)
    second = reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(90))
    )
    assert second.pk != first.pk
    assert Reminder.objects.filter(user=user).count() == 2


@pytestmark_db
def test_reminders_off_schedules_nothing(user):
    user.reminders_enabled = False
    user.save()
    assert reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate())) is None
    assert not Reminder.objects.exists()


# --- preferences --------------------------------------------------------------------------


@pytestmark_db
def test_changing_lead_days_moves_a_scheduled_reminder(user):
    due = timezone.localdate() + timedelta(days=60)
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, due))
    user.reminder_lead_days = 0
    user.save()
    reminder_sync_preferences(user=user)
    reminder.refresh_from_db()
    assert reminder.send_at == reminder_send_at(user=user, due_on=due)
    assert reminder.send_at.date() >= due - timedelta(days=1)


@pytestmark_db
def test_turning_reminders_off_cancels_and_on_reschedules_from_the_latest_plan(user):
    due = timezone.localdate() + timedelta(days=60)
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, due))
    user.reminders_enabled = False
    user.save()
    assert reminder_sync_preferences(user=user) is None
    reminder.refresh_from_db()
    assert reminder.state == State.CANCELLED
    user.reminders_enabled = True
    user.save()
    again = reminder_sync_preferences(user=user)
    assert (again.state, again.due_on) == (State.SCHEDULED, due)


# --- closing on new results ---------------------------------------------------------------


def _panel(user, drawn_on, analyte="vitd_25oh"):
    """A panel holding one of the tests the reminder asks for (by default)."""
    panel = Panel.objects.create(user=user, drawn_on=drawn_on)
    Result.objects.create(
        panel=panel, user=user, drawn_on=drawn_on, analyte=analyte,
        value=40, unit="ng/mL", canonical_value=40,
    )  # fmt: skip
    return panel


@pytestmark_db
def test_a_panel_without_the_requested_tests_leaves_the_reminder_open(user):
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate(), analyte="ca_total")
    data_changed.send(sender=Panel, user=user, kind="results")
    reminder.refresh_from_db()
    assert reminder.state == State.SCHEDULED


@pytestmark_db
def test_new_results_close_the_reminder_as_done(user):
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate())
    data_changed.send(sender=Panel, user=user, kind="results")
    reminder.refresh_from_db()
    assert reminder.state == State.DONE


@pytestmark_db
@pytest.mark.parametrize("state", [State.SENT, State.FOLLOWUP_SENT, State.SNOOZED])
def test_new_results_close_the_reminder_from_every_waiting_state(user, state):
    # Emailed, followed up or snoozed: the retest results still answer it.
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    Reminder.objects.filter(pk=reminder.pk).update(state=state)
    _panel(user, timezone.localdate())
    data_changed.send(sender=Panel, user=user, kind="results")
    reminder.refresh_from_db()
    assert reminder.state == State.DONE


@pytestmark_db
def test_a_backfilled_old_panel_closes_nothing(user):
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate() - timedelta(days=400))
    assert reminder_close_on_results(user=user).pk == reminder.pk
    reminder.refresh_from_db()
    assert reminder.state == State.SCHEDULED


@pytestmark_db
def test_symptoms_and_life_events_do_not_close_it(user):
    reminder = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate())
    data_changed.send(sender=Panel, user=user, kind="symptoms")
    data_changed.send(sender=Panel, user=user, kind="life_events")
    reminder.refresh_from_db()
    assert reminder.state == State.SCHEDULED


@pytestmark_db
def test_a_plan_from_answering_results_closes_the_reminder_and_opens_the_next(user):
    # Order 1: the plan recomputed from the new results runs before the results receiver.
    first = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate())
    later = timezone.localdate() + timedelta(days=90)
    second = reminder_schedule_from_plan(plan=plan_with_retest(user, later))
    kept = reminder_close_on_results(user=user)
    first.refresh_from_db()
    assert first.state == State.DONE
    assert second.pk != first.pk
    assert (kept.pk, kept.state, kept.due_on) == (second.pk, State.SCHEDULED, later)


@pytestmark_db
def test_a_plan_from_a_life_event_moves_the_same_reminder(user):
    first = reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(90))
    )
    sooner = timezone.localdate() + timedelta(days=20)
    moved = reminder_schedule_from_plan(plan=plan_with_retest(user, sooner))
    assert (moved.pk, moved.due_on, moved.state) == (first.pk, sooner, State.SCHEDULED)


@pytestmark_db
def test_the_next_plan_schedules_the_next_reminder_after_done(user):
    # Order 2: results close the reminder first, the recomputed plan then opens the next one.
    first = reminder_schedule_from_plan(plan=plan_with_retest(user, timezone.localdate()))
    _panel(user, timezone.localdate())
    assert reminder_close_on_results(user=user) is None
    later = timezone.localdate() + timedelta(days=90)
    second = reminder_schedule_from_plan(plan=plan_with_retest(user, later))
    first.refresh_from_db()
    assert (first.state, second.state, second.due_on) == (State.DONE, State.SCHEDULED, later)


# --- claim and send ----------------------------------------------------------------------


@pytestmark_db
def test_a_due_reminder_is_sent_once_and_armed_for_follow_up(user, mailoutbox):
    reminder = ReminderFactory(user=user)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    assert reminder_send(reminder_id=reminder.pk) == "skipped"  # a duplicate task
    assert len(mailoutbox) == 1
    reminder.refresh_from_db()
    assert reminder.state == State.SENT
    assert reminder.sent_at is not None
    assert reminder.attempts == 1
    assert reminder.send_at == reminder_followup_at(
        user=user, due_on=reminder.due_on, sent_on=timezone.localdate()
    )


@pytestmark_db
def test_a_reminder_not_yet_due_is_not_sent(user, mailoutbox):
    reminder = ReminderFactory(user=user, send_at=timezone.now() + timedelta(hours=1))
    assert reminder_send(reminder_id=reminder.pk) == "skipped"
    assert mailoutbox == []


@pytestmark_db
def test_a_missing_row_is_a_no_op():
    assert reminder_send(reminder_id=987654) == "skipped"


@pytestmark_db
def test_the_overdue_follow_up_goes_out_once(user, mailoutbox):
    reminder = ReminderFactory(
        user=user, state=State.SENT, due_on=timezone.localdate() - timedelta(days=8)
    )
    assert list(due_reminders(now=timezone.now())) == [reminder]
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    assert reminder_send(reminder_id=reminder.pk) == "skipped"
    reminder.refresh_from_db()
    assert reminder.state == State.FOLLOWUP_SENT
    assert reminder.followup_sent_at is not None
    assert len(mailoutbox) == 1
    assert "was due" in mailoutbox[0].subject
    assert list(due_reminders(now=timezone.now() + timedelta(days=365))) == []


@pytestmark_db
def test_no_follow_up_when_the_person_does_not_want_one(user, mailoutbox):
    user.overdue_followup = False
    user.save()
    reminder = ReminderFactory(user=user, state=State.SENT)
    assert list(due_reminders(now=timezone.now())) == []
    assert reminder_send(reminder_id=reminder.pk) == "skipped"
    assert mailoutbox == []


@pytestmark_db
def test_reminders_off_at_send_time_cancels_without_email(user, mailoutbox):
    reminder = ReminderFactory(user=user)
    user.reminders_enabled = False
    user.save()
    assert reminder_send(reminder_id=reminder.pk) == "skipped"
    reminder.refresh_from_db()
    assert reminder.state == State.CANCELLED  # the person's own choice, not a failure
    assert mailoutbox == []


@pytestmark_db
def test_a_snoozed_reminder_is_sent_when_its_time_comes(user, mailoutbox):
    reminder = ReminderFactory(user=user, state=State.SNOOZED)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    reminder.refresh_from_db()
    assert reminder.state == State.SENT
    assert len(mailoutbox) == 1


# --- the sweep ---------------------------------------------------------------------------


@pytestmark_db
def test_rows_stuck_in_sending_are_released_after_the_timeout(user, other_user):
    now = timezone.now()
    stuck = ReminderFactory(user=user)
    fresh = ReminderFactory(user=other_user)
    Reminder.objects.filter(pk=stuck.pk).update(
        state=State.SENDING, updated_at=now - timedelta(minutes=31)
    )
    Reminder.objects.filter(pk=fresh.pk).update(
        state=State.FOLLOWUP_SENDING, updated_at=now - timedelta(minutes=5)
    )
    assert reminders_release_stuck(now=now) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.state, fresh.state) == (State.SCHEDULED, State.FOLLOWUP_SENDING)


@pytestmark_db
def test_a_stuck_follow_up_goes_back_to_sent(user):
    now = timezone.now()
    reminder = ReminderFactory(user=user, state=State.FOLLOWUP_SENDING)
    Reminder.objects.filter(pk=reminder.pk).update(updated_at=now - timedelta(hours=1))
    reminders_release_stuck(now=now)
    reminder.refresh_from_db()
    assert reminder.state == State.SENT


@pytestmark_db
def test_the_sweep_selects_only_due_rows(user, other_user):
    due = ReminderFactory(user=user)
    ReminderFactory(user=other_user, send_at=timezone.now() + timedelta(days=1))
    third = UserFactory()
    ReminderFactory(user=third, state=State.DONE)
    assert list(due_reminders(now=timezone.now()).values_list("pk", flat=True)) == [due.pk]


def _seed_due(count: int) -> None:
    users = [UserFactory() for _ in range(count)]
    for person in users:
        ReminderFactory(user=person)


@pytestmark_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_sweep_runs_a_constant_number_of_queries(rows, django_assert_max_num_queries):
    _seed_due(rows)
    # Release (2 updates), one select, one "enqueued" update, the savepoint pair.
    with django_assert_max_num_queries(6):
        assert reminders_sweep() == rows


@pytestmark_db
def test_the_sweep_enqueues_after_commit(user, django_capture_on_commit_callbacks):
    ReminderFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert reminders_sweep() == 1
    assert len(callbacks) == 1


@pytestmark_db
def test_a_swept_row_is_enqueued_again_only_when_its_message_was_lost(user, settings):
    reminder = ReminderFactory(user=user)
    now = timezone.now()
    assert reminders_pick_due(now=now) == [reminder.pk]
    later = now + timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT + 1)
    assert reminders_pick_due(now=later) == []  # queued, waiting its turn: not again
    reminder.refresh_from_db()
    assert reminder.enqueued_at == now
    # The send queue is empty yet the row is still due: its message is gone (a broker
    # restart, a flush). It is enqueued again at once, whatever the stuck timeout says.
    soon = now + timedelta(seconds=1)
    assert reminders_pick_due(now=soon, queue_lost=True) == [reminder.pk]


@pytestmark_db
def test_a_sent_reminder_is_swept_again_for_its_follow_up(user):
    reminder = ReminderFactory(user=user)
    reminders_sweep()
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    reminder.refresh_from_db()
    assert reminder.enqueued_at is None
    assert reminders_sweep(now=reminder.send_at) == 1


@pytestmark_db
def test_a_broker_outage_unmarks_the_swept_rows(user, django_capture_on_commit_callbacks):
    from config.celery import app as celery_app

    reminder = ReminderFactory(user=user)
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_sweep() == 1
    finally:
        celery_app.conf.broker_url = old
        celery_app._pool = celery_app.amqp._producer_pool = None
    reminder.refresh_from_db()
    assert reminder.enqueued_at is None
    assert reminders_sweep() == 1  # the next sweep catches up
