"""Writes: reminders follow plans, results and settings; snooze and unsubscribe."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.dates import person_zone
from accounts.models import User
from labs.models import Panel
from protocols.models import CalendarFeed, Plan, Reminder, new_feed_token, new_link_key

from . import schedule
from .times import reminder_send_at, reminder_snoozed_at

State = Reminder.State
# A new send time starts delivery afresh: no queue mark, no back-off, no failure shown.
FRESH_DELIVERY = {
    "attempts": 0,
    "enqueued_at": None,
    "next_attempt_at": None,
    "failing_since": None,
    "last_error": "",
}


def _retest_of(plan: Plan) -> tuple[date | None, list[str], str]:
    retest = (plan.data or {}).get("retest") or {}
    due_on = plan.retest_due_on
    if due_on is None and retest.get("due_on"):
        due_on = date.fromisoformat(retest["due_on"])
    if retest.get("overdue_since"):
        # An overdue retest keeps its original date: a plan recomputed tomorrow must not
        # look like a new retest (and re-send), and the email can say it is overdue.
        due_on = date.fromisoformat(retest["overdue_since"])
    return due_on, list(retest.get("tests") or []), str(retest.get("reason") or "")[:300]


def _lock_open(user: User) -> Reminder | None:
    # Lock the user row first: with no open reminder yet there is no row to lock, and two
    # concurrent plans must not both insert (the partial unique constraint would reject one).
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    open_rows = Reminder.objects.select_for_update().filter(state__in=Reminder.OPEN_STATES)
    return open_rows.filter(user=user).first()


@transaction.atomic
def reminder_schedule_from_plan(*, plan: Plan, now: datetime | None = None) -> Reminder | None:
    """Create or move the user's one open reminder to the plan's retest date.

    A life event brings the retest forward: the same reminder moves. New results that
    answer it close it as done first, and a new reminder follows this plan.
    A plan without a retest, or a person who turned reminders off, cancels it instead.
    Returns the open reminder, or None.
    """
    user = User.objects.get(pk=plan.user_id)
    now = now or timezone.now()
    due_on, tests, reason = _retest_of(plan)
    reminder = _lock_open(user)
    if reminder is not None and _answering_panel(reminder) is not None:
        # The plan comes from results that answer the open reminder: that one is done, the
        # new retest gets a reminder of its own (a history of done reminders, not a move).
        _set_state(reminder, State.DONE, now)
        reminder = None
    if due_on is None or not user.reminders_enabled:
        if reminder is not None:
            _set_state(reminder, State.CANCELLED, now)
        return None
    if reminder is not None and reminder.due_on == due_on:
        # Same date: keep its state so a plan recomputed for another reason never re-sends.
        Reminder.objects.filter(pk=reminder.pk).update(
            plan=plan, tests=tests, reason=reason, updated_at=now
        )
        reminder.refresh_from_db()
        return reminder
    fields = {
        "plan": plan,
        "due_on": due_on,
        "tests": tests,
        "reason": reason,
        "send_at": reminder_send_at(user=user, due_on=due_on, now=now),
        "state": State.SCHEDULED,
        "sent_at": None,
        "followup_sent_at": None,
        "link_key": new_link_key(),
        **FRESH_DELIVERY,
    }
    if reminder is None:
        return Reminder.objects.create(user=user, **fields)
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save()
    return reminder


def _set_state(reminder: Reminder, state: str, now: datetime) -> None:
    Reminder.objects.filter(pk=reminder.pk).update(state=state, updated_at=now)
    reminder.state = state


@transaction.atomic
def reminder_sync_preferences(
    *, user: User, previous_zone: ZoneInfo | None = None, now: datetime | None = None
) -> Reminder | None:
    """Apply changed reminder settings: off cancels, on re-schedules, lead days and time zone
    move the next email (scheduled, snoozed or a pending follow-up) to 09:00 in the zone.

    `previous_zone` is the zone the person had before this change: a snoozed email or
    a follow-up keeps the day it was set for there, at the reminder hour in the new zone.
    """
    now = now or timezone.now()
    reminder = _lock_open(user)
    user.refresh_from_db()
    if not user.reminders_enabled:
        if reminder is not None:
            _set_state(reminder, State.CANCELLED, now)
        return None
    if reminder is None:
        plan = Plan.objects.filter(user=user).first()
        return reminder_schedule_from_plan(plan=plan, now=now) if plan else None
    send_at = _moved_send_at(reminder, user, previous_zone, now)
    if send_at is not None and send_at != reminder.send_at:
        moved = Reminder.objects.filter(pk=reminder.pk, state=reminder.state).update(
            send_at=send_at, enqueued_at=None, next_attempt_at=None, updated_at=now
        )
        if moved:
            reminder.send_at = send_at
    return reminder


def _moved_send_at(
    reminder: Reminder, user: User, previous_zone: ZoneInfo | None, now: datetime
) -> datetime | None:
    """The open reminder's next email under the person's current settings, or None to leave
    it (being sent, failed, or a follow-up already due or not wanted)."""
    if reminder.state == State.SCHEDULED:
        return reminder_send_at(user=user, due_on=reminder.due_on, now=now)
    waiting = reminder.state == State.SNOOZED or (
        reminder.state == State.SENT and user.overdue_followup
    )
    if not waiting or reminder.send_at <= now:
        return None
    zone, hour = person_zone(user), settings.REMINDER_LOCAL_HOUR
    day = reminder.send_at.astimezone(previous_zone or zone).date()  # the day it was set for
    send_at = schedule.local_to_utc(day, hour, zone)
    return send_at if send_at > now else schedule.next_sensible_time(now=now, zone=zone, hour=hour)


def _answering_panel(reminder: Reminder) -> Panel | None:
    """The newest panel that answers this reminder's retest, or None.

    Only results drawn on or after the reminder's creation, and entered after the plan that
    set it, count: back-filling old panels answers nothing, and results the plan already saw
    are what the reminder asks to retest.
    """
    set_by = reminder.plan.created_at if reminder.plan_id else reminder.created_at
    since = reminder.created_at.astimezone(person_zone(reminder.user)).date()
    panels = Panel.objects.filter(
        user_id=reminder.user_id, drawn_on__gte=since, created_at__gt=set_by
    )
    if reminder.tests:  # a panel of other tests does not answer this retest
        panels = panels.filter(results__analyte__in=reminder.tests).distinct()
    return panels.order_by("-created_at").first()


@transaction.atomic
def reminder_close_on_results(*, user: User, now: datetime | None = None) -> Reminder | None:
    """New results answer the retest: the open reminder is done.

    Receivers run in either order: if the plan recomputed from the new results came first,
    it already closed the answered reminder and opened the next one, which stays. If this
    runs first and the latest plan already saw the results, that plan schedules the next.
    Returns the reminder now open, or None.
    """
    now = now or timezone.now()
    reminder = _lock_open(user)
    if reminder is None:
        return None
    newest = _answering_panel(reminder)
    if newest is None:
        return reminder
    _set_state(reminder, State.DONE, now)
    plan = Plan.objects.filter(user=user).first()
    if plan is not None and plan.created_at >= newest.created_at:
        return reminder_schedule_from_plan(plan=plan, now=now)
    return None


def reminder_snooze(*, reminder: Reminder, weeks: int, now: datetime | None = None) -> bool:
    """Move the next email `weeks` later (09:00 local). False if the link was used meanwhile."""
    now = now or timezone.now()
    send_at = reminder_snoozed_at(user=reminder.user, weeks=weeks, now=now)
    updated = Reminder.objects.filter(
        pk=reminder.pk, link_key=reminder.link_key, state__in=Reminder.OPEN_STATES
    ).update(state=State.SNOOZED, send_at=send_at, updated_at=now, **FRESH_DELIVERY)
    if updated:
        reminder.state, reminder.send_at = State.SNOOZED, send_at
    return updated == 1


@transaction.atomic
def reminder_unsubscribe(*, reminder: Reminder, now: datetime | None = None) -> None:
    """Turn retest emails off for the reminder's owner and cancel it if it is open.

    Idempotent, so the unsubscribe link keeps working after the email's other links were
    used, and a second click (or the mail client's one-click POST) changes nothing more.
    """
    now = now or timezone.now()
    User.objects.filter(pk=reminder.user_id).update(reminders_enabled=False)
    cancelled = Reminder.objects.filter(
        pk=reminder.pk, link_key=reminder.link_key, state__in=Reminder.OPEN_STATES
    ).update(state=State.CANCELLED, updated_at=now)
    if cancelled:
        reminder.state = State.CANCELLED


@transaction.atomic
def reminder_retry_failed(*, user: User, now: datetime | None = None) -> Reminder | None:
    """A person who fixed their address gets the reminder that bounced, at the next sensible
    time (their new address may work where the old one was refused)."""
    now = now or timezone.now()
    reminder = _lock_open(user)
    if reminder is None or reminder.state != State.FAILED:
        return reminder
    zone = person_zone(user)
    reminder.send_at = schedule.next_sensible_time(
        now=now, zone=zone, hour=settings.REMINDER_LOCAL_HOUR
    )
    reminder.state = State.SENT if reminder.sent_at else State.SCHEDULED
    Reminder.objects.filter(pk=reminder.pk, state=State.FAILED).update(
        state=reminder.state, send_at=reminder.send_at, updated_at=now, **FRESH_DELIVERY
    )
    return reminder


# --- the calendar feed --------------------------------------------------------------------


def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Turn the feed on, or give it a new URL: the old URL stops working at once."""
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": new_feed_token()}
    )
    return feed


def calendar_feed_alarms(*, user: User, on: bool) -> bool:
    """Add (or remove) the daily supplement alarms to the person's feed; False without one."""
    return bool(CalendarFeed.objects.filter(user=user).update(supplement_alarms=on))


def calendar_feed_off(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
