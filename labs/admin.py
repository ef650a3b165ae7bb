"""Admin for the labs models: staff look-ups and support, not the way people enter data."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from labs.models import LifeEvent, Panel, Result, SymptomEntry


class ResultInline(admin.TabularInline):
    # Read-only: canonical values and the copied user/date are kept by labs.services only.
    model = Result
    fields = ("analyte", "value", "unit", "canonical_value")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Panel)
class PanelAdmin(SimpleHistoryAdmin):  # "History" shows the audit trail
    list_display = ("id", "user", "drawn_on", "lab", "created_at")
    list_filter = ("drawn_on",)
    search_fields = ("user__email", "lab")
    date_hierarchy = "drawn_on"
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    inlines = [ResultInline]


@admin.register(Result)
class ResultAdmin(SimpleHistoryAdmin):
    list_display = ("id", "user", "drawn_on", "analyte", "value", "unit", "canonical_value")
    list_filter = ("analyte",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    # Edit results through the app: the canonical value is computed by labs.services.
    readonly_fields = ("panel", "user", "drawn_on", "analyte", "value", "unit", "canonical_value")


@admin.register(SymptomEntry)
class SymptomEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "recorded_on", "symptom", "severity")
    list_filter = ("symptom", "severity")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "occurred_on", "kind")
    list_filter = ("kind",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
