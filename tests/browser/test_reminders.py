"""Reminders in a real browser: settings on /settings/, a snooze link from an email."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from protocols.models import Reminder
from protocols.reminders.sending import reminder_send
from protocols.reminders.services import reminder_schedule_from_plan
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, ReminderFactory, UserFactory, plan_with_retest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reminder_settings_are_saved_and_shown(page):
    user = UserFactory()
    reminder_schedule_from_plan(
        plan=plan_with_retest(user, timezone.localdate() + timedelta(days=60))
    )
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/settings/")
    assert page.is_visible("[data-testid=next-reminder]")
    page.select_option("select[name=reminder_lead_days]", "3")
    page.uncheck("input[name=overdue_followup]")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Settings saved.")
    assert page.input_value("select[name=reminder_lead_days]") == "3"
    assert not page.is_checked("input[name=overdue_followup]")
    assert page.is_checked("input[name=reminders_enabled]")
    user.refresh_from_db()
    assert (user.reminder_lead_days, user.overdue_followup) == (3, False)
    save_screenshot(page, "reminders-settings")
    assert page.js_errors == []


def test_a_snooze_link_from_the_email_confirms_then_snoozes_and_unsubscribe_still_works(page):
    user = UserFactory()
    reminder = ReminderFactory(user=user)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+/reminders/snooze/\S+/", body).group(0)
    path = urlsplit(link).path  # the email names SITE_URL; the test server has its own port

    page.goto(page.base_url + path)  # no login: the signed link is the credential
    assert "Snooze your retest reminder" in page.text_content("h1")
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT  # opening the link acts on nothing
    page.click("[data-testid=confirm-snooze]")
    page.wait_for_selector("[data-testid=snoozed]")
    save_screenshot(page, "reminders-snoozed")
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SNOOZED
    assert page.js_errors == []

    # The email's other links still work on their own: unsubscribe, from the same email.
    stop = re.search(r"https?://\S+/reminders/unsubscribe/\S+/", body).group(0)
    page.goto(page.base_url + urlsplit(stop).path)
    page.click("[data-testid=confirm-unsubscribe]")
    page.wait_for_selector("[data-testid=unsubscribed]")
    user.refresh_from_db()
    assert not user.reminders_enabled
    assert page.js_errors == []
