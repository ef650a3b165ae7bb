"""Signals the labs app sends after a write has been saved.

labs.services sends `data_changed` once per write operation (a panel saved, edited or
deleted, an import, a symptom check-in, a life event), never once per row, so listeners
(plan recompute, reminders) run once per change.
"""

from django.dispatch import Signal

# kwargs: user (the owner), kind: "results" | "symptoms" | "life_events"
data_changed = Signal()
