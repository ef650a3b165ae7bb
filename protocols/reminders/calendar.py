"""The retest iCal feed: one all-day event on the day the retest is due (RFC 5545), and, if
the person turned them on, a daily event with an alarm at each supplement's time of day.

Built with the `icalendar` library (escaping, folding and line endings are its job). The
event's UID is the person's, not the plan's: when a new plan moves the retest, calendar
apps move the event instead of adding a second one. A supplement's event is that
supplement's (its row), so a new time moves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from protocols.presenters import RetestView

PRODID = "-//Cofactor//Retest reminders//EN"


def feed_urls(token: str) -> tuple[str, str]:
    """The feed's address to paste into a calendar app, and its webcal:// form that opens one."""
    url = settings.SITE_URL + reverse("reminders:calendar-feed", args=[token])
    return url, "webcal://" + url.split("://", 1)[-1]


@dataclass(frozen=True)
class DailyDose:
    """A supplement taken at a time of day: a daily event with an alarm at that time."""

    uid: str
    label: str  # "Magnesium 400 mg"
    at: time
    starts_on: date  # the first day of the series


def retest_calendar(
    retest: RetestView | None,
    *,
    uid: str,
    requisition_url: str,
    now: datetime | None = None,
    doses: Sequence[DailyDose] = (),
    time_zone: str = "UTC",
    log_url: str = "",
) -> bytes:
    """The feed's bytes: the calendar, holding the retest when the plan has one, and a daily
    alarm for each of `doses` (in the person's `time_zone`)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Cofactor retests"))
    # Calendar apps poll a feed; twice a day is enough for a date weeks away.
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    if retest is not None:
        calendar.add_component(_retest_event(retest, uid, requisition_url, now))
    for dose in doses:
        calendar.add_component(_dose_event(dose, ZoneInfo(time_zone), log_url, now))
    if doses:
        calendar.add_missing_timezones()  # the VTIMEZONE the daily events' TZID names
    return calendar.to_ical()


DOSE_MINUTES = 5


def _dose_event(dose: DailyDose, zone: ZoneInfo, log_url: str, now: datetime | None) -> Event:
    """Every day at the supplement's time, with an alarm then; a tap on the link logs it."""
    event = Event()
    event.add("uid", dose.uid)
    event.add("dtstamp", now or datetime.now(UTC))
    start = datetime.combine(dose.starts_on, dose.at, tzinfo=zone)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=DOSE_MINUTES))
    event.add("rrule", {"freq": "daily"})
    summary = _("Take %(supplement)s (Cofactor)") % {"supplement": dose.label}
    event.add("summary", summary)
    if log_url:
        event.add("description", _("Mark it taken:") + " " + log_url)
        event.add("url", log_url)
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event


def _retest_event(
    retest: RetestView, uid: str, requisition_url: str, now: datetime | None
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now or datetime.now(UTC))
    event.add("dtstart", retest.due_on)  # a date: an all-day event
    event.add("dtend", retest.due_on + timedelta(days=1))
    event.add("summary", _("Blood test due (Cofactor)"))
    lines = [_("Ask the lab for:") + " " + ", ".join(retest.tests)] if retest.tests else []
    lines.append(_("The requisition sheet lists the tests and how to prepare:"))
    lines.append(requisition_url)
    event.add("description", "\n".join(lines))
    event.add("url", requisition_url)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
    alarm = Alarm()  # three days ahead: in time to pause biotin 72 hours before the draw
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Blood test due (Cofactor)"))
    alarm.add("trigger", timedelta(days=-3))
    event.add_component(alarm)
    return event
