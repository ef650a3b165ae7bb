import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_confirms_email_logs_out_and_back_in(page):
    page.goto(page.base_url + "/")
    assert "Vitamin D needs magnesium" in page.text_content("h1")
    page.get_by_role("link", name="Create an account").click()

    page.fill("input[name=email]", "first-visit@example.org")
    page.fill("input[name=password1]", "a sturdy passphrase 42")
    page.fill("input[name=password2]", "a sturdy passphrase 42")
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/confirm-email/")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(page.base_url + urlsplit(link).path)  # the link says https; the test server is http
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert "first-visit@example.org" in page.text_content("[data-testid=dashboard-greeting]")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(page.base_url + "/")
    page.get_by_role("link", name="Log in").first.click()
    page.fill("input[name=login]", "first-visit@example.org")
    page.fill("input[name=password]", "a sturdy passphrase 42")
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert page.js_errors == []
