"""Keyboard and phone: the nav marks the current page, focus is visible on the dark bar, and
"+ Add a result" moves focus to the new row."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login_in_browser
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_nav_marks_the_current_page_and_shows_a_focus_ring(page):
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    for path, name in [("/dashboard/", "Dashboard"), ("/labs/", "Results"),
                       ("/plan/", "Plan"), ("/supplements/", "Plan"), ("/trends/", "Trends"),
                       ("/labs/symptoms/", "Symptoms"), ("/settings/", "Settings")]:  # fmt: skip
        page.goto(page.base_url + path)
        current = page.locator("nav [aria-current=page]")
        expect(current).to_have_count(1)
        expect(current).to_have_text(name)
    link = page.locator("nav .nav-link").first
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    outline = link.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline == "solid 3px"


def test_adding_a_result_row_moves_focus_to_it(page):
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/panels/new/")
    page.get_by_test_id("add-row").click()
    rows = page.get_by_test_id("result-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("select[name=analyte]")).to_be_focused()
    assert page.js_errors == []
