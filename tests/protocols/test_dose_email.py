"""The opt-in daily supplement email (issue #17): at the first supplement time of the
person's day, once a day, never when everything is logged or when they did not opt in."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from protocols.models import DoseEmail, Reminder
from protocols.reminders.doses import dose_emails_due, dose_emails_sweep
from protocols.reminders.links import reminder_link_token
from protocols.reminders.tasks import send_dose_emails
from tests.factories import (
    DoseEmailFactory,
    DoseLogFactory,
    IntakeFactory,
    PlanFactory,
    UserFactory,
)  # fmt: skip

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: dt.date = dt.date(2026, 12, 1)) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN).astimezone(dt.UTC)


@pytest.fixture
def person(user):
    user.time_zone = "Europe/Berlin"
    user.save()
    IntakeFactory(user=user, nutrient="magnesium", amount=400, unit="mg", take_at=dt.time(21))
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=4000, unit="IU", take_at=dt.time(8))
    DoseEmail.objects.create(user=user)
    return user


def test_it_goes_out_at_the_first_supplement_time_in_the_persons_zone_once_a_day(
    person, mailoutbox
):
    assert dose_emails_sweep(now=at(7, 59)) == 0
    assert dose_emails_sweep(now=at(8, 0)) == 1
    assert dose_emails_sweep(now=at(12)) == 0  # the same day: never twice
    (email,) = mailoutbox
    assert email.to == [person.email] and "today" in email.subject
    assert "Magnesium" in email.body and "Vitamin D3" in email.body
    assert reverse("protocols:doses") in email.body
    assert "text/html" in email.alternatives[0][1]
    assert dose_emails_sweep(now=at(8, day=dt.date(2026, 12, 2))) == 1  # the next day again


def test_only_what_is_not_logged_yet_and_nothing_once_all_are(person, mailoutbox):
    today = dt.date(2026, 12, 1)
    d3 = person.supplements.get(nutrient="vitamin_d3")
    DoseLogFactory(intake=d3, taken_on=today)
    assert dose_emails_sweep(now=at(9)) == 1
    assert "Vitamin D3" not in mailoutbox[0].body and "Magnesium" in mailoutbox[0].body
    DoseLogFactory(intake=person.supplements.get(nutrient="magnesium"), taken_on=today)
    DoseEmail.objects.update(last_sent_on=None)
    assert dose_emails_sweep(now=at(22)) == 0


def test_nothing_without_opting_in_or_without_a_time_of_day(user, person, mailoutbox):
    DoseEmail.objects.all().delete()
    assert dose_emails_due(now=at(23)) == []
    DoseEmail.objects.create(user=person)
    person.supplements.update(take_at=None)
    assert dose_emails_due(now=at(23)) == []
    assert mailoutbox == []


def test_the_email_is_in_the_persons_language(person, mailoutbox, compiled_translations):
    person.language = "de"
    person.save()
    dose_emails_sweep(now=at(8))
    assert "heute" in mailoutbox[0].subject


def test_a_failed_send_gives_the_day_back(person, settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    assert dose_emails_sweep(now=at(8)) == 0
    assert DoseEmail.objects.get().last_sent_on is None


def test_the_task_runs_the_sweep(person, mailoutbox):
    assert send_dose_emails.apply().get() in (0, 1)  # today's real clock decides


def test_the_settings_page_switches_it(client_logged_in, user):
    url = reverse("reminders:dose-email")
    client_logged_in.post(url, {"email": "on"})
    assert DoseEmail.objects.filter(user=user).exists()
    page = client_logged_in.get(reverse("accounts:preferences")).content.decode()
    assert "Turn the daily email off" in page
    client_logged_in.post(url, {"email": "off"})
    assert not DoseEmail.objects.filter(user=user).exists()


# --- message hygiene and the email's own one-click unsubscribe (issue #13's, for this email) --


def _sent(mailoutbox):
    return message_from_bytes(mailoutbox[-1].message().as_bytes())


def _link(body: str, pattern: str) -> str:
    return re.search(rf"https?://\S*{pattern}\S*", body).group(0)


def test_the_headers_carry_our_domain_a_real_offset_and_one_click_unsubscribe(
    person, mailoutbox, settings
):
    settings.SITE_URL = "https://cofactor.example"
    person.time_zone = "Asia/Kolkata"  # +05:30: no server default gives it
    person.save()
    person.supplements.update(take_at=dt.time(0))  # due whenever the test runs
    assert dose_emails_sweep(now=timezone.now()) == 1
    sent = _sent(mailoutbox)
    assert sent["Message-ID"].endswith("@cofactor.example>")
    date = parsedate_to_datetime(sent["Date"])
    assert date.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert abs(date - timezone.now()) < dt.timedelta(minutes=1)
    one_click = "".join(sent["List-Unsubscribe"].split()).strip("<>")
    assert one_click.startswith("https://cofactor.example/reminders/doses/unsubscribe/")
    assert one_click.endswith("/one-click/")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_stops_only_the_daily_email_and_the_settings_page_says_so(
    person, mailoutbox, client
):
    plan = PlanFactory(user=person)
    reminder = Reminder.objects.create(
        user=person, plan=plan, due_on=dt.date(2027, 1, 1), send_at=timezone.now(),
        tests=["vitd_25oh"],
    )  # fmt: skip
    retest_unsubscribe = reminder_link_token(reminder, "unsubscribe")
    dose_emails_sweep(now=at(8))
    one_click = "".join(_sent(mailoutbox)["List-Unsubscribe"].split()).strip("<>")
    mail_client = Client(enforce_csrf_checks=True)  # a mailbox provider posts, no cookie
    response = mail_client.post(urlsplit(one_click).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not DoseEmail.objects.filter(user=person).exists()
    person.refresh_from_db()
    reminder.refresh_from_db()
    assert person.reminders_enabled and reminder.state in Reminder.OPEN_STATES
    # the retest email's own unsubscribe link still works on its own
    path = reverse("reminders:unsubscribe", args=[retest_unsubscribe])
    assert client.get(path).status_code == 200
    client.force_login(person)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Turn the daily email on" in page
    assert dose_emails_sweep(now=at(8, day=dt.date(2026, 12, 2))) == 0


def test_the_body_link_asks_first_then_stops_and_is_used_afterwards(person, mailoutbox, client):
    dose_emails_sweep(now=at(8))
    url = _link(mailoutbox[0].body, "/reminders/doses/unsubscribe/")
    assert url in mailoutbox[0].alternatives[0][0]  # the HTML part carries the same link
    path = urlsplit(url).path
    assert client.get(path).status_code == 200  # a scanner's GET changes nothing
    assert DoseEmail.objects.filter(user=person).exists()
    response = client.post(path)
    assert response.status_code == 200 and b"dose-unsubscribed" in response.content
    assert not DoseEmail.objects.filter(user=person).exists()
    DoseEmail.objects.create(user=person)  # opting in again: the old link is spent
    assert client.post(path).status_code == 400
    assert DoseEmail.objects.filter(user=person).exists()


def test_a_forged_or_retest_token_or_a_wrong_body_is_refused(person, mailoutbox, client):
    dose_emails_sweep(now=at(8))
    path = urlsplit(_link(mailoutbox[0].body, "/reminders/doses/unsubscribe/")).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    one_click = reverse("reminders:dose-one-click-unsubscribe", args=[token])
    assert client.post(one_click, {"List-Unsubscribe": "no"}).status_code == 400
    forged = reverse("reminders:dose-one-click-unsubscribe", args=[token[:-2] + "xx"])
    assert client.post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 400
    plan = PlanFactory(user=person)
    reminder = Reminder.objects.create(
        user=person, plan=plan, due_on=dt.date(2027, 1, 1), send_at=timezone.now(),
        tests=["vitd_25oh"],
    )  # fmt: skip
    retest = reverse(
        "reminders:dose-one-click-unsubscribe",
        args=[reminder_link_token(reminder, "unsubscribe")],
    )
    assert client.post(retest, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.get(one_click).status_code == 302  # a GET only goes to the question
    assert DoseEmail.objects.filter(user=person).exists()


def test_german_person_gets_german_labels_numbers_and_times(
    person, mailoutbox, compiled_translations
):
    person.language = "de"
    person.save()
    person.supplements.filter(nutrient="magnesium").update(amount=1250)
    dose_emails_sweep(now=at(8))
    body = mailoutbox[0].body
    assert "1.250 mg" in body and "4.000 IE" in body  # German grouping, not 1,250
    assert "(21:00)" in body and "noch nicht" in body
    assert "Tägliche" in body or "täglich" in body


# --- set-based selection: a constant number of queries however many people are due -----------


def _opted_in(count: int, *, zone: str = "Europe/Berlin", take_at=dt.time(8), logged=False):
    """`count` opted-in people in `zone`, each with two supplements (both logged today when
    `logged`)."""
    people = UserFactory.create_batch(count, time_zone=zone)
    for person in people:
        DoseEmailFactory(user=person)
        for nutrient, unit in (("magnesium", "mg"), ("vitamin_d3", "IU")):
            intake = IntakeFactory(user=person, nutrient=nutrient, unit=unit, take_at=take_at)
            if logged:
                DoseLogFactory(intake=intake, taken_on=dt.date(2026, 12, 1))
    return people


@pytest.mark.parametrize("due", [2, 12])
def test_the_selection_takes_three_queries_however_many_are_due(due, django_assert_num_queries):
    _opted_in(due)
    _opted_in(3, take_at=dt.time(20))  # not due yet at 09:00
    _opted_in(2, logged=True)  # everything logged: nothing to ask
    _opted_in(2, zone="Asia/Tokyo")  # a second zone: 17:00 there, due too
    with django_assert_num_queries(3):
        rows = dose_emails_due(now=at(9))
    assert len(rows) == due + 2
    assert all(len(intakes) == 2 for _row, _day, intakes in rows)


@pytest.mark.parametrize("due", [2, 12])
def test_the_sweep_costs_one_statement_per_email_on_top(due, django_assert_num_queries, mailoutbox):
    _opted_in(due)
    with django_assert_num_queries(3 + due):  # the selection + one claim per email
        assert dose_emails_sweep(now=at(9)) == due
    with django_assert_num_queries(2):  # the next sweep that day: zones, no due rows
        assert dose_emails_sweep(now=at(10)) == 0
    assert len(mailoutbox) == due


def test_each_persons_own_day_in_their_zone():
    """23:30 in Berlin is 07:30 the next day in Tokyo: the Tokyo person's day is the 2nd."""
    (berlin,) = _opted_in(1, take_at=dt.time(7))
    (tokyo,) = _opted_in(1, zone="Asia/Tokyo", take_at=dt.time(7))
    (late,) = _opted_in(1, zone="America/New_York", take_at=dt.time(18))  # 17:30 there
    DoseEmail.objects.filter(user=berlin).update(last_sent_on=dt.date(2026, 12, 1))
    DoseEmail.objects.filter(user=tokyo).update(last_sent_on=dt.date(2026, 12, 1))
    rows = {row.user_id: day for row, day, _intakes in dose_emails_due(now=at(23, 30))}
    assert rows == {tokyo.pk: dt.date(2026, 12, 2)}
    assert late.pk not in rows


def test_a_supplement_logged_today_in_another_zones_day_still_counts_as_pending():
    """Logged on the 1st (Berlin's day) does not count for Tokyo's 2nd."""
    (tokyo,) = _opted_in(1, zone="Asia/Tokyo", take_at=dt.time(7), logged=True)
    ((row, day, intakes),) = dose_emails_due(now=at(23, 30))
    assert (row.user_id, day, len(intakes)) == (tokyo.pk, dt.date(2026, 12, 2), 2)


def test_an_unknown_zone_name_reads_as_utc_and_breaks_nobody():
    (odd,) = _opted_in(1, zone="Mars/Olympus_Mons")  # saved past the validator (old tzdata)
    _opted_in(1)
    rows = dose_emails_due(now=at(9))  # 08:00 UTC
    assert len(rows) == 2
    assert {day for _row, day, _i in rows} == {dt.date(2026, 12, 1)}
    assert odd.pk in {row.user_id for row, _d, _i in rows}
