"""A person in Germany: a de-DE Chromium in Europe/Berlin signs up and reads Cofactor in German,
in SI units, with German dates."""

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import formats, translation
from playwright.sync_api import expect

from accounts.models import User
from labs.models import Result
from tests.browser.test_panels import add_row, fill_row, settled
from tests.conftest import save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("compiled_translations"),
]
PASSWORD = "ein sicheres Passwort 42"


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


def _confirm_email(page) -> None:
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(page.base_url + urlsplit(link).path)
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")


def _german(day: dt.date) -> str:
    with translation.override("de"):
        return formats.date_format(day)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Words only English writes: one on a German page is a sentence nobody translated.
ENGLISH = re.compile(
    r"\b(the|and|no|after|weeks|limit|recommended|you|take|taking|expected|flag|day|days|"
    r"within|above|below|measured|result|logged|until|due|retest)\b"
)


def _shows_si_units_in_german(page, name: str, width: int) -> str:
    """The page's visible text, every "Why?" opened, with no conventional unit and no English
    sentence left once the unit choices are out."""
    save_screenshot(page, f"de-{name}-{width}")
    _fits(page, width)
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    save_screenshot(page, f"de-{name}-{width}-why")
    choices = "[data-testid=unit-links], main select"  # unit choices offer ng/mL too
    page.evaluate(f"document.querySelectorAll('{choices}').forEach(e => e.remove())")
    text = page.locator("main").inner_text()
    assert "ng/mL" not in text and "mg/dL" not in text, text
    # Sources and rule ids ("retest.correction") behind a "Why?" are references, not prose.
    sources = re.sub(r"CLINICAL\.md[^\n]*|PRODUCT\.md[^\n]*|\(IOM[^)]*\)|\b\w+(\.\w+)+", "", text)
    found = ENGLISH.search(sources)
    assert not found, sources[max(0, found.start() - 200) : found.end() + 100]
    return text


def test_a_person_in_germany_enters_a_european_printout_and_reads_it_back(de_page):
    """Sign up in a de-DE browser, type 25(OH)D "45,5" nmol/L and serum Mg "0,78" mmol/L:
    plan, dashboard, trends and report speak German, in nmol/L and mmol/L, with German dates."""
    page = de_page
    email = f"europa-{uuid.uuid4().hex[:8]}@example.org"  # allauth rate-limits per address
    sign_up(page, email)
    _confirm_email(page)
    expect(page.get_by_role("link", name="Übersicht")).to_be_visible()

    page.goto(page.base_url + "/labs/panels/new/")
    rows = page.get_by_test_id("result-row")
    fill_row(rows.nth(0), "vitd_25oh", "45,5", "nmol/L")
    add_row(page)
    fill_row(rows.nth(1), "mg_serum", "0,78", "mmol/L")
    settled(page)
    page.get_by_test_id("save-panel").click()
    page.wait_for_url(re.compile(r".*/labs/panels/\d+/$"))
    stored = {r.analyte: r for r in Result.objects.filter(user__email=email)}
    assert (stored["vitd_25oh"].value, stored["vitd_25oh"].unit) == (45.5, "nmol/L")
    assert round(stored["vitd_25oh"].canonical_value, 1) == 18.2  # stored canonical (ng/mL)
    assert (stored["mg_serum"].value, stored["mg_serum"].unit) == (0.78, "mmol/L")
    drawn = _german(stored["vitd_25oh"].panel.drawn_on)

    page.goto(page.base_url + "/plan/")
    text = _shows_si_units_in_german(page, "plan", 1280)
    assert "Ihr Plan" in text and "was sie jetzt tun sollten" in text.lower()
    assert "nmol/L" in text and "0,78 mmol/L" in text
    assert drawn in text  # "1. Dez. 2026"

    page.goto(page.base_url + "/dashboard/")
    text = _shows_si_units_in_german(page, "dashboard", 1280)
    assert "Ihre Laborwerte" in text and "nmol/L" in text and "0,78" in text

    page.goto(page.base_url + "/trends/")
    text = _shows_si_units_in_german(page, "trends", 1280)
    assert "nmol/L" in text and "Verläufe" in page.title() + text
    ticks = page.locator(".xtick text").all_text_contents()
    assert ticks and not any(re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", t) for t in ticks), ticks

    page.goto(page.base_url + "/report/")
    text = _shows_si_units_in_german(page, "report", 1280)
    assert "nmol/L" in text and "0,78 mmol/L" in text and drawn in text
    assert "Keine medizinische Beratung." in text

    page.set_viewport_size({"width": 375, "height": 812})
    for name, path in [("plan", "/plan/"), ("dashboard", "/dashboard/"), ("trends", "/trends/")]:
        page.goto(page.base_url + path)
        _shows_si_units_in_german(page, name, 375)
    assert page.js_errors == []


def test_the_what_if_page_reads_a_german_printout_in_nmol(de_page):
    """A visitor in Germany: the lists preselect nmol/L and mmol/L, "45,5" nmol/L is read as
    45.5 (not 455), echoed as 18,2 ng/mL, and makes the plan 18.2 ng/mL makes."""
    page = de_page
    page.goto(page.base_url + "/plan/what-if/")
    assert page.input_value("select[name=vitd_25oh_unit]") == "nmol/L"
    assert page.input_value("select[name=mg_serum_unit]") == "mmol/L"
    page.fill("input[name=vitd_25oh]", "45,5")
    expect(page.get_by_test_id("what-if-echo")).to_contain_text(
        "45,5 nmol/L eingegeben = 18,2 ng/mL"
    )
    result = page.locator("#whatif-result")
    expect(result).to_contain_text("Aufbau")
    expect(result).not_to_contain_text("toxisch")
    si_doses = result.get_by_test_id("dose").all_inner_texts()
    save_screenshot(page, "de-what-if-1280")
    page.select_option("select[name=vitd_25oh_unit]", "ng/mL")
    page.fill("input[name=vitd_25oh]", "18,2")
    expect(page.get_by_test_id("what-if-echo")).to_contain_text("18,2 ng/mL")
    expect(result).to_contain_text("18,2 ng/mL")
    assert result.get_by_test_id("dose").all_inner_texts() == si_doses
    assert page.js_errors == []
