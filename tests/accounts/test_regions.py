"""Sign-up asks where the person lives; that sets their units, upper limits and language."""

import uuid

import pytest

from accounts.models import User
from accounts.regions import region_defaults


@pytest.mark.parametrize(
    ("country", "vitd", "mineral", "limits"),
    [
        pytest.param("DE", "nmol/L", "mmol/L", "efsa", id="germany"),
        pytest.param("fr", "nmol/L", "mmol/L", "efsa", id="lower-case"),
        pytest.param("GB", "nmol/L", "mmol/L", "efsa", id="uk"),
        pytest.param("CA", "nmol/L", "mmol/L", "iom", id="canada"),
        pytest.param("AU", "nmol/L", "mmol/L", "iom", id="australia"),
        pytest.param("US", "ng/mL", "mg/dL", "iom", id="us"),
        pytest.param("PR", "ng/mL", "mg/dL", "iom", id="puerto-rico"),
        pytest.param("", "ng/mL", "mg/dL", "iom", id="unknown-keeps-todays-defaults"),
    ],
)
def test_region_defaults(country, vitd, mineral, limits):
    defaults = region_defaults(country)
    assert (defaults.vitd_unit, defaults.mineral_unit, defaults.upper_limits) == (
        vitd,
        mineral,
        limits,
    )


def _sign_up(client, **extra):
    data = {
        "email": "neu@example.org",
        "password1": "a-long-Passw0rd!",
        "password2": "a-long-Passw0rd!",
    }
    return client.post("/accounts/signup/", data | extra, **{"HTTP_ACCEPT_LANGUAGE": "de-DE"})


@pytest.mark.django_db
def test_a_german_sign_up_gets_si_units_berlin_time_and_german(client):
    response = _sign_up(client, country="DE", time_zone="Europe/Berlin")
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert (user.country, user.time_zone, user.language) == ("DE", "Europe/Berlin", "de")
    assert (user.vitd_unit, user.mineral_unit, user.upper_limits) == ("nmol/L", "mmol/L", "efsa")


@pytest.mark.django_db
def test_a_us_sign_up_keeps_conventional_units(client):
    _sign_up(client, country="US", time_zone="America/Chicago")
    user = User.objects.get(email="neu@example.org")
    assert (user.vitd_unit, user.mineral_unit, user.upper_limits, user.time_zone) == (
        "ng/mL",
        "mg/dL",
        "iom",
        "America/Chicago",
    )


@pytest.mark.django_db
def test_country_and_zone_may_be_left_empty(client):
    assert _sign_up(client).status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert (user.country, user.time_zone, user.vitd_unit) == ("", "UTC", "ng/mL")


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("country", "XX"), ("time_zone", "Mars/Olympus")])
def test_an_unknown_country_or_zone_is_refused(client, field, value):
    response = _sign_up(client, **{field: value})
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()


@pytest.mark.django_db
def test_the_sign_up_page_marks_the_fields_the_browser_fills(client):
    body = client.get("/accounts/signup/").content.decode()
    assert 'data-detect="country"' in body
    assert 'data-detect="time-zone"' in body
    assert "/static/js/signup.js" in body


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_translations")
def test_the_confirmation_email_is_in_the_language_the_person_signed_up_in(client, mailoutbox):
    email = f"bestaetigung-{uuid.uuid4().hex[:8]}@example.org"  # allauth rate-limits an address
    _sign_up(client, email=email, country="DE", time_zone="Europe/Berlin")
    (message,) = mailoutbox
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in message.subject
    assert " du " not in f" {message.body} ".lower()


@pytest.mark.django_db
def test_a_person_who_signed_up_in_berlin_is_reminded_at_nine_in_berlin(client):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from protocols.reminders.times import reminder_send_at

    _sign_up(client, email="berlin@example.org", country="DE", time_zone="Europe/Berlin")
    user = User.objects.get(email="berlin@example.org")
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    send_at = reminder_send_at(user=user, due_on=dt.date(2027, 1, 26), now=now)
    local = send_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (9, 0)
    assert send_at.astimezone(dt.UTC).hour == 8  # 09:00 CET, not 09:00 UTC
