"""A person's calendar: their time zone, today in it, and the locale their dates are written in.

One fallback for every caller (pages, plans, reminder emails, tasks without a request): a
stored name the installed tzdata does not know, or none, counts as UTC rather than failing.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from accounts.regions import format_locale


def person_zone(user) -> ZoneInfo:
    """The person's time zone; an empty or unknown name (old tzdata) falls back to UTC."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def person_today(user, now: datetime | None = None) -> date:
    """The person's calendar day at `now` (default: this moment)."""
    return timezone.localdate(now or timezone.now(), timezone=person_zone(user))


def person_locale(user) -> str:
    """The locale a message to this person is written in without a request (emails, feeds):
    their language, with dates as their country writes them ("en-us", "en", "de")."""
    return format_locale(user.language or settings.LANGUAGE_CODE, str(user.country or ""))
