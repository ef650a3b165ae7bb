"""When a reminder email is due: pure date arithmetic, no Django (STYLE.md habit 5).

Every time is an aware UTC datetime; a person's wall clock is a ZoneInfo and an hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FOLLOWUP_AFTER_DAYS = 7
LATEST_SENSIBLE_HOUR = 21  # a reminder that is already late waits for the morning after this


def local_to_utc(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `hour`:00 wall-clock time on `day` in `zone`, DST-safe.

    fold=0 (PEP 495) resolves both DST edge cases the way a person would expect: an
    ambiguous time (clocks go back, it happens twice) means the first occurrence; a
    nonexistent time (clocks jump forward, or Samoa's skipped 30 December 2011) is read
    with the offset in force before the jump, which lands the same distance after it.
    """
    local = datetime.combine(day, time(hour), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def next_sensible_time(*, now: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """`now` if it is between the reminder hour and the evening locally, else the next morning."""
    local = now.astimezone(zone)
    if hour <= local.hour < LATEST_SENSIBLE_HOUR:
        return now
    morning = local.date() if local.hour < hour else local.date() + timedelta(days=1)
    return local_to_utc(morning, hour, zone)


def first_email_at(
    *, due_on: date, lead_days: int, zone: ZoneInfo, hour: int, now: datetime
) -> datetime:
    """`hour`:00 local, `lead_days` before due_on; a time already past becomes the next
    sensible moment (now if it is daytime for the person, else the next morning)."""
    send_at = local_to_utc(due_on - timedelta(days=lead_days), hour, zone)
    return send_at if send_at > now else next_sensible_time(now=now, zone=zone, hour=hour)


def followup_email_at(*, due_on: date, sent_on: date | None, zone: ZoneInfo, hour: int) -> datetime:
    """The overdue follow-up: 7 days after the due date (or after a late first email)."""
    day = due_on + timedelta(days=FOLLOWUP_AFTER_DAYS)
    if sent_on is not None:
        day = max(day, sent_on + timedelta(days=FOLLOWUP_AFTER_DAYS))
    return local_to_utc(day, hour, zone)


def snoozed_email_at(*, today: date, weeks: int, zone: ZoneInfo, hour: int) -> datetime:
    """A snooze moves the next email `weeks` from today, at the reminder hour."""
    return local_to_utc(today + timedelta(weeks=weeks), hour, zone)


RETRY_JITTER = 0.25  # each wait is stretched by up to a quarter, so retries do not bunch up


def retry_delay(*, failures: int, minimum: float, maximum: float, jitter: float) -> timedelta:
    """The wait before the next attempt after `failures` temporary failures in a row.

    Doubles from `minimum` and stops growing at `maximum`; `jitter` (0 ≤ jitter < 1, drawn
    by the caller) stretches it by up to RETRY_JITTER so a crowd of reminders that failed
    together (a mail server outage at 09:00) does not retry in one burst.
    """
    base = min(maximum, minimum * 2 ** min(max(failures, 1) - 1, 32))
    return timedelta(seconds=base * (1 + RETRY_JITTER * jitter))


def gave_up(*, failing_since: datetime, now: datetime, horizon: float) -> bool:
    """True once temporary failures have gone on for the whole retry horizon."""
    return (now - failing_since).total_seconds() >= horizon
