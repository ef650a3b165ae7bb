"""Retest reminders: rows with a due time, swept by beat and claimed before each email.

Lifecycle (PRODUCT.md §6, STYLE.md habit 3):

    scheduled ─claim→ sending ─sent→ sent ─claim→ followup_sending ─sent→ followup_sent
        ↑ snoozed (a one-click snooze moves send_at; swept like scheduled)
    any open state → done (new results) | cancelled (no retest, reminders off, unsubscribe)

Delivery guarantee. A send is two short committed steps around the SMTP call: a conditional
UPDATE claims the row (scheduled → sending, exactly one caller wins), the email goes out, a
guarded UPDATE marks it sent. No database transaction or row lock is held across the network
call, so a slow SMTP server never blocks the web app (SQLite locks the whole file) and a
duplicated or retried task never sends twice: it finds the row already claimed and skips.
If SMTP fails, the row goes back to scheduled and the task retries with backoff.

The one window left is a worker killed after the SMTP server accepted the message and before
the "sent" UPDATE committed (milliseconds). The row then stays in `sending`; the sweep hands
it back to `scheduled` after REMINDER_SENDING_TIMEOUT (30 minutes) and it is sent again. We
chose this at-least-once edge over at-most-once (mark sent first, then send) because a
duplicate reminder is a nuisance while a lost one is a missed blood test; a worker killed
before sending (the far more likely case, e.g. during a slow SMTP handshake) loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User

from .models import Plan, Reminder, new_link_key

logger = logging.getLogger(__name__)

State = Reminder.State
FOLLOWUP_AFTER_DAYS = 7
LATEST_SENSIBLE_HOUR = 21  # a reminder that is already late waits for the morning after this
LINK_MAX_AGE = timedelta(days=30)
SNOOZE_WEEKS = (1, 2)
MAX_SEND_ATTEMPTS = 12  # task retries plus sweeps: after this, a message that cannot go out stops
DUE_FIRST_STATES = (State.SCHEDULED, State.SNOOZED)


# --- due times ---------------------------------------------------------------------------


def user_zone(user: User) -> ZoneInfo:
    """The person's time zone; an unknown name (old tzdata) falls back to UTC."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_to_utc(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `hour`:00 wall-clock time on `day` in `zone`, DST-safe.

    fold=0 (PEP 495) resolves both DST edge cases the way a person would expect: an
    ambiguous time (clocks go back, it happens twice) means the first occurrence; a
    nonexistent time (clocks jump forward, or Samoa's skipped 30 December 2011) is read
    with the offset in force before the jump, which lands the same distance after it.
    """
    local = datetime.combine(day, time(hour), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def reminder_send_at(*, user: User, due_on: date, now: datetime | None = None) -> datetime:
    """When the first email goes out: REMINDER_LOCAL_HOUR local, `lead days` before due_on.

    A time already past (a plan made close to its retest date) becomes the next sensible
    moment: now if it is daytime for the person, else the next morning.
    """
    zone = user_zone(user)
    send_day = due_on - timedelta(days=user.reminder_lead_days)
    send_at = local_to_utc(send_day, settings.REMINDER_LOCAL_HOUR, zone)
    now = now or timezone.now()
    return send_at if send_at > now else next_sensible_time(now=now, zone=zone)


def next_sensible_time(*, now: datetime, zone: ZoneInfo) -> datetime:
    """`now` if it is between the reminder hour and the evening locally, else the next morning."""
    hour = settings.REMINDER_LOCAL_HOUR
    local = now.astimezone(zone)
    if hour <= local.hour < LATEST_SENSIBLE_HOUR:
        return now
    morning = local.date() if local.hour < hour else local.date() + timedelta(days=1)
    return local_to_utc(morning, hour, zone)


def reminder_followup_at(*, user: User, due_on: date, sent_on: date | None = None) -> datetime:
    """The overdue follow-up: 7 days after the due date (or after a late first email), 09:00."""
    day = due_on + timedelta(days=FOLLOWUP_AFTER_DAYS)
    if sent_on is not None:
        day = max(day, sent_on + timedelta(days=FOLLOWUP_AFTER_DAYS))
    return local_to_utc(day, settings.REMINDER_LOCAL_HOUR, user_zone(user))


def local_today(user: User, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(user_zone(user)).date()


# --- selectors ---------------------------------------------------------------------------


def next_reminder(user: User) -> Reminder | None:
    """The person's open reminder (at most one), for the dashboard and the settings page."""
    open_rows = Reminder.objects.select_related("user").filter(state__in=Reminder.OPEN_STATES)
    return open_rows.filter(user=user).first()


def due_reminders(*, now: datetime) -> QuerySet[Reminder]:
    """Rows whose next email is due: first emails and wanted overdue follow-ups.

    One query; the (state, send_at) index serves both branches.
    """
    first = Q(state__in=DUE_FIRST_STATES, send_at__lte=now)
    followup = Q(state=State.SENT, send_at__lte=now, user__overdue_followup=True)
    return Reminder.objects.filter(first | followup)


def reminders_to_enqueue(*, now: datetime) -> QuerySet[Reminder]:
    """Due rows the sweep has not enqueued yet, or enqueued too long ago to trust the queue.

    A message can vanish (a worker killed with prefetched messages, a flushed broker); after
    REMINDER_SENDING_TIMEOUT the row is enqueued again, and the claim keeps that harmless.
    """
    cutoff = now - timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    fresh = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    return due_reminders(now=now).filter(fresh)


# --- scheduling --------------------------------------------------------------------------


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
        "attempts": 0,
        "link_key": new_link_key(),
        "enqueued_at": None,
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
def reminder_sync_preferences(*, user: User, now: datetime | None = None) -> Reminder | None:
    """Apply changed reminder settings: off cancels, on re-schedules, lead/zone move send_at."""
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
    if reminder.state == State.SCHEDULED:
        reminder.send_at = reminder_send_at(user=user, due_on=reminder.due_on, now=now)
        Reminder.objects.filter(pk=reminder.pk, state=State.SCHEDULED).update(
            send_at=reminder.send_at, enqueued_at=None, updated_at=now
        )
    return reminder


def _answering_panel(reminder: Reminder):
    """The newest panel that answers this reminder's retest, or None.

    Only results drawn on or after the reminder's creation, and entered after the plan that
    set it, count: back-filling old panels answers nothing, and results the plan already saw
    are what the reminder asks to retest.
    """
    from labs.models import Panel  # labs imports nothing from here; keep the apps loosely tied

    set_by = reminder.plan.created_at if reminder.plan_id else reminder.created_at
    since = reminder.created_at.astimezone(user_zone(reminder.user)).date()
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


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One email a reminder can send: where it is claimed from, and where it ends up."""

    claim_from: tuple[str, ...]
    sending: str
    done: str
    back_to: str
    followup: bool


FIRST = _Step(DUE_FIRST_STATES, State.SENDING, State.SENT, State.SCHEDULED, followup=False)
FOLLOWUP = _Step((State.SENT,), State.FOLLOWUP_SENDING, State.FOLLOWUP_SENT, State.SENT, True)


def _step_for(reminder: Reminder) -> _Step | None:
    if reminder.state in FIRST.claim_from:
        return FIRST
    if reminder.state == State.SENT and reminder.user.overdue_followup:
        return FOLLOWUP
    return None


def reminder_claim(*, reminder_id: int, step: _Step, now: datetime) -> bool:
    """Claim a due row for one sender: a conditional UPDATE that exactly one caller wins."""
    claimed = Reminder.objects.filter(
        pk=reminder_id, state__in=step.claim_from, send_at__lte=now
    ).update(state=step.sending, updated_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Claim, send and mark one reminder. Returns what happened ("sent", "skipped", …).

    Raises the email backend's error after handing the row back, so the task retries.
    """
    from .emails import reminder_email

    now = now or timezone.now()
    reminder = Reminder.objects.select_related("user").filter(pk=reminder_id).first()
    if reminder is None:
        return "missing"
    step = _step_for(reminder)
    if step is None:
        return "skipped"
    if not reminder.user.reminders_enabled:
        Reminder.objects.filter(pk=reminder_id, state__in=step.claim_from).update(
            state=State.CANCELLED, updated_at=now
        )
        return "disabled"
    if not reminder_claim(reminder_id=reminder_id, step=step, now=now):
        return "skipped"
    reminder.refresh_from_db()
    try:
        reminder_email(reminder=reminder, followup=step.followup, now=now).send()
    except Exception:
        # Hand the row back (only if still ours) so the retry, or the next sweep, claims it;
        # after MAX_SEND_ATTEMPTS give up, so a message that can never be sent stops looping.
        gave_up = reminder.attempts >= MAX_SEND_ATTEMPTS
        Reminder.objects.filter(pk=reminder_id, state=step.sending).update(
            state=State.CANCELLED if gave_up else step.back_to, updated_at=timezone.now()
        )
        if gave_up:
            logger.exception(
                "Reminder %s cancelled after %s attempts", reminder_id, MAX_SEND_ATTEMPTS
            )
        raise
    return _mark_sent(reminder=reminder, step=step, now=now)


def _mark_sent(*, reminder: Reminder, step: _Step, now: datetime) -> str:
    sent = timezone.now()
    if step.followup:
        fields = {"followup_sent_at": sent}
    else:
        sent_on = local_today(reminder.user, sent)
        followup_at = reminder_followup_at(
            user=reminder.user, due_on=reminder.due_on, sent_on=sent_on
        )
        fields = {"sent_at": sent, "send_at": followup_at}
    marked = Reminder.objects.filter(pk=reminder.pk, state=step.sending).update(
        state=step.done, enqueued_at=None, updated_at=sent, **fields
    )
    if not marked:
        # A new plan moved it (or a link cancelled it) while the email was in flight.
        logger.info("reminder %s changed while its email was being sent", reminder.pk)
    return "sent"


# --- the sweep ---------------------------------------------------------------------------


def reminders_release_stuck(*, now: datetime) -> int:
    """Hand rows left in a sending state by a killed worker back to the sweep."""
    cutoff = now - timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    released = Reminder.objects.filter(state=State.SENDING, updated_at__lte=cutoff).update(
        state=State.SCHEDULED, enqueued_at=None, updated_at=now
    )
    released += Reminder.objects.filter(
        state=State.FOLLOWUP_SENDING, updated_at__lte=cutoff
    ).update(state=State.SENT, enqueued_at=None, updated_at=now)
    if released:
        logger.warning("released %d reminders stuck in sending", released)
    return released


def reminders_enqueue(reminder_ids: Iterable[int]) -> int:
    """Enqueue one send_reminder task per id over one broker connection; never raises.

    A broker outage must not break the caller (a web request saving results, or the sweep):
    the rows stay due and the next sweep enqueues them again.
    """
    from .tasks import send_reminder

    count = 0
    try:
        with send_reminder.app.producer_or_acquire() as producer:
            for reminder_id in reminder_ids:
                send_reminder.apply_async((reminder_id,), producer=producer)
                count += 1
    except Exception:  # any broker/transport error: log it, the sweep catches up
        logger.exception("could not enqueue reminders (enqueued %d); next sweep retries", count)
    return count


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Release stuck rows, select every due row in one query, enqueue them after commit.

    A constant number of statements whatever the row count: two releases, one select, one
    update that marks the selected rows enqueued (and one more if the broker is down).
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminders_release_stuck(now=now)
        rows = reminders_to_enqueue(now=now)
        ids: Sequence[int] = list(rows.values_list("pk", flat=True))
        if ids:
            rows.update(enqueued_at=now)
            transaction.on_commit(lambda: _enqueue_swept(ids, now))
    return len(ids)


def _enqueue_swept(ids: Sequence[int], swept_at: datetime) -> None:
    if reminders_enqueue(ids) < len(ids):
        # The broker is down: unmark this sweep's rows so the next sweep enqueues them.
        Reminder.objects.filter(enqueued_at=swept_at).update(enqueued_at=None)


def reminder_enqueue_if_due(reminder: Reminder | None) -> None:
    """After commit, enqueue a reminder that is already due instead of waiting for the sweep."""
    if reminder is not None and reminder.send_at <= timezone.now():
        reminder_id = reminder.pk
        transaction.on_commit(lambda: reminders_enqueue([reminder_id]))


# --- signed one-click links --------------------------------------------------------------


class ReminderLinkError(Exception):
    """A snooze/unsubscribe link that is tampered with, expired or already used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired" | "used"


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"cofactor.reminders.{purpose}")


def reminder_link_token(reminder: Reminder, purpose: str, **extra: int) -> str:
    """A signed token for one purpose ("snooze", "unsubscribe"), bound to the row's link_key."""
    payload = {"r": reminder.pk, "k": reminder.link_key, **extra}
    return _signer(purpose).sign_object(payload, compress=False)


def reminder_from_link(token: str, purpose: str) -> tuple[Reminder, dict]:
    """The open reminder a valid, unused link points to, and the link's payload."""
    try:
        payload = _signer(purpose).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ReminderLinkError("expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise ReminderLinkError("invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise ReminderLinkError("invalid")
    reminder = Reminder.objects.select_related("user").filter(pk=payload["r"]).first()
    if (
        reminder is None
        or reminder.state not in Reminder.OPEN_STATES
        or not constant_time_compare(str(payload.get("k")), reminder.link_key)
    ):
        raise ReminderLinkError("used")
    return reminder, payload


def snooze_weeks(payload: dict) -> int:
    weeks = payload.get("w")
    if weeks not in SNOOZE_WEEKS:
        raise ReminderLinkError("invalid")
    return weeks


def reminder_snooze(*, reminder: Reminder, weeks: int, now: datetime | None = None) -> bool:
    """Move the next email `weeks` later (09:00 local). False if the link was used meanwhile."""
    now = now or timezone.now()
    day = local_today(reminder.user, now) + timedelta(weeks=weeks)
    send_at = local_to_utc(day, settings.REMINDER_LOCAL_HOUR, user_zone(reminder.user))
    updated = Reminder.objects.filter(
        pk=reminder.pk, link_key=reminder.link_key, state__in=Reminder.OPEN_STATES
    ).update(
        state=State.SNOOZED,
        send_at=send_at,
        link_key=new_link_key(),
        enqueued_at=None,
        updated_at=now,
    )
    if updated:
        reminder.state, reminder.send_at = State.SNOOZED, send_at
    return updated == 1


@transaction.atomic
def reminder_unsubscribe(*, reminder: Reminder, now: datetime | None = None) -> bool:
    """Cancel the reminder and turn retest emails off for its owner. False if used meanwhile."""
    now = now or timezone.now()
    updated = Reminder.objects.filter(
        pk=reminder.pk, link_key=reminder.link_key, state__in=Reminder.OPEN_STATES
    ).update(state=State.CANCELLED, link_key=new_link_key(), updated_at=now)
    if updated:
        User.objects.filter(pk=reminder.user_id).update(reminders_enabled=False)
        reminder.state = State.CANCELLED
    return updated == 1
