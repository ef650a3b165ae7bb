"""One-click snooze and unsubscribe links: no login, GET confirms, POST acts, each link of
an email on its own; RFC 8058 one-click unsubscribe."""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from protocols.models import Reminder
from protocols.reminders.links import reminder_link_token
from tests.factories import ReminderFactory

pytestmark = pytest.mark.django_db
State = Reminder.State


@pytest.fixture
def reminder(user):
    return ReminderFactory(user=user, state=State.SENT, enqueued_at=timezone.now())


def snooze_url(reminder, weeks=1):
    return reverse("reminders:snooze", args=[reminder_link_token(reminder, "snooze", w=weeks)])


def unsubscribe_url(reminder):
    return reverse("reminders:unsubscribe", args=[reminder_link_token(reminder, "unsubscribe")])


def test_get_shows_a_confirmation_and_changes_nothing(client, reminder):
    response = client.get(snooze_url(reminder))
    assert response.status_code == 200
    assert b'data-testid="confirm-snooze"' in response.content
    reminder.refresh_from_db()
    assert reminder.state == State.SENT


@pytest.mark.parametrize("weeks", [1, 2])
def test_post_snoozes_without_login_to_nine_local(client, user, reminder, weeks):
    user.time_zone = "America/New_York"
    user.save()
    response = client.post(snooze_url(reminder, weeks))
    assert response.status_code == 200
    assert b'data-testid="snoozed"' in response.content
    reminder.refresh_from_db()
    zone = ZoneInfo("America/New_York")
    local = reminder.send_at.astimezone(zone)
    assert reminder.state == State.SNOOZED
    assert reminder.enqueued_at is None  # the sweep picks it up when the snooze ends
    assert local.date() == timezone.now().astimezone(zone).date() + timedelta(weeks=weeks)
    assert local.hour == 9


def test_each_link_of_one_email_works_on_its_own(client, user, reminder):
    one_week, two_weeks, stop = (
        snooze_url(reminder),
        snooze_url(reminder, 2),
        unsubscribe_url(reminder),
    )
    assert client.post(one_week).status_code == 200
    assert client.post(two_weeks).status_code == 200  # the other snooze still works
    reminder.refresh_from_db()
    zone = ZoneInfo(user.time_zone or "UTC")
    today = timezone.now().astimezone(zone).date()
    assert reminder.send_at.astimezone(zone).date() == today + timedelta(weeks=2)
    assert client.get(stop).status_code == 200  # and so does unsubscribe
    assert client.post(stop).status_code == 200
    user.refresh_from_db()
    assert not user.reminders_enabled
    response = client.post(one_week)  # nothing left to snooze once emails are off
    assert response.status_code == 400 and b"already used" in response.content


def test_links_of_an_email_about_an_older_retest_do_nothing(client, reminder):
    url = snooze_url(reminder)
    Reminder.objects.filter(pk=reminder.pk).update(link_key="a-newer-retest")
    response = client.post(url)
    assert response.status_code == 400 and b"already used" in response.content


def test_a_tampered_link_is_rejected_with_a_clear_page(client, reminder):
    token = reminder_link_token(reminder, "snooze", w=1)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(reverse("reminders:snooze", args=[tampered]))
    assert response.status_code == 400
    assert b"damaged or was changed" in response.content
    reminder.refresh_from_db()
    assert reminder.state == State.SENT


def test_a_forged_number_of_weeks_is_rejected(client, reminder):
    token = reminder_link_token(reminder, "snooze", w=52)
    assert client.post(reverse("reminders:snooze", args=[token])).status_code == 400


def test_a_token_for_one_purpose_does_not_work_for_another(client, reminder):
    token = reminder_link_token(reminder, "snooze", w=1)
    response = client.post(reverse("reminders:unsubscribe", args=[token]))
    assert response.status_code == 400
    reminder.refresh_from_db()
    assert reminder.state == State.SENT


def test_a_link_older_than_30_days_has_expired(client, reminder, monkeypatch):
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 31 * 24 * 3600)
    url = snooze_url(reminder)
    monkeypatch.setattr(time, "time", lambda: real)
    response = client.post(url)
    assert response.status_code == 400
    assert b"expired" in response.content


def test_a_link_to_a_closed_reminder_does_nothing(client, reminder):
    url = snooze_url(reminder)
    Reminder.objects.filter(pk=reminder.pk).update(state=State.DONE)
    assert client.post(url).status_code == 400
    reminder.refresh_from_db()
    assert reminder.state == State.DONE


def test_unsubscribe_confirms_then_turns_reminders_off_once(client, user, reminder):
    url = unsubscribe_url(reminder)
    assert client.get(url).status_code == 200
    user.refresh_from_db()
    assert user.reminders_enabled
    response = client.post(url)
    assert response.status_code == 200
    assert b'data-testid="unsubscribed"' in response.content
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert (user.reminders_enabled, reminder.state) == (False, State.CANCELLED)
    assert client.post(url).status_code == 200  # a second click changes nothing more
    reminder.refresh_from_db()
    assert reminder.state == State.CANCELLED


def test_one_click_unsubscribe_takes_a_post_with_no_cookie_or_csrf_token(user, reminder):
    from django.test import Client

    token = reminder_link_token(reminder, "unsubscribe")
    url = reverse("reminders:one-click-unsubscribe", args=[token])
    mail_client = Client(enforce_csrf_checks=True)  # as a mailbox provider's server posts
    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert (user.reminders_enabled, reminder.state) == (False, State.CANCELLED)


def test_one_click_unsubscribe_refuses_a_bad_token_or_body_and_a_get_only_asks(
    client, user, reminder
):
    token = reminder_link_token(reminder, "unsubscribe")
    url = reverse("reminders:one-click-unsubscribe", args=[token])
    assert client.post(url, {"List-Unsubscribe": "something"}).status_code == 400
    forged = reverse("reminders:one-click-unsubscribe", args=[token[:-2] + "xx"])
    assert client.post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 400
    response = client.get(url)  # a scanner following the address changes nothing
    assert response.status_code == 302
    assert response["Location"] == reverse("reminders:unsubscribe", args=[token])
    user.refresh_from_db()
    assert user.reminders_enabled


def test_the_links_need_no_csrf_cookie_from_elsewhere(user, reminder):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(snooze_url(reminder))
    token = page.context["csrf_token"]
    response = browser.post(snooze_url(reminder), {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200


def test_a_tampered_unsubscribe_link_changes_nothing(client, user, reminder):
    token = reminder_link_token(reminder, "unsubscribe")
    payload, signature = token.rsplit(":", 1)
    forged = [
        f"{payload}:{signature[::-1]}",  # the signature changed
        token.replace(token[0], "Z" if token[0] != "Z" else "Y", 1),  # the payload changed
    ]
    for bad in forged:
        assert client.get(reverse("reminders:unsubscribe", args=[bad])).status_code == 400
        assert client.post(reverse("reminders:unsubscribe", args=[bad])).status_code == 400
    user.refresh_from_db()
    reminder.refresh_from_db()
    assert (user.reminders_enabled, reminder.state) == (True, State.SENT)
