"""Signals the protocols app sends.

`plan_created` goes out after a new Plan row is stored (its inputs changed), inside the
same transaction; listeners that send email or enqueue tasks use transaction.on_commit.
"""

from django.dispatch import Signal

# kwargs: plan (the new Plan), previous (the Plan before it, or None)
plan_created = Signal()
