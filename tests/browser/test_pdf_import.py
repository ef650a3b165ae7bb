"""A person imports their lab's PDF: upload, correct one misread row in the review, confirm,
then see the values on the dashboard and the chart drawn with the lab's own range. The
German review on a phone: every row readable, nothing scrolls sideways."""

import json

import pytest
from playwright.sync_api import expect

from labs.models import LabReport, Result
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory
from tests.labs import pdf_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def upload_report(page, tmp_path, data: bytes, name: str) -> None:
    report = tmp_path / name
    report.write_bytes(data)
    page.goto(page.base_url + "/labs/import/pdf/")
    page.set_input_files("[data-testid=pdf-upload-form] input[type=file]", str(report))
    page.locator("[data-testid=pdf-upload-form] button[type=submit]").click()
    page.get_by_test_id("review-form").wait_for()


def shapes_named(page, name: str) -> list[list[float]]:
    script = """([selector, name]) => (document.querySelector(selector).layout.shapes || [])
        .filter(s => s.name === name).map(s => [s.y0, s.y1])"""
    return page.evaluate(script, ["[data-chart=trend-figure]", name])


def test_a_pdf_is_reviewed_corrected_confirmed_and_charted_with_the_labs_range(page, tmp_path):
    person = UserFactory()
    login_in_browser(page, person.email, PASSWORD)
    upload_report(page, tmp_path, pdf_fixtures.us_report(), "summit-labs.pdf")
    rows = page.get_by_test_id("review-row")
    expect(rows).to_have_count(len(pdf_fixtures.US.expected) + len(pdf_fixtures.US.unplaced))
    first = rows.first
    expect(first.get_by_test_id("source-line")).to_contain_text(
        "Vitamin D, 25-Hydroxy 22.4 L ng/mL 30.0-100.0"
    )
    expect(first.get_by_test_id("lab-range")).to_contain_text("30–100 ng/mL")
    expect(
        page.locator("[data-testid=review-row]", has_text="Not placed: “Ferritin”")
    ).to_be_visible()
    save_screenshot(page, "pdf-review-1280")
    first.locator("input[name=value-0]").fill("24.1")  # the person reads 24.1 on the paper
    page.get_by_test_id("check-review").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("7 results will be imported")
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url("**/labs/")
    assert Result.objects.get(user=person, analyte="vitd_25oh").value == 24.1
    assert not LabReport.objects.exists()

    page.goto(page.base_url + "/dashboard/")
    expect(page.locator("main")).to_contain_text("24.1")
    page.goto(page.base_url + "/trends/?analyte=vitd_25oh")
    page.locator("[data-chart=trend-figure] .scatterlayer .point").first.wait_for()
    assert shapes_named(page, "lab-reference") == [[30, 100]]  # the lab's range, not the catalog's
    expect(page.get_by_test_id("trend-table")).to_contain_text("24.1")
    save_screenshot(page, "pdf-imported-trend-1280")
    assert page.js_errors == []


def test_the_german_review_fits_a_phone(de_phone_page, tmp_path):
    page = de_phone_page
    person = UserFactory()
    login_in_browser(page, person.email, PASSWORD)
    upload_report(page, tmp_path, pdf_fixtures.de_report(), "befund.pdf")
    expect(page.get_by_test_id("report-review")).to_contain_text("Prüfen Sie jede Zeile")
    expect(page.get_by_test_id("review-row").first).to_contain_text("25-OH-Vitamin D3 18,6")
    assert no_sideways_scroll(page)
    save_screenshot(page, "pdf-review-de-375")
    page.get_by_test_id("check-review").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("6 Werte werden importiert")
    assert no_sideways_scroll(page)
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url("**/labs/")
    assert Result.objects.filter(user=person).count() == len(pdf_fixtures.DE.expected)
    assert json.dumps(page.js_errors) == "[]"
