"""Keep the stored plan in step with the data it is computed from.

Every write that can change a plan schedules one refresh after its transaction commits
(protocols.services.plan_refresh_on_commit deduplicates per person and transaction).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from labs.signals import data_changed
from protocols.models import HealthProfile, Plan, SupplementIntake
from protocols.services import plan_refresh_on_commit


@receiver(data_changed, dispatch_uid="protocols.refresh_on_data_changed")
def refresh_on_data_changed(sender, user, **kwargs) -> None:
    plan_refresh_on_commit(user_id=user.pk)


@receiver(post_save, sender=HealthProfile, dispatch_uid="protocols.refresh_on_profile_save")
@receiver(post_delete, sender=HealthProfile, dispatch_uid="protocols.refresh_on_profile_delete")
@receiver(post_save, sender=SupplementIntake, dispatch_uid="protocols.refresh_on_intake_save")
@receiver(post_delete, sender=SupplementIntake, dispatch_uid="protocols.refresh_on_intake_delete")
def refresh_on_profile_or_intake(sender, instance, raw=False, using="default", **kwargs) -> None:
    if not raw:  # fixtures load rows as they are
        plan_refresh_on_commit(user_id=instance.user_id, using=using)


def refresh_on_user_save(sender, instance, created, raw=False, **kwargs) -> None:
    """A new rule set or upper-limits authority changes the plan. Saves that leave both alone
    (a login stamping last_login, a new account with no plan yet) cost one indexed read and
    refresh nothing."""
    if created or raw:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"rule_set", "upper_limits"} & set(update_fields):
        return
    latest = (
        Plan.objects.filter(user=instance)
        .order_by("-created_at", "-id")
        .values_list("rule_set", "inputs__limits")
        .first()
    )
    # Plans stored before the authority existed were made with the IOM's limits.
    if latest is None:
        return
    rule_set, limits = latest
    if (rule_set, limits or "iom") != (instance.rule_set, instance.upper_limits or "iom"):
        plan_refresh_on_commit(user_id=instance.pk, using=kwargs.get("using", "default"))


def connect_user_receiver() -> None:
    post_save.connect(
        refresh_on_user_save,
        sender=get_user_model(),
        dispatch_uid="protocols.refresh_on_user_save",
    )
