"""Signed one-click links in a reminder email (snooze, unsubscribe): no login needed."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare

from protocols.models import Reminder

LINK_MAX_AGE = timedelta(days=30)
SNOOZE_WEEKS = (1, 2)


class ReminderLinkError(Exception):
    """A snooze/unsubscribe link that is tampered with, expired or already used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired" | "used"


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"cofactor.reminders.{purpose}")


def reminder_link_token(reminder: Reminder, purpose: str, **extra: int) -> str:
    """A signed token for one purpose ("snooze", "unsubscribe"), bound to the row's link_key."""
    payload = {"r": reminder.pk, "k": reminder.link_key, **extra}
    return _signer(purpose).sign_object(payload, compress=False)


def reminder_from_link(token: str, purpose: str) -> tuple[Reminder, dict]:
    """The reminder a valid link points to, and the link's payload.

    Every link of one email works on its own: using one (a snooze) leaves the others (the
    other snooze, unsubscribe) working. A link stops working when the reminder moves to a
    new retest (a new link_key), when it expires, or (snooze) when the reminder is closed.
    """
    try:
        payload = _signer(purpose).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ReminderLinkError("expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise ReminderLinkError("invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise ReminderLinkError("invalid")
    reminder = Reminder.objects.select_related("user").filter(pk=payload["r"]).first()
    if reminder is None or not constant_time_compare(str(payload.get("k")), reminder.link_key):
        raise ReminderLinkError("used")
    return reminder, payload


def snooze_weeks(payload: dict) -> int:
    weeks = payload.get("w")
    if weeks not in SNOOZE_WEEKS:
        raise ReminderLinkError("invalid")
    return weeks
