"""Bump the person's data version (dashboard.caching) on every write the cached pages show."""

from __future__ import annotations

from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.autoreload import file_changed

from labs.models import LifeEvent, Marker, MarkerResult, Panel, Result, SymptomEntry
from labs.signals import data_changed
from protocols.models import HealthProfile, Plan, SupplementIntake

from .caching import bump


@receiver(data_changed, dispatch_uid="dashboard.bump_on_data_changed")
def bump_on_data_changed(sender, user, **kwargs) -> None:
    bump(user.pk)


# Direct saves too (the admin, a plan refreshed in place, a supplement edited), so a write
# that sends no data_changed cannot leave a stale figure behind. Deletes of labs rows send
# data_changed from labs.services; a post_delete receiver on them would make deleting an
# account load and signal every panel and check-in (Django cannot fast-delete them then).
_SAVED = (Panel, Result, SymptomEntry, LifeEvent, Plan, SupplementIntake, HealthProfile, Marker,
          MarkerResult)  # fmt: skip
_DELETED = (SupplementIntake, HealthProfile, Marker)  # a custom marker's name is on the report


def bump_on_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        bump(instance.user_id)


def bump_on_delete(sender, instance, **kwargs) -> None:
    bump(instance.user_id, create=False)


def forget_process_fragments(sender, file_path, **kwargs) -> None:
    """runserver reloads an edited template without restarting: the fragments each process
    keeps (the "process" cache: navigation, footer) are rendered afresh."""
    if file_path.suffix != ".py":
        caches["process"].clear()


def connect() -> None:
    file_changed.connect(forget_process_fragments, dispatch_uid="dashboard.process_fragments")
    for model in _SAVED:
        post_save.connect(bump_on_save, sender=model, dispatch_uid=f"dashboard.saved.{model}")
    for model in _DELETED:
        post_delete.connect(bump_on_delete, sender=model, dispatch_uid=f"dashboard.gone.{model}")
