"""A person enters a panel with htmx rows, sees the converted preview, edits and deletes it."""

import re

import pytest
from playwright.sync_api import expect

from labs.models import Panel
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settled(page) -> None:
    """Wait until htmx has swapped, settled and wired up what it inserted."""
    expect(page.locator(".htmx-request, .htmx-added, .htmx-settling")).to_have_count(0)


def add_row(page) -> None:
    page.get_by_test_id("add-row").click()
    settled(page)


def fill_row(row, analyte: str, value: str, unit: str | None = None) -> None:
    row.locator("select[name=analyte]").select_option(analyte)
    # the unit list follows the analyte: wait until a unit of another analyte is gone
    expect(row.locator("select[name=unit] option[value='g/dL']")).to_have_count(0)
    settled(row.page)
    if unit:
        row.locator("select[name=unit]").select_option(unit)
    row.locator("input[name=value]").press_sequentially(value)


def test_enter_edit_and_delete_a_panel(page):
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/")
    page.get_by_test_id("enter-results").click()
    page.wait_for_url("**/labs/panels/new/")

    rows = page.get_by_test_id("result-row")
    expect(rows).to_have_count(1)
    fill_row(rows.nth(0), "vitd_25oh", "100", "nmol/L")
    expect(rows.nth(0).get_by_test_id("preview")).to_have_text("= 40.1 ng/mL")
    expect(rows.nth(0).get_by_test_id("status-in_target")).to_be_visible()

    add_row(page)
    expect(rows).to_have_count(2)
    fill_row(rows.nth(1), "mg_rbc", "3.9")
    expect(rows.nth(1).get_by_test_id("status-low")).to_be_visible()

    add_row(page)
    add_row(page)
    expect(rows).to_have_count(4)
    fill_row(rows.nth(2), "pth_intact", "5500")  # a typo first…
    expect(rows.nth(2).get_by_test_id("preview-error")).to_contain_text("must be between")
    rows.nth(2).locator("input[name=value]").fill("")
    rows.nth(2).locator("input[name=value]").press_sequentially("55")
    expect(rows.nth(2).get_by_test_id("preview")).to_have_text("= 55 pg/mL")
    rows.nth(3).locator(".js-remove-row").click()  # …and one row too many
    expect(rows).to_have_count(3)
    save_screenshot(page, "panel-entry")

    page.get_by_test_id("save-panel").click()
    page.wait_for_url(re.compile(r".*/labs/panels/\d+/$"))
    results = page.get_by_test_id("panel-results")
    expect(results).to_contain_text("100 nmol/L")
    expect(results).to_contain_text("40.1 ng/mL")
    expect(results).to_contain_text("55 pg/mL")
    panel = Panel.objects.get(user=user)
    assert panel.results.count() == 3

    page.get_by_role("link", name="All results").click()
    expect(page.get_by_test_id("panel-row")).to_have_count(1)
    page.get_by_test_id("panel-row").get_by_role("link", name="Edit").click()
    value = page.locator("input[name=value][value='3.9']")
    value.fill("5.8")
    page.get_by_test_id("save-panel").click()
    page.wait_for_url(f"**/labs/panels/{panel.pk}/")
    expect(page.get_by_test_id("panel-results")).to_contain_text("5.8 mg/dL")

    page.get_by_test_id("delete-panel").click()
    page.get_by_test_id("confirm-delete").click()
    page.wait_for_url("**/labs/")
    expect(page.get_by_test_id("no-panels")).to_be_visible()
    assert not Panel.objects.filter(user=user).exists()
    assert page.js_errors == []


def test_the_entry_form_works_on_a_phone(phone_page):
    page = phone_page
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/panels/new/")
    row = page.get_by_test_id("result-row").nth(0)
    fill_row(row, "vitd_25oh", "32")
    expect(row.get_by_test_id("status-below_target")).to_be_visible()
    page.get_by_test_id("save-panel").click()
    page.wait_for_url(re.compile(r".*/labs/panels/\d+/$"))
    save_screenshot(page, "panel-detail-phone")
    assert page.js_errors == []


def test_a_serum_magnesium_in_mmol_under_mg_dl_is_asked_about_then_kept_on_a_phone(phone_page):
    page = phone_page
    user = UserFactory(mineral_unit="mg/dL")
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/panels/new/")
    row = page.get_by_test_id("result-row").nth(0)
    fill_row(row, "mg_serum", "0,78", "mg/dL")
    expect(row.get_by_test_id("preview-error")).to_contain_text("did you mean mmol/L?")
    page.get_by_test_id("save-panel").click()
    # Refused with the question and a way to keep the value as typed.
    row = page.get_by_test_id("result-row").nth(0)
    expect(row.get_by_test_id("value-error")).to_contain_text("did you mean mmol/L?")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "panel-entry-unit-question-375")
    assert not Panel.objects.filter(user=user).exists()
    row.get_by_test_id("unit-ok").check()
    page.get_by_test_id("save-panel").click()
    page.wait_for_url(re.compile(r".*/labs/panels/\d+/$"))
    result = Panel.objects.get(user=user).results.get()
    assert (result.value, result.unit) == (0.78, "mg/dL")
