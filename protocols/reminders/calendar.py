"""The retest iCal feed: one all-day event on the day the retest is due (RFC 5545).

Built with the `icalendar` library (escaping, folding and line endings are its job). The
event's UID is the person's, not the plan's: when a new plan moves the retest, calendar
apps move the event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def retest_calendar(
    retest: RetestView | None, *, uid: str, requisition_url: str, now: datetime | None = None
) -> bytes:
    """The feed's bytes: the calendar, holding the retest when the plan has one."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Cofactor retests"))
    # Calendar apps poll a feed; twice a day is enough for a date weeks away.
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    if retest is not None:
        calendar.add_component(_retest_event(retest, uid, requisition_url, now))
    return calendar.to_ical()


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
