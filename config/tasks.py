from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task
def record_heartbeat() -> str:
    """Prove the worker and beat are alive: beat enqueues this, the worker writes the time."""
    stamp = timezone.now().isoformat()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    (settings.VAR_DIR / "celery-heartbeat").write_text(stamp)
    return stamp
