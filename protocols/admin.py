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
    list_display = ("user", "state", "due_on", "send_at", "sent_at", "attempts")
    list_filter = ("state",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user", "plan")
