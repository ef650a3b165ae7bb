"""A share link opened in a fresh browser (no session) at a phone's width shows the data,
fits the screen, and stops opening once revoked."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.dates import person_today
from dashboard.sharing import share_create, share_revoke
from labs.services import panel_create
from tests.conftest import _browser_page, save_screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_opens_the_link_at_375_px_and_a_revoked_link_is_gone(
    browser, request, live_server
):
    person = UserFactory()
    panel_create(user=person, drawn_on=person_today(person) - timedelta(days=9),
                 results=[("vitd_25oh", 27.4, "ng/mL"), ("mg_rbc", 4.6, "mg/dL")])  # fmt: skip
    link = share_create(user=person, days=7)
    page = next(_browser_page(browser, request, live_server, 375, 812))  # a fresh context
    response = page.goto(f"{page.base_url}/shared/{link.token}/")
    assert response.status == 200
    expect(page.get_by_test_id("shared-notice")).to_be_visible()
    expect(page.locator("body")).to_contain_text("27.4")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.context.cookies() == []  # nothing to log in with, nothing left behind
    assert page.js_errors == []
    save_screenshot(page, "shared-375")
    share_revoke(user=person, pk=link.pk)
    assert page.goto(f"{page.base_url}/shared/{link.token}/").status == 404
