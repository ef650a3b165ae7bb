""" "Taken today" (issue #17): the dashboard's one-tap button, the phone page for the last
week, ownership, CSRF and the days that may not be logged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.models import DoseLog
from tests.factories import DoseLogFactory, IntakeFactory, ResultFactory

pytestmark = pytest.mark.django_db
HOME = reverse("dashboard:home")
LOG = reverse("protocols:doses")
HX = {"HTTP_HX_REQUEST": "true"}


def today() -> dt.date:
    return dt.date.today()


def tap(client, intake, *, day=None, taken="yes", look="card", **extra):
    url = reverse("protocols:supplement-taken", args=[intake.pk])
    data = {"day": (day or today()).isoformat(), "taken": taken, "look": look}
    return client.post(url, data | extra.pop("data", {}), **extra)


@pytest.fixture
def magnesium(user):
    return IntakeFactory(user=user, nutrient="magnesium", amount=400, unit="mg")


def test_a_tap_on_the_dashboard_marks_today_taken_and_a_second_undoes_it(
    client_logged_in, user, magnesium
):
    html = client_logged_in.get(HOME).content.decode()
    card = re.search(r'data-testid="doses-today".*?</section>', html, re.S).group(0)
    assert "Magnesium" in card and "Mark taken" in card and "400 mg" in card
    response = tap(client_logged_in, magnesium, **HX)
    assert response.status_code == 200
    assert "✓ Taken" in response.content.decode() and 'value="no"' in response.content.decode()
    assert DoseLog.objects.filter(intake=magnesium, taken_on=today(), user=user).exists()
    html = client_logged_in.get(HOME).content.decode()  # the cached card followed the tap
    assert "✓ Taken" in re.search(r'data-testid="doses-today".*?</section>', html, re.S).group(0)
    assert "Mark taken" in tap(client_logged_in, magnesium, taken="no", **HX).content.decode()
    assert not DoseLog.objects.filter(intake=magnesium).exists()


def test_a_tap_twice_stores_one_day(client_logged_in, magnesium):
    tap(client_logged_in, magnesium, **HX)
    tap(client_logged_in, magnesium, **HX)
    assert DoseLog.objects.filter(intake=magnesium).count() == 1


def test_without_htmx_the_form_goes_back_where_it_came_from(client_logged_in, magnesium):
    response = tap(client_logged_in, magnesium, data={"next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME
    response = tap(client_logged_in, magnesium, data={"next": "https://evil.example/"})
    assert response["Location"] == LOG


@pytest.mark.parametrize(
    "offset", [pytest.param(1, id="tomorrow"), pytest.param(-7, id="eight-days-ago")]
)
def test_a_day_outside_the_last_week_is_refused(client_logged_in, magnesium, offset):
    response = tap(client_logged_in, magnesium, day=today() + dt.timedelta(days=offset), **HX)
    assert response.status_code == 400
    assert not DoseLog.objects.exists()


def test_a_day_before_the_supplement_started_is_refused(client_logged_in, user):
    intake = IntakeFactory(user=user, since=today() - dt.timedelta(days=1))
    assert tap(client_logged_in, intake, day=today() - dt.timedelta(days=2)).status_code == 400
    assert tap(client_logged_in, intake, day=today() - dt.timedelta(days=1)).status_code == 302


@pytest.mark.parametrize(
    "data", [{"day": "yesterday"}, {"taken": "maybe"}, {"day": "2026-02-30"}], ids=str
)
def test_garbage_is_a_bad_request(client_logged_in, magnesium, data):
    assert tap(client_logged_in, magnesium, data=data).status_code == 400
    assert not DoseLog.objects.exists()


def test_another_persons_supplement_is_404(client, user, other_user, magnesium):
    client.force_login(other_user)
    assert tap(client, magnesium, **HX).status_code == 404
    assert not DoseLog.objects.exists()


def test_a_tap_needs_the_csrf_token(user, magnesium):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert tap(client, magnesium, **HX).status_code == 403
    assert not DoseLog.objects.exists()


def test_the_phone_page_fills_in_the_last_seven_days(client_logged_in, user, magnesium):
    DoseLogFactory(intake=magnesium, taken_on=today() - dt.timedelta(days=2))
    html = client_logged_in.get(LOG).content.decode()
    days = re.findall(r'data-testid="dose-day" data-day="([\d-]+)"', html)
    assert days == [(today() - dt.timedelta(days=i)).isoformat() for i in range(7)]
    pressed = re.findall(r'aria-pressed="true" data-testid="dose-day" data-day="([\d-]+)"', html)
    assert pressed == [(today() - dt.timedelta(days=2)).isoformat()]
    missed = today() - dt.timedelta(days=3)
    response = tap(client_logged_in, magnesium, day=missed, look="day", **HX)
    assert f'data-day="{missed.isoformat()}"' in response.content.decode()
    assert 'aria-pressed="true"' in response.content.decode()
    assert set(DoseLog.objects.values_list("taken_on", flat=True)) == {
        missed,
        today() - dt.timedelta(days=2),
    }


def test_the_phone_page_offers_no_day_before_the_start(client_logged_in, user):
    IntakeFactory(user=user, since=today() - dt.timedelta(days=2))
    html = client_logged_in.get(LOG).content.decode()
    assert len(re.findall(r'data-testid="dose-day"', html)) == 3


def test_the_rate_since_the_last_draw_is_shown(client_logged_in, user, magnesium):
    drawn = today() - dt.timedelta(days=4)
    ResultFactory(
        panel__user=user, panel__drawn_on=drawn, analyte="mg_rbc", value=4.4, unit="mg/dL"
    )
    for i in (4, 3, 1):  # 3 of the 4 days from the draw to yesterday; today not yet
        DoseLogFactory(intake=magnesium, taken_on=today() - dt.timedelta(days=i))
    assert "75 % of days since your draw" in client_logged_in.get(LOG).content.decode()
    html = client_logged_in.get(HOME).content.decode()
    assert "75 % of days since your last draw" in html


def test_no_supplement_no_card(client_logged_in):
    assert 'data-testid="doses-today"' not in client_logged_in.get(HOME).content.decode()
    assert 'data-testid="dose-empty"' in client_logged_in.get(LOG).content.decode()


def test_the_time_of_day_is_kept_with_the_supplement(client_logged_in, user):
    response = client_logged_in.post(
        reverse("protocols:supplements"),
        {"nutrient": "vitamin_d3", "amount": "4000", "unit": "IU", "take_at": "08:30"},
    )
    assert response.status_code == 302
    assert user.supplements.get().take_at == dt.time(8, 30)
    assert "8:30" in client_logged_in.get(LOG).content.decode()


junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "yes", "no", "day", "card", "2999-01-01", "0001-01-01", "\x00", "//x"]),
    st.dates().map(dt.date.isoformat),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=junk, taken=junk, look=junk, back=junk, htmx=st.booleans())
def test_random_taps_never_give_a_server_error_or_a_day_outside_the_week(
    client_logged_in, magnesium, day, taken, look, back, htmx
):
    data = {"day": day, "taken": taken, "look": look, "next": back}
    url = reverse("protocols:supplement-taken", args=[magnesium.pk])
    response = client_logged_in.post(url, data, **(HX if htmx else {}))
    assert response.status_code in (200, 302, 400)
    first = today() - dt.timedelta(days=6)
    assert all(first <= d <= today() for d in DoseLog.objects.values_list("taken_on", flat=True))
