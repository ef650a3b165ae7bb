"""Retest reminders: rows with a due time, swept by beat and claimed before each email.

Where things live (the data flows top to bottom):

    schedule.py   pure: when an email is due (09:00 local, DST-safe), retry back-off
    times.py      the schedule applied to a person (their zone, REMINDER_LOCAL_HOUR)
    selectors.py  reads: the person's open reminder, due rows, the backlog
    services.py   writes: follow plans and results, settings, snooze, unsubscribe
    links.py      signed one-click links in the email
    emails.py     the email builder (subject, text, HTML)
    sending.py    claim a row, send its email, record the outcome
    sweep.py      beat's sweep: release stuck rows, pick due rows for the queue
    tasks.py      Celery tasks (thin) and enqueueing
    receivers.py  plan and results signals → services
    views.py, urls.py   the pages the email's links open

Lifecycle (PRODUCT.md §6, STYLE.md habit 3):

    scheduled ─claim→ sending ─sent→ sent ─claim→ followup_sending ─sent→ followup_sent
        ↑ snoozed (a one-click snooze moves send_at; swept like scheduled)
    any open state → done (new results) | cancelled (no retest, reminders off, unsubscribe)
"""
