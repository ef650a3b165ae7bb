"""A person with a few draws reads the dashboard and switches charts on the trends page."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.demo import load_demo_history
from labs.models import Result
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, ResultFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = "#trend-chart .scatterlayer .trace:first-child .points path"


def seeded_user():
    """A user with two years of demo history: draws, symptoms, supplement changes, a plan."""
    user = UserFactory()
    load_demo_history(user, timezone.localdate())
    return user


def count(user, analyte: str, since: dt.date | None = None) -> int:
    rows = Result.objects.filter(user=user, analyte=analyte)
    return rows.filter(drawn_on__gte=since).count() if since else rows.count()


def wait_for_points(page, expected: int) -> None:
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        arg=[POINTS, expected],
    )


@pytest.mark.parametrize(("viewport", "width"), [("phone_page", 375), ("page", 1280)])
def test_dashboard_shows_where_the_person_stands(request, viewport, width):
    page = request.getfixturevalue(viewport)
    user = seeded_user()
    login_in_browser(page, user.email, PASSWORD)

    assert user.email in page.text_content("[data-testid=dashboard-greeting]")
    markers = page.locator("[data-testid=marker-list] li")
    assert markers.count() == len({r.analyte for r in Result.objects.filter(user=user)})
    assert page.locator("[data-testid=marker-list] .badge").count() >= 1
    assert page.locator("[data-testid=plan-glance] [data-testid=disclaimer]").is_visible()
    page.wait_for_selector("[data-testid=sparkline] .scatterlayer .points path")
    assert page.locator("[data-testid=retest]").is_visible()
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.js_errors == []
    save_screenshot(page, f"dashboard-{width}")


@pytest.mark.parametrize(("viewport", "width"), [("phone_page", 375), ("page", 1280)])
def test_switching_marker_and_range_swaps_the_chart_without_reload(request, viewport, width):
    page = request.getfixturevalue(viewport)
    user = seeded_user()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/trends/")
    wait_for_points(page, count(user, "vitd_25oh"))
    page.evaluate("window.__noReload = 'still here'")

    page.click("#trend-chart [data-analyte=mg_rbc]")
    page.wait_for_url("**/trends/?analyte=mg_rbc*")
    wait_for_points(page, count(user, "mg_rbc"))
    assert page.get_attribute("#trend-chart [data-analyte=mg_rbc]", "aria-current") == "page"

    page.click("#trend-chart [data-range='6m']")
    page.wait_for_url("**range=6m*")
    since = timezone.localdate() - dt.timedelta(days=183)
    wait_for_points(page, count(user, "mg_rbc", since))
    assert page.locator("#trend-chart [data-testid=trend-table] tbody tr").count() == count(
        user, "mg_rbc", since
    )

    page.click("#trend-chart [data-unit='mmol/L']")
    page.wait_for_url("**unit=mmol*")
    page.wait_for_selector("#trend-chart .ytitle >> text=mmol/L")

    # A results-changed event (sent by the panel form) refreshes the chart in place.
    ResultFactory(
        panel__user=user,
        panel__drawn_on=timezone.localdate(),
        analyte="mg_rbc",
        value=6.0,
        unit="mg/dL",
    )
    page.evaluate("htmx.trigger(document.body, 'results-changed')")
    wait_for_points(page, count(user, "mg_rbc", since))

    assert page.evaluate("window.__noReload") == "still here"
    assert page.js_errors == []
    save_screenshot(page, f"trends-{width}")
