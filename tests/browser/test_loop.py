"""Closing the loop in a phone's browser (issue #17): tap "taken" from the dashboard, fill in
a missed day, see the plan's expected band on the trends chart, and open a share link in a
fresh context and see the charts."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from dashboard.sharing import share_create
from labs.services import panel_create
from protocols.models import DoseLog
from protocols.services import plan_refresh
from tests.conftest import _browser_page, login_in_browser, save_screenshot
from tests.factories import PASSWORD, IntakeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAND = "path.js-fill"  # plotly's fill of the expected band (the only filled trace on the top)


def person_with_plan(*, supplements: bool = True):
    person = UserFactory()
    today = person_today(person)
    panel_create(user=person, drawn_on=today - dt.timedelta(days=3),
                 results=[("vitd_25oh", 22, "ng/mL"), ("mg_rbc", 4.3, "mg/dL")])  # fmt: skip
    if supplements:
        IntakeFactory(user=person, nutrient="vitamin_d3", amount=5000, unit="IU")
        IntakeFactory(user=person, nutrient="magnesium", amount=400, unit="mg")
    plan_refresh(person)
    return person


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_tap_taken_for_todays_supplements_from_the_dashboard(phone_page):
    page = phone_page
    person = person_with_plan()
    login_in_browser(page, person.email, PASSWORD)
    card = page.get_by_test_id("doses-today")
    expect(card).to_be_visible()
    buttons = card.get_by_test_id("dose-taken")
    expect(buttons).to_have_count(2)
    for i in range(2):
        button = card.get_by_test_id("dose-taken").nth(i)
        expect(button).to_have_text("Mark taken")
        button.click()
        expect(card.get_by_test_id("dose-taken").nth(i)).to_have_text("✓ Taken")
    today = person_today(person)
    assert DoseLog.objects.filter(user=person, taken_on=today).count() == 2
    no_sideways_scroll(page)
    save_screenshot(page, "loop-dashboard-taken-375")
    page.reload()
    expect(page.get_by_test_id("doses-today").get_by_test_id("dose-taken")).to_have_text(
        ["✓ Taken", "✓ Taken"]
    )
    assert page.js_errors == []


def test_fill_in_a_missed_day_on_the_phone_page(phone_page):
    page = phone_page
    person = person_with_plan()
    login_in_browser(page, person.email, PASSWORD)
    page.get_by_test_id("dose-log-link").click()
    rows = page.get_by_test_id("dose-row")
    expect(rows).to_have_count(2)
    missed = person_today(person) - dt.timedelta(days=2)
    day = rows.first.locator(f"[data-testid=dose-day][data-day='{missed.isoformat()}']")
    expect(day).to_have_attribute("aria-pressed", "false")
    day.click()
    expect(
        rows.first.locator(f"[data-testid=dose-day][data-day='{missed.isoformat()}']")
    ).to_have_attribute("aria-pressed", "true")
    assert DoseLog.objects.filter(user=person, taken_on=missed).count() == 1
    no_sideways_scroll(page)
    save_screenshot(page, "loop-dose-log-375")
    assert page.js_errors == []


def test_the_trends_chart_shows_the_expected_band(phone_page):
    page = phone_page
    person = person_with_plan()
    login_in_browser(page, person.email, PASSWORD)
    page.goto(page.base_url + "/trends/?analyte=vitd_25oh")
    page.wait_for_selector(f"#trend-chart {BAND}")
    expect(page.get_by_test_id("expected-band")).to_contain_text("40.0–55.0 ng/mL")
    no_sideways_scroll(page)
    save_screenshot(page, "loop-trends-band-375")
    assert page.js_errors == []


def test_a_share_link_in_a_fresh_context_shows_the_charts(browser, request, live_server):
    person = person_with_plan()
    link = share_create(user=person, days=7)
    page = next(_browser_page(browser, request, live_server, 375, 812))  # no session at all
    assert page.goto(f"{page.base_url}/shared/{link.token}/").status == 200
    charts = page.get_by_test_id("shared-chart")
    expect(charts).to_have_count(2)
    page.wait_for_selector("[data-testid=shared-chart] .scatterlayer .points path")
    page.wait_for_selector(f"[data-testid=shared-chart][data-analyte=vitd_25oh] {BAND}")
    assert page.context.cookies() == []
    no_sideways_scroll(page)
    save_screenshot(page, "loop-shared-charts-375")
    assert page.js_errors == []
