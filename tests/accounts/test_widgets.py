"""The time-zone <select>: built once, grouped by region, the person's zone selected."""

import re
import zoneinfo

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.forms import TIME_ZONE_CHOICES, PreferencesForm, SignupForm
from accounts.widgets import TimeZoneSelect

ZONES = sorted(zoneinfo.available_timezones())


def selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES))
def test_exactly_the_given_zone_is_selected(zone):
    html = TimeZoneSelect(choices=TIME_ZONE_CHOICES).render("time_zone", zone)
    assert selected(html) == [zone]
    assert sorted(re.findall(r'<option value="([^"]*)"', html)) == ZONES  # each zone once


def test_zones_are_grouped_by_region_and_the_rest_stand_alone():
    html = TimeZoneSelect(choices=TIME_ZONE_CHOICES).render("time_zone", "UTC")
    europe = re.search(r'<optgroup label="Europe">(.*?)</optgroup>', html).group(1)
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in europe
    assert "America/" not in europe
    loose = html[: html.index("<optgroup")]
    assert '<option value="UTC" selected>UTC</option>' in loose


@pytest.mark.django_db
def test_settings_page_shows_the_persons_zone_and_saves_another(client, user):
    user.time_zone = "Asia/Kolkata"
    user.save()
    client.force_login(user)
    html = client.get(reverse("accounts:preferences")).content.decode()
    select = re.search(r'<select[^>]*name="time_zone".*?</select>', html, re.S).group(0)
    assert "form-select" in select and 'id="id_time_zone"' in select
    assert selected(select) == ["Asia/Kolkata"]
    form = PreferencesForm(instance=user)
    data = {name: form[name].value() for name in form.fields}
    bad = PreferencesForm({**data, "time_zone": "Mars/Olympus"}, instance=user)
    assert not bad.is_valid() and "time_zone" in bad.errors
    good = PreferencesForm({**data, "time_zone": "Europe/Lisbon"}, instance=user)
    assert good.is_valid(), good.errors


def test_signup_starts_with_no_zone_chosen():
    html = str(SignupForm()["time_zone"])
    assert selected(html) == []
    assert html.index('<option value="">') < html.index("<optgroup")
    assert 'data-detect="time-zone"' in html


@pytest.mark.django_db
def test_the_cached_settings_form_follows_each_change(client, user):
    client.force_login(user)
    url = reverse("accounts:preferences")
    html = client.get(url).content.decode()  # fills the cache
    assert selected(re.search(r'name="time_zone".*?</select>', html, re.S).group(0)) == ["UTC"]
    form = PreferencesForm(instance=user)
    data = {name: form[name].value() for name in form.fields}
    response = client.post(url, {**data, "time_zone": "Europe/Lisbon", "vitd_unit": "nmol/L"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    zone = re.search(r'name="time_zone".*?</select>', html, re.S).group(0)
    unit = re.search(r'name="vitd_unit".*?</select>', html, re.S).group(0)
    assert selected(zone) == ["Europe/Lisbon"] and selected(unit) == ["nmol/L"]
    # a refused post shows its own values and errors, never the cached form
    bad = client.post(url, {**data, "time_zone": "Mars/Olympus"}).content.decode()
    assert "Mars/Olympus" in bad or "Select a valid choice" in bad
