"""A person reads their plan; a visitor tries the what-if planner and sees it follow."""

from datetime import timedelta

import pytest

from accounts.dates import person_today
from labs.services import panel_create
from protocols.models import Plan, SupplementIntake
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_with_a_panel_reads_alerts_and_routine(page):
    person = UserFactory()
    SupplementIntake.objects.create(user=person, nutrient="vitamin_d3", amount=5000, unit="IU")
    panel_create(
        user=person,
        drawn_on=person_today(person) - timedelta(days=2),
        results=[("vitd_25oh", 55, "nmol/L"), ("mg_rbc", 4.2, "mg/dL")],
    )
    assert Plan.objects.filter(user=person).exists()  # data_changed refreshed it on commit

    login_in_browser(page, person.email, PASSWORD)
    page.get_by_role("link", name="Plan").first.click()
    page.wait_for_url("**/plan/")
    plan = page.locator("[data-testid=plan]")
    assert plan.get_attribute("data-phase") == "correction"
    codes = page.locator("[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")
    assert "above_upper_limit" in codes and "d_without_mg" in codes
    assert "retest on" in page.locator("[data-testid=headline]").inner_text()
    morning = page.locator("[data-testid=dose][data-nutrient=vitamin_d3]")
    assert "5,000 IU" in morning.inner_text()  # the 5,000 IU taken is kept (a point)
    d3 = page.locator("[data-testid=why] li[data-nutrient=vitamin_d3]")
    assert d3.locator("[data-testid=above-upper-limit]").is_visible()
    assert page.locator("[data-testid=dose][data-nutrient=magnesium]").count() == 2  # split
    why = page.locator("[data-testid=why] li[data-nutrient=magnesium] details")
    assert not why.locator("code").is_visible()  # the rule id waits behind "Why?"
    why.locator("summary").click()
    assert why.locator("code").is_visible()
    why.locator("a").first.click()  # a source opens the Sources page at its reference
    page.wait_for_url("**/plan/sources/#seed-002")
    assert page.locator("#seed-002").is_visible()
    page.go_back()
    assert page.locator("[data-testid=plan] [data-testid=disclaimer]").is_visible()
    save_screenshot(page, "plan")
    assert page.js_errors == []


def test_what_if_plan_follows_typing_without_a_reload(page):
    page.goto(page.base_url + "/plan/what-if/")
    url = page.url
    page.evaluate("window.__notReloaded = true")
    assert page.locator("#whatif-result [data-testid=plan-empty]").is_visible()

    page.fill("input[name=vitd_25oh]", "18")
    page.fill("input[name=mg_rbc]", "4.2")
    page.locator("[data-testid=dose][data-nutrient=magnesium]").first.wait_for()
    assert "10,000 IU" in page.locator("[data-testid=dose][data-nutrient=vitamin_d3]").inner_text()
    assert page.locator("#whatif-result [data-testid=plan]").get_attribute("data-phase") == (
        "correction"
    )

    page.fill("input[name=mg_rbc]", "42")  # a typo: shown as a field error, not a plan
    page.locator("#whatif-result [data-field=mg_rbc]").wait_for()

    page.select_option("select[name=mg_rbc_unit]", "mmol/L")
    page.check("input[name=flags][value=kidney_disease]")
    page.fill("input[name=mg_rbc]", "1.73")
    page.locator("#whatif-result [data-code=kidney_function]").wait_for()
    assert page.locator("[data-testid=dose][data-nutrient=magnesium]").count() == 0

    assert page.url == url
    assert page.evaluate("window.__notReloaded") is True
    assert not Plan.objects.exists()
    save_screenshot(page, "what-if")
    assert page.js_errors == []
