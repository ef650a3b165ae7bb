"""The opt-in daily supplement email (issue #17): at the first supplement time of the
person's day, once a day, never when everything is logged or when they did not opt in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from protocols.models import DoseEmail
from protocols.reminders.doses import dose_emails_due, dose_emails_sweep
from protocols.reminders.tasks import send_dose_emails
from tests.factories import DoseLogFactory, IntakeFactory

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
