"""Staff see in the admin why a reminder did not go out."""

import pytest
from django.urls import reverse

from protocols.models import Reminder
from tests.factories import ReminderFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_the_servers_reply_for_a_failed_reminder(client):
    reply = "550 5.1.1 <gone@example.org>: Recipient address rejected"
    failed = ReminderFactory(state=Reminder.State.FAILED, last_error=reply)
    ReminderFactory()  # a healthy one alongside
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:protocols_reminder_changelist"), {"state": "failed"})
    assert listing.status_code == 200
    assert "Recipient address rejected" in listing.content.decode()
    page = client.get(reverse("admin:protocols_reminder_change", args=[failed.pk]))
    assert "Recipient address rejected" in page.content.decode()
