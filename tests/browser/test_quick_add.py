"""A person adds a 25(OH)D value under the trends chart and the chart grows in place."""

import datetime as dt

import pytest
from django.utils import timezone

from labs.models import Result
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory, make_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINTS = "#trend-chart .scatterlayer .trace:first-child .points path"


def wait_for_points(page, expected: int) -> None:
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        arg=[POINTS, expected],
    )


def person_with_draws():
    """Four monthly draws, the last one two months ago (so today is free for a new one)."""
    user = UserFactory()
    first = timezone.localdate() - dt.timedelta(days=30 * 5)
    make_history(user, panels=4, first_on=first, every_days=30)
    return user


@pytest.mark.parametrize(("viewport", "width"), [("phone_page", 375), ("page", 1280)])
def test_a_quick_add_grows_the_chart_without_reload(request, viewport, width):
    page = request.getfixturevalue(viewport)
    user = person_with_draws()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/trends/?analyte=vitd_25oh")
    wait_for_points(page, 4)
    page.evaluate("window.__noReload = 'still here'")

    form = page.locator("[data-testid=quick-add-form]")
    assert form.locator("[name=drawn_on]").input_value() == timezone.localdate().isoformat()
    assert form.locator("[name=unit]").input_value() == user.preferred_unit("vitd_25oh")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    form.locator("[name=value]").fill("41.5")
    form.locator("[data-testid=quick-add-submit]").click()
    wait_for_points(page, 5)
    saved = page.locator("[data-testid=quick-add-saved]")
    saved.wait_for()
    assert "41.5" in saved.text_content()
    assert page.locator("#trend-chart [data-testid=trend-table] tbody tr").count() == 5
    # The form is blank again, ready for the next value.
    assert page.locator("[data-testid=quick-add-form] [name=value]").input_value() == ""
    assert Result.objects.filter(user=user, analyte="vitd_25oh").count() == 5

    assert page.evaluate("window.__noReload") == "still here"
    assert page.js_errors == []
    save_screenshot(page, f"quick-add-{width}")


def test_an_implausible_value_shows_the_hint_and_leaves_the_chart(page):
    user = person_with_draws()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/trends/?analyte=vitd_25oh")
    wait_for_points(page, 4)
    page.evaluate("window.__noReload = 'still here'")

    form = page.locator("[data-testid=quick-add-form]")
    form.locator("[name=unit]").select_option("ng/mL")
    form.locator("[name=value]").fill("400")
    form.locator("[data-testid=quick-add-submit]").click()
    error = page.locator("[data-testid=quick-add-error]")
    error.wait_for()
    assert "did you mean nmol/L?" in error.text_content()
    assert page.locator("[data-testid=quick-add-form] [name=value]").input_value() == "400"
    assert Result.objects.filter(user=user, analyte="vitd_25oh").count() == 4
    wait_for_points(page, 4)
    assert page.evaluate("window.__noReload") == "still here"
    assert page.js_errors == []
