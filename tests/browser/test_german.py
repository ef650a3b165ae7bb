"""A person in Germany: a de-DE Chromium in Europe/Berlin signs up and reads Cofactor in German,
in SI units, with German dates."""

import pytest

from accounts.models import User
from tests.conftest import _save_failure_screenshot, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("compiled_translations"),
]
PASSWORD = "ein sicheres Passwort 42"


def _german_page(browser, request, live_server, width, height):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="de-DE",
        timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.base_url = live_server.url
    yield page
    _save_failure_screenshot(request, page)
    context.close()


@pytest.fixture
def de_page(browser, request, live_server):
    yield from _german_page(browser, request, live_server, 1280, 900)


@pytest.fixture
def de_phone_page(browser, request, live_server):
    yield from _german_page(browser, request, live_server, 375, 812)


def sign_up(page, email: str) -> None:
    page.goto(page.base_url + "/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/confirm-email/")


def test_sign_up_is_german_and_prefilled_from_the_browser(de_page):
    de_page.goto(de_page.base_url + "/accounts/signup/")
    assert de_page.locator("html").get_attribute("lang") == "de"
    assert de_page.input_value("select[name=country]") == "DE"
    assert de_page.input_value("select[name=time_zone]") == "Europe/Berlin"
    assert "Deutschland" in de_page.locator("select[name=country] option:checked").inner_text()
    save_screenshot(de_page, "de-signup-1280")

    sign_up(de_page, "neu@example.org")
    user = User.objects.get(email="neu@example.org")
    assert (user.country, user.time_zone, user.language) == ("DE", "Europe/Berlin", "de")
    assert (user.vitd_unit, user.mineral_unit, user.upper_limits) == ("nmol/L", "mmol/L", "efsa")
    assert de_page.js_errors == []


def test_sign_up_fits_a_phone(de_phone_page):
    de_phone_page.goto(de_phone_page.base_url + "/accounts/signup/")
    assert de_phone_page.input_value("select[name=country]") == "DE"
    width = de_phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    save_screenshot(de_phone_page, "de-signup-375")
