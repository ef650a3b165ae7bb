"""Sharing with a clinician: the link shows the data, refuses writes, expires, logs opens,
and a revoked or expired one is 404."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.logs import redact
from dashboard import sharing
from dashboard.models import ShareLink, ShareOpen
from labs.units import from_canonical
from protocols.services import plan_refresh
from tests.factories import UserFactory, panel_with

pytestmark = pytest.mark.django_db


def shared_url(link) -> str:
    return reverse("dashboard:shared", args=[link.token])


@pytest.fixture
def owner():
    user = UserFactory()
    panel_with(user, dt.date.today() - dt.timedelta(days=5), vitd_25oh=23.7, mg_rbc=4.4)
    return user


def test_a_fresh_browser_sees_the_results_and_each_open_is_logged_for_the_owner(client, owner):
    client.force_login(owner)
    assert client.post(reverse("dashboard:share"), {"days": "30"}).status_code == 302
    link = ShareLink.objects.get(user=owner)
    assert link.expires_at - link.created_at == dt.timedelta(days=30)
    clinician = Client()
    for _ in range(2):
        response = clinician.get(shared_url(link))
        assert response.status_code == 200
    page = response.content.decode()
    assert "23.7" in page  # the result, in the owner's unit
    assert 'name="robots" content="noindex' in page and "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies and not clinician.session.keys()
    assert ShareOpen.objects.filter(link=link).count() == 2
    listing = client.get(reverse("dashboard:share")).content.decode()
    assert "Opened 2 times" in listing


def test_the_link_refuses_every_write(owner):
    link = sharing.share_create(user=owner, days=7)
    clinician = Client(enforce_csrf_checks=False)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(clinician, method)(shared_url(link)).status_code == 405
    assert not ShareOpen.objects.exists()


def test_it_expires_on_time(owner):
    link = sharing.share_create(user=owner, days=7)
    assert sharing.share_open(link.token, now=link.expires_at - dt.timedelta(seconds=1))
    assert sharing.share_open(link.token, now=link.expires_at) is None
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    assert Client().get(shared_url(link)).status_code == 404


def test_a_revoked_link_is_404_and_only_the_owner_can_revoke(client, owner):
    link = sharing.share_create(user=owner, days=90)
    client.force_login(UserFactory())
    assert client.post(reverse("dashboard:share-revoke", args=[link.pk])).status_code == 404
    assert Client().get(shared_url(link)).status_code == 200
    client.force_login(owner)
    assert client.post(reverse("dashboard:share-revoke", args=[link.pk])).status_code == 302
    assert Client().get(shared_url(link)).status_code == 404
    assert Client().get(reverse("dashboard:shared", args=["x" * 43])).status_code == 404


def test_only_7_30_or_90_days(client, owner):
    client.force_login(owner)
    assert client.post(reverse("dashboard:share"), {"days": "365"}).status_code == 200
    assert not ShareLink.objects.exists()
    with pytest.raises(ValueError):
        sharing.share_create(user=owner, days=365)


def test_the_token_never_reaches_a_log_line(owner):
    link = sharing.share_create(user=owner, days=7)
    assert link.token not in redact(f"GET {shared_url(link)} HTTP/1.1")


def shared_figures(page: str) -> dict[str, dict]:
    found = re.findall(
        r'<script id="shared-figure-(\w+)" type="application/json">(.*?)</script>', page
    )
    return {code: json.loads(body) for code, body in found}


def test_the_shared_view_carries_the_owners_charts_with_the_expected_band(owner):
    plan = plan_refresh(owner)
    link = sharing.share_create(user=owner, days=7)
    response = Client().get(shared_url(link))
    page = response.content.decode()
    figures = shared_figures(page)
    assert set(figures) == {"vitd_25oh", "mg_rbc"}
    assert page.count('data-testid="shared-chart"') == 2
    assert figures["vitd_25oh"]["data"][0]["y"] == [23.7]
    (band,) = [t for t in figures["vitd_25oh"]["data"] if t["name"] == "expected"]
    n = len(band["y"]) // 2
    assert [band["y"][n - 1], band["y"][n]] == plan.data["expected_at_retest"]["vitd_25oh"]
    assert "plotly-scatter.min.js" in page and "charts.js" in page
    assert "hx-post" not in page and "<form" not in page  # nothing on it writes
    assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]
    assert not response.cookies
    # the chart's blue reference band is named, apart from the light blue expected band
    assert "Blue band: the lab reference range" in page


def test_the_shared_charts_follow_the_owners_units_and_new_results(owner):
    owner.vitd_unit = "nmol/L"
    owner.save()
    link = sharing.share_create(user=owner, days=7)

    def plotted() -> list[float]:
        page = Client().get(shared_url(link)).content.decode()
        return shared_figures(page)["vitd_25oh"]["data"][0]["y"]

    assert plotted() == [from_canonical("vitd_25oh", 23.7, "nmol/L")]
    panel_with(owner, dt.date.today(), vitd_25oh=30)
    assert plotted() == [from_canonical("vitd_25oh", v, "nmol/L") for v in (23.7, 30)]


def test_an_owner_without_results_shares_no_chart():
    link = sharing.share_create(user=UserFactory(), days=7)
    page = Client().get(shared_url(link)).content.decode()
    assert 'data-testid="shared-charts"' not in page and "plotly" not in page


def test_the_shared_page_and_the_owners_list_give_the_same_end_date(client, owner):
    """A link ending at 23:30 UTC ends at 00:30 the next day in Berlin: the owner's list said
    'works until' the Berlin day, the shared page (written in the server's zone) the day before."""
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    link = sharing.share_create(user=owner, days=7)
    day = timezone.now().date() + dt.timedelta(days=3)
    link.expires_at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=dt.UTC)
    link.save(update_fields=["expires_at"])
    client.force_login(owner)
    own_page = client.get(reverse("dashboard:share")).content.decode()
    shared_page = Client().get(shared_url(link)).content.decode()
    (on_list,) = re.findall(r"works until ([^.;<]+)\.", own_page)
    (on_shared,) = re.findall(r"This link works until ([^;<]+);", shared_page)
    assert on_list == on_shared
    assert str((day + dt.timedelta(days=1)).day) in on_shared.split()[0]


def test_the_share_form_offers_its_durations_in_the_pages_language(client, owner):
    """A German share page offered '30 days' (the choices were made at import, in English)."""
    client.force_login(owner)
    page = client.get(reverse("dashboard:share"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "30 Tage" in page and "30 days" not in page
