from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import HealthProfile, Plan, Reminder, SupplementIntake


@admin.register(HealthProfile)
class HealthProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "birth_year", "sex", "goal", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(SupplementIntake)
class SupplementIntakeAdmin(SimpleHistoryAdmin):
    list_display = ("user", "nutrient", "amount", "unit", "form", "since")
    list_filter = ("nutrient",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Plans are the engine's record: shown, never edited by hand."""

    list_display = ("user", "created_at", "as_of", "phase", "rule_set", "rules_version")
    list_filter = ("phase", "rule_set")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Plan._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Staff see why an email did not go out: the server's reply, and when it is tried next."""

    list_display = (
        "user", "state", "due_on", "send_at", "sent_at", "attempts", "next_attempt_at",
        "last_error",
    )  # fmt: skip
    list_filter = ("state", ("failing_since", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("user__email", "last_error")
    raw_id_fields = ("user", "plan")
    readonly_fields = ("next_attempt_at", "failing_since", "last_error", "enqueued_at")
