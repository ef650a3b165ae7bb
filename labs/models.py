from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .analytes import ANALYTES
from .symptoms import LIFE_EVENTS, SEVERITY_LABELS, SYMPTOMS
from .validation import GREATER, HIGH, LESS, LOW

# Catalog labels are marked in the pure catalogs (gettext_noop) and translated here, lazily.
ANALYTE_CHOICES = [(a.code, _(a.name)) for a in ANALYTES.values()]
SYMPTOM_CHOICES = [(s.code, _(s.label)) for s in SYMPTOMS.values()]
SEVERITY_CHOICES = [(value, _(label)) for value, label in SEVERITY_LABELS.items()]
LIFE_EVENT_CHOICES = [(code, _(label)) for code, label in LIFE_EVENTS.items()]
QUALIFIER_CHOICES = [(LESS, _("below (<)")), (GREATER, _("above (>)"))]
REF_FLAG_CHOICES = [(HIGH, _("high (H)")), (LOW, _("low (L)"))]


def reference_range_constraints(prefix: str, flag: bool = True) -> list[models.CheckConstraint]:
    """The database's copy of labs.validation.check_reference_range: ends ≥ 0, low ≤ high."""
    constraints = [
        models.CheckConstraint(
            condition=(Q(ref_low__isnull=True) | Q(ref_low__gte=0))
            & (Q(ref_high__isnull=True) | Q(ref_high__gte=0)),
            name=f"{prefix}_ref_not_negative",
        ),
        models.CheckConstraint(
            condition=Q(ref_low__isnull=True)
            | Q(ref_high__isnull=True)
            | Q(ref_low__lte=models.F("ref_high")),
            name=f"{prefix}_ref_low_le_high",
        ),
    ]
    if flag:
        constraints.append(
            models.CheckConstraint(
                condition=Q(ref_flag__in=["", HIGH, LOW]), name=f"{prefix}_ref_flag_known"
            )
        )
    return constraints


class Panel(models.Model):
    """One blood draw of one person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panels"
    )
    drawn_on = models.DateField(_("date drawn"))
    lab = models.CharField(_("lab"), max_length=120, blank=True)
    fasting = models.BooleanField(_("fasting"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Audit trail: who created, changed or deleted it, and when (shown on the panel page).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-drawn_on", "-id"]
        indexes = [models.Index(fields=["user", "-drawn_on"], name="panel_user_drawn")]
        constraints = [
            models.CheckConstraint(
                condition=Q(drawn_on__gte="1900-01-01"), name="panel_drawn_on_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"Panel {self.drawn_on}"


class Result(models.Model):
    """One analyte measured in a panel: the value as entered and in the canonical unit.

    user and drawn_on repeat the panel's so that a person's series of one analyte is read
    from this table alone, through one index; labs.services keeps them in step.
    """

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="results")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    drawn_on = models.DateField()
    analyte = models.CharField(max_length=16, choices=ANALYTE_CHOICES)
    value = models.FloatField(_("value as entered"))
    unit = models.CharField(_("unit as entered"), max_length=24)
    canonical_value = models.FloatField()
    # A censored result: the lab printed "< 10" (below what it can measure) or "> 160";
    # value is then the limit. Blank for an ordinary result.
    qualifier = models.CharField(
        _("qualifier"), max_length=1, choices=QUALIFIER_CHOICES, blank=True, default=""
    )
    # The reference range the lab printed beside the value, in the unit as entered (either
    # end may be missing: "< 5"), its canonical equivalents (computed once, like
    # canonical_value, for comparisons and charts), and the lab's own H/L flag as printed.
    # Written by labs.services only (result_build); checked by labs.validation.
    ref_low = models.FloatField(_("reference range, low"), null=True, blank=True)
    ref_high = models.FloatField(_("reference range, high"), null=True, blank=True)
    ref_low_canonical = models.FloatField(null=True, blank=True)
    ref_high_canonical = models.FloatField(null=True, blank=True)
    ref_flag = models.CharField(
        _("lab's flag"), max_length=1, choices=REF_FLAG_CHOICES, blank=True, default=""
    )
    history = HistoricalRecords()  # audit trail, as Panel's

    class Meta:
        ordering = ["analyte"]
        indexes = [
            models.Index(fields=["user", "analyte", "drawn_on"], name="result_user_series"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["panel", "analyte"], name="result_one_per_analyte"),
            models.CheckConstraint(condition=Q(value__gt=0), name="result_value_positive"),
            models.CheckConstraint(
                condition=Q(canonical_value__gt=0), name="result_canonical_positive"
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=["", LESS, GREATER]), name="result_qualifier_known"
            ),
            *reference_range_constraints("result"),
        ]

    def __str__(self) -> str:
        return f"{self.analyte} {self.qualifier}{self.value} {self.unit}"


class Marker(models.Model):
    """A marker a person defines that the catalog lacks (name, unit, optional range, LOINC).

    Entered on panels, imported, charted and exported like the catalog's analytes, but no
    rule of the plan ever reads it (protocols reads Result only). Private to its person.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="markers"
    )
    name = models.CharField(_("name"), max_length=80)
    unit = models.CharField(_("unit"), max_length=24)
    # The usual range (the person's choice, e.g. from their lab), in `unit`; drawn on the
    # chart when a result carries no printed range of its own.
    ref_low = models.FloatField(_("reference range, low"), null=True, blank=True)
    ref_high = models.FloatField(_("reference range, high"), null=True, blank=True)
    loinc = models.CharField(_("LOINC code"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "user", name="marker_name_once"),
            *reference_range_constraints("marker", flag=False),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class MarkerResult(models.Model):
    """One value of a person's own marker in a panel, in the marker's unit, with the range
    and flag the lab printed beside it (as Result's)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="marker_results")
    marker = models.ForeignKey(Marker, on_delete=models.CASCADE, related_name="results")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    drawn_on = models.DateField()
    value = models.FloatField(_("value"))
    qualifier = models.CharField(
        _("qualifier"), max_length=1, choices=QUALIFIER_CHOICES, blank=True, default=""
    )
    ref_low = models.FloatField(_("reference range, low"), null=True, blank=True)
    ref_high = models.FloatField(_("reference range, high"), null=True, blank=True)
    ref_flag = models.CharField(
        _("lab's flag"), max_length=1, choices=REF_FLAG_CHOICES, blank=True, default=""
    )

    class Meta:
        ordering = ["marker__name"]
        indexes = [
            models.Index(fields=["user", "marker", "drawn_on"], name="markerresult_series"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["panel", "marker"], name="markerresult_once"),
            models.CheckConstraint(condition=Q(value__gt=0), name="markerresult_positive"),
            models.CheckConstraint(
                condition=Q(qualifier__in=["", LESS, GREATER]), name="markerresult_qualifier"
            ),
            *reference_range_constraints("markerresult"),
        ]

    def __str__(self) -> str:
        return f"marker {self.marker_id} {self.qualifier}{self.value}"


class SymptomEntry(models.Model):
    """How strongly one symptom was felt on one day (0 none … 3 severe)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="symptom_entries"
    )
    recorded_on = models.DateField(_("date"))
    symptom = models.CharField(max_length=32, choices=SYMPTOM_CHOICES)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "symptom"]
        indexes = [models.Index(fields=["user", "-recorded_on"], name="symptom_user_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "recorded_on", "symptom"], name="symptom_one_per_day"
            ),
            models.CheckConstraint(condition=Q(severity__lte=3), name="symptom_severity_0_3"),
        ]

    def __str__(self) -> str:
        return f"{self.symptom}={self.severity} on {self.recorded_on}"


class SymptomCheckin(models.Model):
    """One check-in as it was made: when, for which day, and its note.

    Scores live in SymptomEntry, one per symptom and day (a later check-in the same day
    updates them); the check-ins keep every note and the time of each, so a second check-in
    never erases the first one's words.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="symptom_checkins"
    )
    recorded_on = models.DateField(_("date"))
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_on", "created_at", "id"]
        indexes = [models.Index(fields=["user", "recorded_on"], name="checkin_user_date")]

    def __str__(self) -> str:
        return f"check-in for {self.recorded_on} at {self.created_at:%H:%M}"


class LifeEvent(models.Model):
    """A change that brings the next retest forward (pregnancy, new medication, …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="life_events"
    )
    kind = models.CharField(max_length=32, choices=LIFE_EVENT_CHOICES)
    occurred_on = models.DateField(_("date"))
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["user", "-occurred_on"], name="lifeevent_user_date")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"


class ImportMapping(models.Model):
    """Which column of a foreign CSV header is what, remembered per person and header."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_mappings"
    )
    signature = models.CharField(max_length=64)  # labs.importers.header_signature
    mapping = models.JSONField()  # labs.importers.ColumnMapping.to_json()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "signature"], name="import_mapping_once")
        ]

    def __str__(self) -> str:
        return f"mapping {self.signature[:8]}"


class LabReport(models.Model):
    """An uploaded lab report (a PDF, or a photo of the paper) on its way to becoming results.

    Kept only until its import is confirmed, then deleted, unless the person attaches it to
    the panel (it then belongs to that panel, is part of the account export and goes with
    the panel or the account). The file is stored in the row: one place to delete it from,
    nothing on disk to forget. An upload left unconfirmed is deleted after a day
    (labs.pdf.services.reports_forget_stale) or when the person uploads the next one.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the text reader")
        READING = "reading", _("being read")
        READY = "ready", _("ready for review")
        FAILED = "failed", _("could not be read")
        ATTACHED = "attached", _("attached to a panel")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_reports"
    )
    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)  # from the bytes: labs.pdf.sandbox.sniff
    data = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    ocr = models.BooleanField(default=False)  # read by tesseract (a scan or a photo)
    pages_done = models.PositiveSmallIntegerField(default=0)
    pages_total = models.PositiveSmallIntegerField(default=0)
    refusal = models.CharField(max_length=20, blank=True)  # a labs.pdf.sandbox code
    parsed = models.JSONField(null=True, blank=True)  # labs.pdf.reader.ReportParse.to_json()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status"], name="labreport_user_status")]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.status})"
