"""/healthz for a load balancer: is the database reachable, is the broker reachable.

No authentication and no data: the answer names each check and says ok or failing.
Cheap: one `SELECT 1` and one broker connection with a short timeout. Further checks are
functions of no argument returning None or raising; add them to CHECKS.

FIGURES are for an operator, beside the checks: the reminder backlog (emails due and not
sent, the oldest due time) shows a mail or worker outage. They never fail the probe: a mail
server being down is no reason to take the web app out of the load balancer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from protocols.reminders.selectors import reminder_backlog as read_reminder_backlog

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def reminder_backlog() -> dict[str, int | str | None]:
    """Counts and one time, no person's data (one aggregate query)."""
    backlog = read_reminder_backlog(now=timezone.now())
    oldest = backlog.oldest_due_at
    return {
        "due": backlog.due,
        "retrying": backlog.retrying,
        "oldest_due_at": oldest.isoformat() if oldest else None,
    }


CHECKS: dict[str, Callable[[], None]] = {"database": database, "broker": broker}
FIGURES: dict[str, Callable[[], object]] = {"reminder_backlog": reminder_backlog}


@never_cache
@require_GET
def healthz(request):
    report, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            check()
            report[name] = "ok"
        except Exception as exc:  # any failure is a failing check, never a 500
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
            report[name], healthy = "failing", False
    for name, figure in FIGURES.items():
        try:
            report[name] = figure()
        except Exception as exc:  # a figure never fails the probe
            logger.warning("health figure %s unavailable: %s", name, type(exc).__name__)
            report[name] = "unavailable"
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **report}, status=200 if healthy else 503
    )
