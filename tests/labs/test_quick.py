"""Quick add under the trends chart: one result saved, and the chart told to refresh."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Panel, Result
from labs.signals import data_changed
from protocols.models import Plan
from tests.factories import panel_with

pytestmark = pytest.mark.django_db
URL = "/labs/quick-result/"
DAY = dt.date(2025, 6, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


def triggered(response) -> dict:
    return json.loads(response["HX-Trigger"])


def post(client, *, htmx=True, **fields):
    data = {"drawn_on": DAY.isoformat(), "analyte": "vitd_25oh", "value": "34", "unit": "ng/mL"}
    data.update(fields)
    return client.post(URL, data, **(HTMX if htmx else {}))


def test_the_url_name():
    assert reverse("labs:quick-result") == URL


def test_a_result_is_saved_and_the_chart_told_to_refresh(client_logged_in, user):
    response = post(client_logged_in)
    assert response.status_code == 200
    assert triggered(response) == {"results-changed": {}}
    result = Result.objects.get(user=user)
    assert (result.drawn_on, result.analyte, result.value, result.unit) == (
        DAY, "vitd_25oh", 34.0, "ng/mL",
    )  # fmt: skip
    assert result.panel.results.count() == 1
    html = response.content.decode()
    # The fragment only (no page around it), reset, with a line naming what was saved.
    assert "<html" not in html
    assert 'data-testid="quick-add-saved"' in html
    assert "Saved 25(OH)D 34 ng/mL on" in html
    assert re.search(r'id="id_quick_value"\s+value=""', html)
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_the_fresh_form_is_in_the_persons_unit_and_offers_only_the_markers_units(
    client_logged_in, user
):
    user.vitd_unit = "nmol/L"
    user.save()
    html = post(client_logged_in, value="80", unit="nmol/L").content.decode()
    assert '<option value="nmol/L" selected>' in html
    assert '<option value="ng/mL">' in html
    assert "mg/dL" not in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"drawn_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"value": "400"}, "25(OH)D must be between 1 and 250 ng/mL — did you mean nmol/L?"),
        ({"unit": "furlongs"}, "Unknown unit “furlongs”."),
        ({"unit": "mg/dL"}, "mg/dL is not a unit for 25(OH)D; use ng/mL or nmol/L."),
        ({"value": "abc"}, "“abc” is not a number. Type digits, like 32.5."),
    ],
)
def test_invalid_input_comes_back_with_its_error_and_no_event(client_logged_in, fields, message):
    response = post(client_logged_in, **fields)
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    html = response.content.decode()
    assert message in html
    assert "<html" not in html
    assert not Panel.objects.exists()


def test_a_panel_of_the_same_date_takes_the_result(client_logged_in, user):
    panel = panel_with(user, DAY, ("mg_rbc", 4.1, "mg/dL"))
    kept_id = panel.results.get().pk
    response = post(client_logged_in)
    assert triggered(response) == {"results-changed": {}}
    assert Panel.objects.filter(user=user).count() == 1
    assert dict(panel.results.values_list("analyte", "value")) == {"mg_rbc": 4.1, "vitd_25oh": 34}
    assert panel.results.filter(pk=kept_id).exists()


def test_another_persons_panel_of_that_date_is_left_alone(client_logged_in, user, other_user):
    theirs = panel_with(other_user, DAY, ("mg_rbc", 4.1, "mg/dL"))
    post(client_logged_in)
    assert theirs.results.count() == 1
    assert Panel.objects.filter(user=user).count() == 1


def test_an_analyte_already_recorded_that_day_is_refused(client_logged_in, user):
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    response = post(client_logged_in)
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "25(OH)D is already recorded on" in response.content.decode()
    assert list(Result.objects.filter(user=user).values_list("value", flat=True)) == [30]


def test_data_changed_is_sent_once(client_logged_in, user):
    panel_with(user, DAY, ("mg_rbc", 4.1, "mg/dL"))
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs["kind"])

    data_changed.connect(listener)
    try:
        post(client_logged_in)
    finally:
        data_changed.disconnect(listener)
    assert calls == ["results"]


def test_the_plan_is_refreshed(client_logged_in, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client_logged_in)
    assert Plan.objects.filter(user=user).exists()


def test_without_javascript_it_redirects_back_with_a_message(client_logged_in, user):
    next_url = "/trends/?analyte=vitd_25oh&range=1y"
    response = post(client_logged_in, htmx=False, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert "HX-Trigger" not in response
    page = client_logged_in.get(next_url).content.decode()
    assert "Saved 25(OH)D 34 ng/mL on" in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_an_outside_next_goes_to_the_trends_page(client_logged_in, next_url):
    response = post(client_logged_in, htmx=False, next=next_url)
    assert response["Location"] == reverse("dashboard:trends")


def test_without_javascript_an_error_shows_a_whole_page(client_logged_in):
    response = post(client_logged_in, htmx=False, value="400", next="/trends/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "did you mean nmol/L?" in html
    assert not Panel.objects.exists()


def test_anonymous_visitors_go_to_login(client):
    response = post(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Panel.objects.exists()


def test_get_is_not_allowed(client_logged_in):
    assert client_logged_in.get(URL).status_code == 405


def test_the_trends_page_offers_the_form_for_the_marker_shown(client_logged_in, user):
    panel_with(user, DAY, ("mg_rbc", 4.1, "mg/dL"))
    html = client_logged_in.get("/trends/?analyte=mg_rbc").content.decode()
    assert 'id="quick-add-mg_rbc-mgdl"' in html
    assert 'name="analyte" value="mg_rbc"' in html
    assert f'hx-post="{URL}"' in html
    assert 'name="next" value="/trends/?analyte=mg_rbc&amp;range=all"' in html


def test_the_trends_form_follows_the_unit_the_chart_shows(client_logged_in, user):
    panel_with(user, DAY, ("mg_rbc", 4.1, "mg/dL"))
    html = client_logged_in.get("/trends/?analyte=mg_rbc&unit=mmol/L").content.decode()
    assert 'id="quick-add-mg_rbc-mmoll"' in html  # a new form (not the preserved one) per unit
    assert '<option value="mmol/L" selected>' in html
