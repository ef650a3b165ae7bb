"""Dose units read as the page's language prints them (issue 11: German text says "IE",
German labels print "µg"): every page, email and feed that names a dose writes it through
labs.display.dose_unit; stored values, forms' values and the JSON contract keep IU and mcg."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from labs.display import dose_unit, format_amount_range
from protocols.models import DoseEmail, Reminder
from protocols.reminders.doses import dose_emails_sweep
from protocols.reminders.selectors import daily_doses
from protocols.reminders.sending import reminder_send
from tests.factories import IntakeFactory, UserFactory, panel_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_translations")]

# A dose unit as English writes it, standing alone (not inside "IUPAC" or an attribute).
ENGLISH_DOSE_UNIT = re.compile(r"(?<![\w-])(IU|mcg)(?![\w-])")


def shown_text(html: str) -> str:
    """What a person reads: the text between tags (attribute values and form values aside),
    plus the text a chart's JSON draws."""
    charts = " ".join(
        re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', html, re.DOTALL)
    )
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", body) + " " + charts


def german_person():
    user = UserFactory(language="de", country="DE", vitd_unit="nmol/L", mineral_unit="mmol/L")
    today = dt.date.today()
    panel_with(
        user, today - dt.timedelta(days=20), vitd_25oh=(45, "nmol/L"), mg_serum=(0.7, "mmol/L")
    )
    since = today - dt.timedelta(days=10)
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=4000, unit="IU", since=since,
                  take_at=dt.time(8, 0))  # fmt: skip
    IntakeFactory(user=user, nutrient="vitamin_k2_mk7", amount=100, unit="mcg", since=since,
                  take_at=dt.time(8, 0))  # fmt: skip
    IntakeFactory(user=user, nutrient="magnesium", amount=300, unit="mg", since=since)
    return user


PAGES = [
    "protocols:plan",
    "dashboard:home",
    "protocols:supplements",
    "dashboard:report",
    "protocols:doses",
    "dashboard:trends",
]


@pytest.mark.parametrize("page", PAGES)
def test_german_pages_write_ie_and_micrograms(client, page):
    client.force_login(german_person())
    client.get(reverse("protocols:plan"))  # the plan the other pages show
    html = client.get(reverse(page)).content.decode()
    text = shown_text(html)
    found = [text[max(0, m.start() - 60) : m.end() + 20] for m in ENGLISH_DOSE_UNIT.finditer(text)]
    assert not found, found
    if page in ("protocols:plan", "dashboard:home", "protocols:supplements", "dashboard:report"):
        assert re.search(r"\d IE\b", text)


def test_the_supplements_page_keeps_iu_as_the_stored_value(client):
    user = german_person()
    client.force_login(user)
    html = client.get(reverse("protocols:supplements")).content.decode()
    assert "4.000 IE" in shown_text(html) and "100 µg" in shown_text(html)
    edit = client.get(
        reverse("protocols:supplement-edit", args=[user.supplements.get(unit="IU").pk])
    )
    form_html = edit.content.decode()
    assert '<option value="IU" selected>IE</option>' in form_html


def test_the_plan_json_keeps_the_units_and_shows_ie_in_its_display_text(client):
    client.force_login(german_person())
    data = json.loads(client.get(reverse("protocols:plan-json")).content)
    assert "IU" in {s["unit"] for s in data["supplements"]}
    display = json.dumps(data["display"], ensure_ascii=False)
    assert not ENGLISH_DOSE_UNIT.search(display) and " IE" in display


def test_the_what_if_page_writes_ie_in_german(client):
    values = {"vitd_25oh": "45,5", "vitd_25oh_unit": "nmol/L", "mg_serum": "0,7",
              "mg_serum_unit": "mmol/L", "d3_iu": "4000", "k2_mcg": "100"}  # fmt: skip
    response = client.post(reverse("protocols:what-if"), values, HTTP_ACCEPT_LANGUAGE="de-DE")
    text = shown_text(response.content.decode())
    assert "IE" in text
    assert not ENGLISH_DOSE_UNIT.findall(text), ENGLISH_DOSE_UNIT.findall(text)


def test_the_daily_dose_email_writes_ie(mailoutbox):
    user = german_person()
    DoseEmail.objects.create(user=user)
    evening = timezone.now().replace(hour=23, minute=0)  # after 08:00 in Berlin, same day
    assert dose_emails_sweep(now=evening) == 1
    message = mailoutbox[0]
    html = message.alternatives[0][0]
    assert "4.000 IE" in message.body and "100 µg" in message.body
    assert not ENGLISH_DOSE_UNIT.search(message.body + shown_text(html))


def test_the_reminder_email_and_calendar_write_ie(client, mailoutbox):
    user = german_person()
    client.force_login(user)
    client.get(reverse("protocols:plan"))  # makes the plan, and its retest reminder
    reminder = Reminder.objects.get(user=user)
    later = timezone.now() + dt.timedelta(days=400)  # when it is due
    assert reminder_send(reminder_id=reminder.pk, now=later) == "sent"
    message = mailoutbox[0]
    assert not ENGLISH_DOSE_UNIT.search(message.subject + message.body)
    with translation.override("de"):
        labels = [dose.label for dose in daily_doses(user, host="example.org")]
    assert "Vitamin D3 4.000 IE" in labels


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["IU", "mg", "mcg"]),
    low=st.integers(1, 50_000),
    extra=st.integers(0, 10_000),
)
def test_every_dose_reads_in_the_languages_unit(unit, low, extra):
    for language, expected in (("de", {"IU": "IE", "mg": "mg", "mcg": "µg"}),
                               ("en", {"IU": "IU", "mg": "mg", "mcg": "mcg"})):  # fmt: skip
        with translation.override(language):
            assert dose_unit(unit) == expected[unit]
            text = format_amount_range(low, low + extra, unit)
            assert text.endswith(f" {expected[unit]}")
            if language == "de":
                assert not ENGLISH_DOSE_UNIT.search(text)
    assert dose_unit("ng/mL") == "ng/mL" and dose_unit("") == ""
