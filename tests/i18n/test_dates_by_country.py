"""Dates follow the person's country as well as their language (issue 11: the country "sets
… the date format"), one format per locale through Django's l10n (config/formats/): an
American reads "Dec 1, 2026", a British, Irish, Australian or Canadian reader "1 Dec 2026", a
German one "1. Dez. 2026"; pages, emails and a visitor's pages (by the browser's region)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.regions import browser_country, format_locale
from dashboard.charts import _date_axis as date_axis
from labs.display import date_formatter, format_date, format_datetime
from protocols.reminders.sending import reminder_send
from tests.factories import IntakeFactory, ReminderFactory, UserFactory, panel_with

pytestmark = pytest.mark.usefixtures("compiled_translations")

DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("language", "country", "locale"),
    [
        ("en", "US", "en-us"),
        ("en", "PR", "en-us"),
        ("en", "GB", "en"),
        ("en", "AU", "en"),
        ("en", "CA", "en"),
        ("en", "IE", "en"),
        ("en", "", "en"),
        ("de", "DE", "de"),
        ("de", "AT", "de"),
        ("de", "US", "de"),
        ("", "US", "en-us"),
        ("en-gb", "us", "en-us"),
    ],
)
def test_the_locale_is_the_language_in_the_persons_country(language, country, locale):
    assert format_locale(language, country) == locale


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "DE"),
        ("en-GB,en;q=0.9", "GB"),
        ("de", "DE"),
        ("en", "US"),
        ("en;q=0.5,de-AT;q=0.9", "AT"),
        ("zh-Hant-TW", "TW"),
        ("*", ""),
        ("", ""),
        ("xx-YY-ZZZZ;q=abc", ""),
    ],
)
def test_a_browsers_country_is_read_from_its_languages(header, country):
    assert browser_country(header) == country


@pytest.mark.parametrize(
    ("locale", "date", "moment"),
    [
        ("en-us", "Mar 2, 2026", "Mar 2, 2026, 6:41 PM"),
        ("en", "2 Mar 2026", "2 Mar 2026, 18:41"),
        ("de", "2. März 2026", "2. März 2026, 18:41"),
    ],
)
def test_one_format_per_locale_short_long_and_fast_alike(locale, date, moment):
    with translation.override(locale):
        assert format_date(DAY) == date == date_formatter()(DAY)
        assert format_datetime(dt.datetime(2026, 3, 2, 18, 41)) == moment


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "country", "shown"),
    [
        ("en", "US", "Mar 2, 2026"),
        ("en", "GB", "2 Mar 2026"),
        ("en", "AU", "2 Mar 2026"),
        ("de", "DE", "2. März 2026"),
    ],
)
def test_a_persons_pages_write_dates_as_their_country_does(client, language, country, shown):
    user = UserFactory(language=language, country=country)
    panel_with(user, DAY, vitd_25oh=32.0)
    client.force_login(user)
    body = client.get(reverse("labs:panel-list")).content.decode()
    assert shown in body
    assert f'<html lang="{language}' in body


@pytest.mark.django_db
def test_the_language_switcher_still_marks_the_language_for_an_american(client):
    client.force_login(UserFactory(language="en", country="US"))
    body = client.get(reverse("accounts:preferences")).content.decode()
    assert '<option value="en" lang="en" selected>' in body
    assert '<html lang="en-us">' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "locale", "month_first"),
    [("en-US,en;q=0.9", "en-us", True), ("en-GB,en;q=0.9", "en", False)],
)
def test_a_visitors_dates_follow_the_browsers_region(client, header, locale, month_first):
    data = {"vitd_25oh": "22", "vitd_25oh_unit": "ng/mL"}
    response = client.post(reverse("protocols:what-if"), data, HTTP_ACCEPT_LANGUAGE=header)
    retest = response.context["pv"].retest
    with translation.override(locale):
        written = format_date(retest.due_on)
    assert written in response.content.decode()
    assert written[0].isalpha() is month_first  # "Mar 2, 2026" / "2 Mar 2026"


@pytest.mark.django_db
def test_a_sign_up_from_an_american_browser_stores_the_language_not_the_locale(client):
    data = {
        "email": "us@example.org",
        "password1": "a-long-Passw0rd!",
        "password2": "a-long-Passw0rd!",
        "country": "US",
    }
    client.post("/accounts/signup/", data, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert User.objects.get(email="us@example.org").language == "en"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "country", "pattern"),
    [("en", "US", "{month} {day}, {year}"), ("en", "GB", "{day} {month} {year}")],
)
def test_the_reminder_email_writes_the_date_as_the_persons_country(
    mailoutbox, language, country, pattern
):
    user = UserFactory(language=language, country=country)
    reminder = ReminderFactory(user=user, due_on=dt.date.today() + dt.timedelta(days=7))
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    due = reminder.due_on
    written = pattern.format(month=due.strftime("%b"), day=due.day, year=due.year)
    message = mailoutbox[0]
    assert written in message.subject
    assert written in message.body


@pytest.mark.django_db
def test_settings_name_every_field_in_german_and_change_the_country(client):
    user = UserFactory(language="de", country="DE")
    client.force_login(user)
    body = client.get(reverse("accounts:preferences")).content.decode()
    for label in ("Land oder Region", "Zeitzone", "Regelwerk"):
        assert f"{label}<" in body or f"{label}*<" in body or f"{label}\n" in body, label
    assert "Time zone" not in body and "Rule set" not in body
    form = client.get(reverse("accounts:preferences")).context["form"]
    data = {name: form[name].value() for name in form.fields} | {"country": "US"}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    client.post(reverse("accounts:preferences"), data)
    user.refresh_from_db()
    assert user.country == "US"
    panel_with(user, DAY, vitd_25oh=32.0)
    user.language = "en"
    user.save(update_fields=["language"])
    assert "Mar 2, 2026" in client.get(reverse("labs:panel-list")).content.decode()


@pytest.mark.django_db
def test_a_settings_post_without_the_country_keeps_it(client):
    user = UserFactory(country="GB")
    client.force_login(user)
    form = client.get(reverse("accounts:preferences")).context["form"]
    data = {name: form[name].value() for name in form.fields if name != "country"}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    assert client.post(reverse("accounts:preferences"), data).status_code == 302
    user.refresh_from_db()
    assert user.country == "GB"


@pytest.mark.parametrize(
    ("locale", "ticks"),
    [
        ("en-us", ["%b %-d, %Y", "%b %-d"]),
        ("en", ["%-d %b %Y", "%-d %b"]),
        ("de", ["%-d. %b %Y", "%-d. %b"]),
    ],
)
def test_chart_axes_write_dates_as_the_page_does(locale, ticks):
    """The axis formats come from the locale's own (config/formats/), not a second copy."""
    with translation.override(locale):
        axis = date_axis()
    assert [stop["value"] for stop in axis["tickformatstops"]][:2] == ticks
    assert axis["hoverformat"] == ticks[0]


@pytest.mark.django_db
def test_a_german_supplement_edit_keeps_its_since_date(client):
    user = UserFactory(language="de", country="DE")
    intake = IntakeFactory(user=user, nutrient="magnesium", amount=300, unit="mg", since=DAY)
    client.force_login(user)
    body = client.get(reverse("protocols:supplement-edit", args=[intake.pk])).content.decode()
    assert 'value="2026-03-02"' in body  # a date input shows nothing for "02.03.2026"
