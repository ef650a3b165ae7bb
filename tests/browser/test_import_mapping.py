"""The CSV import's mapping step on a phone in a de-DE Chromium: a German portal export is
mapped, previewed and imported; nothing scrolls sideways at 375 px."""

import pytest

from labs.models import Result
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory
from tests.labs.test_import_mapping import GERMAN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_german_export_is_mapped_previewed_and_imported_on_a_phone(de_phone_page, tmp_path):
    page = de_phone_page
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    export = tmp_path / "befunde.csv"
    export.write_bytes(GERMAN)
    page.goto(page.base_url + "/labs/import/")
    page.set_input_files("input[type=file]", str(export))
    page.locator("[data-testid=upload-form] button[type=submit]").click()
    mapping = page.get_by_test_id("import-mapping")
    mapping.wait_for()
    # The proposal read the German header: Datum, Parameter, Ergebnis, Einheit.
    assert page.input_value("select[name=date]") == "0"
    assert page.input_value("select[name=analyte]") == "1"
    assert page.input_value("select[name=value]") == "2"
    assert page.input_value("select[name=unit]") == "3"
    assert no_sideways_scroll(page)
    save_screenshot(page, "import-mapping-de-375")
    page.get_by_test_id("apply-mapping").click()
    page.get_by_test_id("import-summary").wait_for()
    assert page.locator("[data-testid=import-preview] tbody tr").count() == 5
    assert no_sideways_scroll(page)
    save_screenshot(page, "import-mapped-preview-de-375")
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url("**/labs/")
    assert Result.objects.filter(user=user).count() == 5
    assert page.js_errors == []
