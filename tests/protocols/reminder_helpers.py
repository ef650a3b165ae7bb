"""Builders shared by the reminder tests (plans are stored rows here, not engine output)."""

from datetime import date, datetime

from django.utils import timezone

from protocols.models import Plan, Reminder


def make_plan(user, due_on: date | None, tests=("vitd_25oh", "mg_rbc"), reason="correction"):
    retest = (
        None
        if due_on is None
        else {
            "due_on": due_on.isoformat(),
            "latest_on": due_on.isoformat(),
            "tests": list(tests),
            "reason": reason,
        }
    )
    return Plan.objects.create(
        user=user,
        as_of=timezone.localdate(),
        rule_set="seed",
        rules_version="test",
        phase="correction",
        retest_due_on=due_on,
        data={"retest": retest},
        inputs={},
        inputs_digest=f"digest-{due_on}",
    )


def make_due_reminder(user, *, send_at: datetime | None = None, **fields) -> Reminder:
    """An open reminder whose first email is due now."""
    now = timezone.now()
    fields.setdefault("due_on", timezone.localdate())
    fields.setdefault("tests", ["vitd_25oh", "mg_rbc"])
    fields.setdefault("reason", "correction: retest after the last draw")
    return Reminder.objects.create(user=user, send_at=send_at or now, **fields)
