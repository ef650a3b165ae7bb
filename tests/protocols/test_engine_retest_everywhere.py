"""One retest date: the plan's retest (the engine's, issue #10) is the date the dashboard, the
plan page, the report, the reminder row and the reminder email all show for the person."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.dates import person_today
from protocols.models import Plan, Reminder
from protocols.presenters import fmt_date
from protocols.reminders.emails import reminder_email
from protocols.services import plan_refresh
from tests.factories import panel_with

pytestmark = pytest.mark.django_db

TESTID_DATE = re.compile(r'data-testid="retest-date">\s*([^<]+?)\s*<')


def _shown_dates(client, user) -> dict[str, str]:
    plan_page = client.get(reverse("protocols:plan")).content.decode()
    dashboard = client.get(reverse("dashboard:home")).content.decode()
    report = client.get(reverse("dashboard:report")).content.decode()
    reminder = Reminder.objects.get(user=user)
    email = reminder_email(reminder=reminder, followup=False, now=timezone.now())
    due_text = fmt_date(reminder.due_on)
    return {
        "plan page": TESTID_DATE.search(plan_page).group(1),
        "dashboard": TESTID_DATE.search(dashboard).group(1),
        "report": re.search(r'data-testid="report-retest">[^<]*<strong>([^<]+)<', report).group(1),
        "reminder row": due_text,
        "email": due_text if due_text in email.body and due_text in email.subject else "",
    }


@pytest.mark.parametrize(
    ("values", "within_days"),
    [
        pytest.param({"vitd_25oh": 22, "mg_rbc": 4.2}, None, id="correction-8-12-weeks"),
        pytest.param({"vitd_25oh": 160}, 7, id="urgent-within-a-week"),
    ],
)
def test_dashboard_plan_report_reminder_and_email_show_the_same_retest_date(
    client_logged_in, user, values, within_days
):
    today = person_today(user)
    panel_with(user, today - timedelta(days=3), **values)
    plan_refresh(user)
    plan = Plan.objects.filter(user=user).latest("created_at", "id")
    due = plan.data["retest"]["due_on"]
    if within_days is not None:
        latest = plan.data["retest"]["latest_on"]
        assert latest <= (today + timedelta(days=within_days)).isoformat()
    shown = _shown_dates(client_logged_in, user)
    assert set(shown.values()) == {fmt_date(due)}, shown
