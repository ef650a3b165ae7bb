import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .reminders import reminder_send, reminders_sweep

# What a flaky mail server raises; anything else is a bug and must not loop.
SEND_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task
def record_heartbeat() -> str:
    """Prove the worker and beat are alive: beat enqueues this, the worker writes the time."""
    stamp = timezone.now().isoformat()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    (settings.VAR_DIR / "celery-heartbeat").write_text(stamp)
    return stamp


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Beat's sweep: enqueue one send_reminder per due reminder (ids only)."""
    return reminders_sweep()


@shared_task(
    acks_late=True,
    autoretry_for=SEND_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def send_reminder(reminder_id: int) -> str:
    """Claim, send and mark one reminder; a duplicate or late copy of this task is a no-op.

    After the last retry the row is left scheduled, so the next sweep tries again.
    """
    return reminder_send(reminder_id=reminder_id)
