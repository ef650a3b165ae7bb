"""Two-factor in a real browser: the QR code loads under our CSP and nothing logs an error."""

import pytest

from tests.accounts.test_two_factor import current_totp
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_turns_on_two_factor_and_logs_in_with_a_code(page):
    person = UserFactory()
    login_in_browser(page, person.email, PASSWORD)
    page.goto(page.base_url + "/settings/")
    page.get_by_role("link", name="Two-factor authentication").click()
    page.wait_for_url("**/accounts/2fa/")
    page.get_by_role("link", name="Activate").click()

    # allauth asks for the password again before a security change.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")

    qr = page.locator("main form img")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    save_screenshot(page, "two-factor-activate")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", current_totp(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert len(page.input_value("#recovery_codes").split()) == 10

    page.get_by_role("button", name="Log out").click()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", current_totp(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert page.js_errors == []
