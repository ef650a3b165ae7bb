"""Reminders follow plans and results. Connected once from ProtocolsConfig.ready()."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from labs.signals import data_changed
from protocols.signals import plan_created

from .services import (
    reminder_close_on_results,
    reminder_retry_failed,
    reminder_schedule_from_plan,
)
from .tasks import reminder_enqueue_if_due


@receiver(plan_created, dispatch_uid="reminders-follow-plan")
def schedule_reminder_from_plan(sender, plan, previous=None, **kwargs) -> None:
    """A new plan creates, moves or cancels the user's open reminder."""
    reminder_enqueue_if_due(reminder_schedule_from_plan(plan=plan))


@receiver(data_changed, dispatch_uid="reminders-close-on-results")
def close_reminder_on_results(sender, user, kind, **kwargs) -> None:
    """New results answer the retest; life events move it through the plan instead."""
    if kind == "results":
        reminder_enqueue_if_due(reminder_close_on_results(user=user))


@receiver(email_changed, dispatch_uid="reminders-retry-after-email-change")
def retry_failed_reminder(sender, request, user, **kwargs) -> None:
    """A new primary address: the reminder the old one bounced is tried again."""
    reminder_enqueue_if_due(reminder_retry_failed(user=user))
