"""A person's calendar: their time zone, and today in it.

One fallback for every caller (pages, plans, reminder emails, tasks without a request): a
stored name the installed tzdata does not know, or none, counts as UTC rather than failing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def person_zone(user) -> ZoneInfo:
    """The person's time zone; an empty or unknown name (old tzdata) falls back to UTC."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def person_today(user, now: datetime | None = None) -> date:
    """The person's calendar day at `now` (default: this moment)."""
    return timezone.localdate(now or timezone.now(), timezone=person_zone(user))
