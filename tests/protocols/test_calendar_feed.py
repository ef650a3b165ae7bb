"""The retest iCal feed: parses with icalendar, holds the retest date, dies when revoked."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from config.logs import redact
from protocols.models import CalendarFeed, SupplementIntake
from protocols.reminders.calendar import feed_urls
from tests.factories import UserFactory, plan_with_retest

pytestmark = pytest.mark.django_db

DUE = dt.date.today() + dt.timedelta(days=40)


def feed_path(user) -> str:
    return reverse("reminders:calendar-feed", args=[CalendarFeed.objects.get(user=user).token])


def turn_on(client, user) -> str:
    client.force_login(user)
    response = client.post(reverse("reminders:calendar-new"))
    assert response.status_code == 302
    return feed_path(user)


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_parses_and_holds_the_plans_retest_date_without_a_session(client, user):
    plan_with_retest(user, DUE, tests=("vitd_25oh", "mg_rbc"))
    path = turn_on(client, user)
    (event,) = events(Client().get(path))  # a calendar app: no cookie
    assert event.decoded("dtstart") == DUE
    assert "25(OH)D" in str(event["description"]) or "25-hydroxy" in str(event["description"])
    assert event.walk("VALARM")  # an alert ahead of the draw


def test_the_settings_page_shows_the_address_and_it_opens_the_feed(client, user):
    plan_with_retest(user, DUE)
    path = turn_on(client, user)
    page = client.get(reverse("accounts:preferences")).content.decode()
    url, webcal = feed_urls(CalendarFeed.objects.get(user=user).token)
    assert url.endswith(path) and url in page and webcal in page


def test_a_new_address_revokes_the_old_one_and_turning_off_revokes_all(client, user):
    plan_with_retest(user, DUE)
    old = turn_on(client, user)
    client.post(reverse("reminders:calendar-new"))
    new = feed_path(user)
    assert new != old
    assert Client().get(old).status_code == 404
    assert events(Client().get(new))
    client.post(reverse("reminders:calendar-off"))
    assert Client().get(new).status_code == 404
    assert not CalendarFeed.objects.filter(user=user).exists()


def test_a_made_up_token_is_404_and_a_feed_shows_only_its_owners_dates(client, user):
    plan_with_retest(user, DUE)
    other = UserFactory()
    plan_with_retest(other, DUE + dt.timedelta(days=9))
    mine, theirs = turn_on(client, user), turn_on(Client(), other)
    assert Client().get(reverse("reminders:calendar-feed", args=["x" * 43])).status_code == 404
    (event,) = events(Client().get(theirs))
    assert event.decoded("dtstart") == DUE + dt.timedelta(days=9)
    assert mine != theirs


def test_no_plan_yet_is_an_empty_valid_calendar(client, user):
    assert events(Client().get(turn_on(client, user))) == []


def test_the_feed_is_not_stored_nor_indexed(client, user):
    response = Client().get(turn_on(client, user))
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_switches_need_a_login_and_a_post(client, user):
    for name in ("reminders:calendar-new", "reminders:calendar-off"):
        assert client.post(reverse(name))["Location"].startswith(reverse("account_login"))
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 405
        client.logout()
    assert not CalendarFeed.objects.exists()


def test_the_token_never_reaches_a_log_line():
    token = "Zq9" * 14
    assert token not in redact(f"GET /reminders/calendar/{token}.ics HTTP/1.1")
    assert redact("/reminders/calendar/new/") == "/reminders/calendar/new/"


# --- daily supplement alarms (issue #17, opt-in) ------------------------------------------


def test_daily_supplement_alarms_are_opt_in_at_each_supplements_time(client, user):
    user.time_zone = "Europe/Berlin"
    user.save()
    plan_with_retest(user, DUE, tests=("vitd_25oh",))
    start = dt.date(2026, 11, 2)
    SupplementIntake.objects.create(
        user=user, nutrient="magnesium", amount=400, unit="mg", since=start, take_at=dt.time(21)
    )
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=4000, unit="IU")
    path = turn_on(client, user)
    assert len(events(Client().get(path))) == 1  # the retest only, until asked for
    assert client.post(reverse("reminders:calendar-alarms"), {"alarms": "on"}).status_code == 302
    found = events(Client().get(path))
    daily = [e for e in found if str(e["uid"]).startswith("supplement-")]
    assert len(found) == 2 and len(daily) == 1  # D3 has no time of day: no alarm
    (event,) = daily
    begins = event.decoded("dtstart")
    assert (begins.date(), begins.time(), str(begins.tzinfo)) == (
        start,
        dt.time(21),
        "Europe/Berlin",
    )
    assert event["rrule"]["FREQ"] == ["DAILY"]
    assert "Magnesium" in str(event["summary"]) and "400 mg" in str(event["summary"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == dt.timedelta(0)
    assert Calendar.from_ical(Client().get(path).content).walk("VTIMEZONE")
    client.post(reverse("reminders:calendar-alarms"), {"alarms": "off"})
    assert len(events(Client().get(path))) == 1


def test_alarms_need_a_feed_first(client, user):
    client.force_login(user)
    response = client.post(reverse("reminders:calendar-alarms"), {"alarms": "on"}, follow=True)
    assert "Turn the calendar address on first." in response.content.decode()
    assert not CalendarFeed.objects.filter(user=user).exists()


def test_a_german_persons_feed_names_the_tests_in_german_whatever_the_app_asks_in(client):
    """Calendar apps send no Accept-Language (or their own): the retest's tests are named in
    the person's language, like the rest of the event (the plan page says 'Erythrozyten-Mg')."""
    person = UserFactory(language="de")
    plan_with_retest(person, DUE, tests=("vitd_25oh", "mg_rbc"))
    path = turn_on(client, person)
    (event,) = events(Client().get(path, HTTP_ACCEPT_LANGUAGE="en"))
    description = str(event["description"])
    assert description.startswith("Bitten Sie das Labor um:")
    assert "Erythrozyten-Mg" in description and "RBC Mg" not in description
