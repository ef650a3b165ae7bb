"""On a phone: a result typed with the lab's printed range is saved, its chart draws that
range, a marker of one's own is entered on the same form and charted on its own page."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from labs import markers_services
from labs.markers import check_definition
from labs.models import MarkerResult, Result
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_range_and_an_own_marker_typed_on_a_phone_are_charted(phone_page):
    page = phone_page
    person = UserFactory()
    ferritin = markers_services.marker_create(
        user=person, definition=check_definition("Ferritin", "ng/mL", "30-400")
    )
    login_in_browser(page, person.email, PASSWORD)
    page.goto(page.base_url + "/labs/panels/new/")
    day = person_today(person) - timedelta(days=5)
    page.fill("input[name=drawn_on]", day.isoformat())
    page.select_option("select[name=analyte]", "ca_total")
    expect(page.locator("select[name=unit] option[value='mmol/L']")).to_have_count(1)
    page.fill("input[name=value]", "2,6")
    page.select_option("select[name=unit]", "mmol/L")
    page.fill("[data-testid=ref-range]", "2,15-2,55")
    page.fill(f"input[name=m{ferritin.pk}-value]", "85")
    no_sideways_scroll(page)
    save_screenshot(page, "lab-range-form-375")
    page.click("[data-testid=save-panel]")
    expect(page.get_by_test_id("lab-range")).to_contain_text("8.6–10.2 mg/dL")
    expect(page.get_by_test_id("lab-flag")).to_have_text("H")
    assert Result.objects.get(user=person).ref_high == 2.55
    assert MarkerResult.objects.get(user=person).value == 85

    page.goto(page.base_url + "/trends/?analyte=ca_total")
    expect(page.locator("[data-chart=trend-figure] .scatterlayer .point")).to_have_count(1)
    # the lab's band is drawn (plotly renders layout shapes as paths in .layer-below)
    expect(page.locator("[data-chart=trend-figure] .shapelayer path").first).to_be_attached()
    expect(page.locator("body")).to_contain_text("your lab printed")
    no_sideways_scroll(page)
    save_screenshot(page, "lab-range-trends-375")

    page.goto(page.base_url + f"/labs/markers/{ferritin.pk}/")
    expect(page.locator("[data-chart=marker-figure] .scatterlayer .point")).to_have_count(1)
    expect(page.get_by_test_id("no-plan-rules")).to_be_visible()
    no_sideways_scroll(page)
    save_screenshot(page, "own-marker-chart-375")
    assert page.js_errors == []
