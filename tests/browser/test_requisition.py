"""The requisition sheet's Print button opens the print dialog at a phone's width (a static
script: the Content Security Policy blocks inline handlers)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from labs.services import panel_create
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_print_opens_the_dialog_and_the_sheet_fits_375_px(phone_page):
    person = UserFactory()
    panel_create(user=person, drawn_on=person_today(person) - timedelta(days=9),
                 results=[("vitd_25oh", 22, "ng/mL"), ("mg_rbc", 4.3, "mg/dL")])  # fmt: skip
    login_in_browser(phone_page, person.email, PASSWORD)
    phone_page.goto(phone_page.base_url + "/plan/requisition/")
    expect(phone_page.locator("[data-analyte=mg_rbc]")).to_contain_text("whole blood")
    phone_page.evaluate("window.print = () => { window.printed = true; }")
    phone_page.locator("[data-print]").click()
    assert phone_page.evaluate("window.printed === true")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert phone_page.js_errors == []
    save_screenshot(phone_page, "requisition-375")
