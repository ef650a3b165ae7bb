"""Writes that concern a whole account: deleting it."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(user) -> int:
    """End every session signed in as `user`, with whatever it holds (stashed uploads too).

    The session table has no user column, so every unexpired session is read once: fine for
    the rare deletion, and `clearsessions` keeps the table to live sessions.
    """
    from django.utils import timezone

    store = _session_store()
    model = store.get_model_class()
    ended = 0
    live = model.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) == str(user.pk):
            store(key).delete()  # also drops a cached copy (cached_db)
            ended += 1
    return ended


def _audited_models():
    from labs.models import Panel, Result
    from protocols.models import HealthProfile, SupplementIntake

    return (Panel, Result, HealthProfile, SupplementIntake)


def account_delete(*, user) -> None:
    """Delete the person, every row they own (on_delete=CASCADE), the audit trail of those
    rows (django-simple-history keeps a copy of each deleted row) and every session."""
    pk = user.pk
    with transaction.atomic():
        end_sessions(user)
        user.delete()
        for model in _audited_models():
            model.history.filter(user_id=pk).delete()
