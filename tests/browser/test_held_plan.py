"""A plan on hold (kidney stones) says what to do with each supplement taken, whom to ask,
and when to check in next, and the dashboard shows the same date."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from labs.services import panel_create
from protocols.models import HealthProfile, SupplementIntake
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_held_plan_advises_on_each_supplement_and_schedules_a_check_in(phone_page):
    page = phone_page
    person = UserFactory()
    HealthProfile.objects.create(user=person, flags=["kidney_stones"])
    SupplementIntake.objects.create(user=person, nutrient="vitamin_d3", amount=5000, unit="IU")
    SupplementIntake.objects.create(user=person, nutrient="magnesium", amount=300, unit="mg")
    panel_create(user=person, drawn_on=person_today(person) - timedelta(days=2),
                 results=[("vitd_25oh", 18, "ng/mL"), ("mg_rbc", 4.4, "mg/dL")])  # fmt: skip
    login_in_browser(page, person.email, PASSWORD)
    page.goto(page.base_url + "/plan/")
    expect(page.get_by_test_id("plan")).to_have_attribute("data-phase", "hold")
    advice = page.get_by_test_id("hold-advice")
    for nutrient in ("vitamin_d3", "magnesium"):
        row = advice.locator(f"li[data-nutrient={nutrient}]")
        expect(row).to_contain_text("you take")
        assert "physician" in row.inner_text() or "Stop it." in row.inner_text()
    expect(advice).to_contain_text("kidney stones")  # whom to ask
    check_in = page.get_by_test_id("hold-checkin").inner_text()
    assert "Next check-in:" in check_in and "we will remind you" in check_in
    date = page.get_by_test_id("retest-date").inner_text()
    assert date in check_in
    save_screenshot(page, "plan-on-hold-375")
    page.goto(page.base_url + "/dashboard/")
    expect(page.get_by_test_id("retest-date")).to_have_text(date)  # one date everywhere
    assert page.js_errors == []
