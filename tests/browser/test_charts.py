"""A chart with a single result shows it as a point on a date axis (no hours, no
milliseconds), on the dashboard and the trends page, at a phone's width too."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from labs.services import panel_create
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# "1 Dec", "Dec 2026" (most readers) or "Dec 1", "Dec 1, 2026" (an American: the page's format).
DATE_TICK = re.compile(r"^(\d{1,2} )?[A-Z][a-z]{2}( \d{1,2})?(,? \d{4})?$|^\d{4}$")


def x_ticks(page, chart: str) -> list[str]:
    ticks = page.locator(f"[data-chart={chart}] .xtick text")
    expect(ticks.first).to_be_visible()
    texts = ticks.evaluate_all("els => els.map(e => e.textContent)")
    return [t for t in texts if t.strip()]


@pytest.mark.parametrize("width", [375, 1280])
def test_a_single_result_draws_one_point_on_a_date_axis(browser, request, live_server, width):
    from tests.conftest import _browser_page

    page = next(_browser_page(browser, request, live_server, width, 800))
    person = UserFactory()
    panel_create(user=person, drawn_on=person_today(person) - timedelta(days=12),
                 results=[("vitd_25oh", 30, "ng/mL")])  # fmt: skip
    login_in_browser(page, person.email, PASSWORD)
    for path, chart in (("/dashboard/", "vitd-sparkline"), ("/trends/", "trend-figure")):
        page.goto(page.base_url + path)
        ticks = x_ticks(page, chart)
        assert ticks and all(DATE_TICK.match(t) for t in ticks), ticks
        assert not any(":" in t for t in ticks)
        expect(page.locator(f"[data-chart={chart}] .scatterlayer .point")).to_have_count(1)
    save_screenshot(page, f"trends-one-result-{width}")
    assert page.js_errors == []
