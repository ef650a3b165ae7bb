"""Views of the labs app: thin, owner-scoped, one URL for a page or its htmx fragment."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts.dates import person_today, person_zone
from labs import audit, exporters, importers, markers_services, selectors, services, stash
from labs.analytes import ANALYTES
from labs.display import analyte_short_name
from labs.forms import (
    CSV_MAX_BYTES,
    CSV_MAX_ROWS,
    FHIR_MAX_BYTES,
    ColumnMappingForm,
    LifeEventForm,
    PanelEntry,
    ResultRow,
    ResultRowForm,
    SymptomCheckinForm,
    UploadForm,
    blank_row,
    rows_from_results,
)
from labs.markers_forms import marker_value_forms
from labs.models import LifeEvent, Panel, SymptomEntry
from labs.quick import AlreadyRecorded, QuickResultForm, result_quick_add

PANELS_PER_PAGE = 20
CATALOG_ORDER = {code: n for n, code in enumerate(ANALYTES)}
SYMPTOM_DAYS_SHOWN = 60


def _get_panel_for_user(request: HttpRequest, pk: int) -> Panel:
    return get_object_or_404(Panel, pk=pk, user=request.user)


# --- panels ---------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def panel_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.panel_list(user=request.user), PANELS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "labs/panel_list.html#panel-table" if request.htmx else "labs/panel_list.html"
    return render(request, template, {"page": page})


@login_required
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _get_panel_for_user(request, pk)
    rows = sorted(
        ((r, ANALYTES[r.analyte]) for r in panel.results.all()),
        key=lambda pair: CATALOG_ORDER[pair[0].analyte],
    )
    context = {
        "panel": panel,
        "rows": rows,
        "marker_results": panel.marker_results.select_related("marker"),
        "history": audit.panel_history(panel),
    }
    return render(request, "labs/panel_detail.html", context)


def _edit_rows(request: HttpRequest, entry: PanelEntry) -> bool:
    """Add or remove a row without JavaScript (the buttons submit the form); True if done."""
    if "add_row" in request.POST:
        entry.rows.append(blank_row(request.user))
        return True
    if key := request.POST.get("remove_row"):
        entry.without(key)
        return True
    return False


def _entry_page(request: HttpRequest, entry: PanelEntry, panel: Panel | None) -> HttpResponse:
    return render(request, "labs/panel_form.html", {"entry": entry, "panel": panel})


def _marker_forms(request: HttpRequest, panel: Panel | None = None):
    """A value form for each of the person's own markers (filled from `panel` on a GET)."""
    data = request.POST if request.method == "POST" else None
    stored = {r.marker_id: r for r in panel.marker_results.all()} if panel else None
    return marker_value_forms(markers_services.markers_of(user=request.user), data, stored)


@login_required
def panel_create(request: HttpRequest) -> HttpResponse:
    today = person_today(request.user)
    if request.method != "POST":
        entry = PanelEntry(
            today=today, initial={"drawn_on": today}, rows=[blank_row()],
            marker_forms=_marker_forms(request),
        )  # fmt: skip
        return _entry_page(request, entry, None)
    entry = PanelEntry(request.POST, today=today, marker_forms=_marker_forms(request))
    if not _edit_rows(request, entry) and entry.is_valid(user=request.user):
        panel = services.panel_create(
            user=request.user, results=entry.results(), markers=entry.marker_values(),
            **entry.panel.cleaned_data,
        )  # fmt: skip
        messages.success(request, _("Panel saved."))
        return redirect("labs:panel-detail", pk=panel.pk)
    return _entry_page(request, entry, None)


@login_required
def panel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _get_panel_for_user(request, pk)
    today = person_today(request.user)
    if request.method != "POST":
        initial = {f: getattr(panel, f) for f in ("drawn_on", "lab", "notes")}
        initial["fasting"] = {True: "true", False: "false"}.get(panel.fasting, "")
        rows = rows_from_results(panel.results.all()) + [blank_row()]
        entry = PanelEntry(
            today=today, initial=initial, rows=rows, marker_forms=_marker_forms(request, panel)
        )
        return _entry_page(request, entry, panel)
    entry = PanelEntry(request.POST, today=today, marker_forms=_marker_forms(request))
    if not _edit_rows(request, entry) and entry.is_valid(user=request.user, panel=panel):
        services.panel_update(
            panel=panel, results=entry.results(), markers=entry.marker_values(),
            **entry.panel.cleaned_data,
        )  # fmt: skip
        messages.success(request, _("Panel updated."))
        return redirect("labs:panel-detail", pk=panel.pk)
    return _entry_page(request, entry, panel)


@login_required
def panel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _get_panel_for_user(request, pk)
    if request.method == "POST":
        services.panel_delete(panel=panel)
        messages.success(request, _("Panel deleted."))
        return redirect("labs:panel-list")
    return render(request, "labs/panel_confirm_delete.html", {"panel": panel})


# htmx fragments of the entry form: one row, a unit <select>, a value preview. The last two
# are POSTs: a query string with a lab value would land in every access log on the way.


@login_required
@require_GET
def panel_row(request: HttpRequest) -> HttpResponse:
    return render(request, "labs/panel_form.html#result-row", {"row": blank_row()})


def _row_key(key: str) -> str:
    return key if key.isalnum() and len(key) <= 16 else uuid.uuid4().hex[:8]


ROW_FIELDS = ("analyte", "value", "unit")


def _posted_row(request: HttpRequest) -> tuple[str, dict[str, str]]:
    """The key and fields of the row that asked for a fragment.

    htmx posts the whole entry form (every row, in page order) plus `for_row`, the asking
    row's key (hx-vals); each row has one field of each name, so the lists line up.
    """
    post = request.POST
    key, keys = post.get("for_row", post.get("row", "")), post.getlist("row")
    index = keys.index(key) if key in keys else 0
    fields = {}
    for name in ROW_FIELDS:
        values = post.getlist(name)
        fields[name] = values[index] if index < len(values) else ""
    return _row_key(key), fields


@login_required
@require_POST
def panel_units(request: HttpRequest) -> HttpResponse:
    """The unit <select> for the chosen analyte; it loads the row's preview once swapped in."""
    key, fields = _posted_row(request)
    row = blank_row(request.user, fields["analyte"], key=key)
    context = {"row": row, "refresh_preview": True}
    return render(request, "labs/panel_form.html#unit-select", context)


@login_required
@require_POST
def panel_preview(request: HttpRequest) -> HttpResponse:
    key, fields = _posted_row(request)
    row = ResultRow(key, ResultRowForm(fields))
    return render(request, "labs/panel_form.html#preview", {"row": row})


# --- quick add (under the trends chart) -------------------------------------------------------


def _safe_next(request: HttpRequest, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else reverse("dashboard:trends")


def _quick_form_response(request: HttpRequest, form, next_url: str) -> HttpResponse:
    # Status 200 with the errors; without JS the same form comes as a whole page.
    template = "labs/quick_result.html#quick-form" if request.htmx else "labs/quick_result.html"
    return render(request, template, {"form": form, "next_url": next_url})


@login_required
@require_POST
@vary_on_headers("HX-Request")
def quick_result(request: HttpRequest) -> HttpResponse:
    """Save one result; htmx gets the form back (reset) and a results-changed event."""
    today = person_today(request.user)
    form = QuickResultForm(request.POST, user=request.user, today=today)
    next_url = _safe_next(request, request.POST.get("next", ""))
    if not form.is_valid():
        return _quick_form_response(request, form, next_url)
    data = form.cleaned_data
    try:
        result_quick_add(
            user=request.user, drawn_on=data["drawn_on"], analyte=data["analyte"],
            value=data["value"], unit=data["unit"], qualifier=data["qualifier"],
            reference=data["reference"],
        )  # fmt: skip
    except AlreadyRecorded:  # a concurrent request saved it first
        form.add_error("drawn_on", form.duplicate_message(data["analyte"], data["drawn_on"]))
        return _quick_form_response(request, form, next_url)
    saved = _("Saved %(name)s %(value)s %(unit)s on %(date)s.") % {
        "name": analyte_short_name(data["analyte"]),
        "value": f"{data['qualifier']}{data['value']:g}",
        "unit": data["unit"],
        "date": date_format(data["drawn_on"]),
    }
    if not request.htmx:
        messages.success(request, saved)
        return redirect(next_url)
    fresh = QuickResultForm.blank(user=request.user, analyte=data["analyte"], today=today)
    context = {"form": fresh, "next_url": next_url, "saved": saved}
    response = render(request, "labs/quick_result.html#quick-form", context)
    return trigger_client_event(response, "results-changed")


# --- symptoms and life events ----------------------------------------------------------------


@login_required
def symptom_list(request: HttpRequest) -> HttpResponse:
    """The check-in form and the history. The template caches both per person and data
    version (an unbound form only), so they are built lazily: a cached page reads neither
    (one `exists` says whether there is a history to show)."""
    today = person_today(request.user)
    data = request.POST or None

    def build_form() -> SymptomCheckinForm:
        return SymptomCheckinForm(data, today=today, initial=_checkin_initial(request))

    form = build_form() if data is not None else SimpleLazyObject(build_form)
    if request.method == "POST" and form.is_valid():
        services.symptom_checkin(
            user=request.user,
            recorded_on=form.cleaned_data["recorded_on"],
            scores=form.scores(),
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Check-in saved."))
        return redirect("labs:symptom-list")
    history = SimpleLazyObject(
        lambda: dict(
            zip(
                ("columns", "days"),
                selectors.symptom_table(user=request.user, limit_days=SYMPTOM_DAYS_SHOWN),
                strict=True,
            )
        )
    )
    has_days = SymptomEntry.objects.filter(user=request.user).exists()
    context = {
        "form": form,
        "bound": data is not None,
        "today": today,
        "history": history,
        "has_days": has_days,
        "shown": SYMPTOM_DAYS_SHOWN,
    }
    return render(request, "labs/symptom_list.html", context)


def _checkin_initial(request: HttpRequest) -> dict[str, Any]:
    """Today's scores, so a second check-in the same day starts from the first."""
    today = person_today(request.user)
    scores = selectors.symptom_scores_on(user=request.user, day=today)
    return {"recorded_on": today} | {f"s_{code}": value for code, value in scores.items()}


UNDO_KEY = "labs_undo"  # the last deletion, kept in the session so one click can put it back


def _offer_undo(request: HttpRequest, kind: str, fields: dict[str, Any], message: str) -> None:
    request.session[UNDO_KEY] = {"what": kind, "fields": fields}
    messages.success(request, message, extra_tags="undo")


@login_required
@require_POST
def symptom_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(SymptomEntry, pk=pk, user=request.user)
    fields = {"recorded_on": entry.recorded_on.isoformat(), "symptom": entry.symptom,
              "severity": entry.severity, "note": entry.note}  # fmt: skip
    services.symptom_entry_delete(entry=entry)
    label = entry.get_symptom_display()
    _offer_undo(request, "symptom", fields, _("%(name)s deleted.") % {"name": label})
    return redirect("labs:symptom-list")


@login_required
@require_POST
def undo_delete(request: HttpRequest) -> HttpResponse:
    """Put back the last thing deleted (a symptom score or a life event), once."""
    stashed = request.session.pop(UNDO_KEY, None) or {}
    kind, fields = stashed.get("what"), dict(stashed.get("fields") or {})
    if kind == "symptom":
        fields["recorded_on"] = date.fromisoformat(fields["recorded_on"])
        services.symptom_entry_restore(user=request.user, **fields)
        messages.success(request, _("Restored."))
        return redirect("labs:symptom-list")
    if kind == "life_event":
        fields["occurred_on"] = date.fromisoformat(fields["occurred_on"])
        services.life_event_restore(user=request.user, **fields)
        messages.success(request, _("Restored."))
        return redirect("labs:life-event-list")
    messages.info(request, _("There is nothing to undo."))
    return redirect("labs:symptom-list")


@login_required
def life_event_list(request: HttpRequest) -> HttpResponse:
    today = person_today(request.user)
    form = LifeEventForm(request.POST or None, today=today, initial={"occurred_on": today})
    if request.method == "POST" and form.is_valid():
        services.life_event_create(user=request.user, **form.cleaned_data)
        messages.success(request, _("Life event added."))
        return redirect("labs:life-event-list")
    events = selectors.life_events(user=request.user)
    return render(request, "labs/life_event_list.html", {"form": form, "events": events})


@login_required
@require_POST
def life_event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(LifeEvent, pk=pk, user=request.user)
    fields = {"kind": event.kind, "occurred_on": event.occurred_on.isoformat(), "note": event.note}
    services.life_event_delete(event=event)
    _offer_undo(request, "life_event", fields, _("Life event deleted."))
    return redirect("labs:life-event-list")


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """What differs between the CSV and the FHIR import."""

    name: str  # "csv" | "fhir"
    url: str
    confirm_url: str
    max_bytes: int

    def parse(self, data: bytes, user, mapping=None):
        """The upload read for `user`: "today" and a date's time zone are theirs."""
        today = person_today(user)
        markers = markers_services.marker_specs(user=user)
        if self.name == "csv":
            return importers.parse_results_csv(
                data,
                mapping=mapping,
                max_bytes=self.max_bytes,
                max_rows=CSV_MAX_ROWS,
                today=today,
                zone=person_zone(user),
                markers=markers,
            )
        return importers.parse_fhir_bundle(
            data, max_bytes=self.max_bytes, today=today, markers=markers, zone=person_zone(user)
        )


CSV_IMPORT = ImportKind("csv", "labs:import", "labs:import-confirm", CSV_MAX_BYTES)
FHIR_IMPORT = ImportKind("fhir", "labs:import-fhir", "labs:import-fhir-confirm", FHIR_MAX_BYTES)
PREVIEW_ROWS_SHOWN = 200
# A crafted file can hold 20,000 problems; a page of that many helps nobody and costs seconds.
PROBLEMS_SHOWN = 200


def _parse_upload(request: HttpRequest, kind: ImportKind, data: bytes, mapping=None):
    """Parse an upload; a foreign CSV header is read with the mapping given or remembered."""
    parsed = kind.parse(data, request.user, mapping)
    if kind.name == "csv" and parsed.needs_mapping and mapping is None:
        remembered = selectors.import_mapping(user=request.user, signature=parsed.signature)
        if remembered is not None:
            parsed = kind.parse(data, request.user, remembered)
    return parsed


def _preview(request: HttpRequest, kind: ImportKind, parsed, data: bytes) -> dict[str, Any]:
    """The preview's context: the mapping step, or the rows to import (stashed, parsed once)."""
    context: dict[str, Any] = {"parsed": parsed, "shown_problems": PROBLEMS_SHOWN}
    if kind.name == "csv" and (parsed.needs_mapping or parsed.needs_date_order):
        guess = parsed.mapping if parsed.needs_date_order else parsed.guess
        context["mapping_form"] = ColumnMappingForm(
            header=parsed.header, initial=ColumnMappingForm.initial_from(guess)
        )
        context["mapping_token"] = stash.stash_upload(request.session, kind.name, data)
    elif parsed.ok and (parsed.rows or parsed.marker_rows):
        context |= _rows_preview(request, kind, parsed)
    return context


def _rows_preview(request: HttpRequest, kind: ImportKind, parsed) -> dict[str, Any]:
    """Rows already stored are skipped; rows contradicting a stored result refuse the file."""
    check = services.import_check(user=request.user, rows=parsed.rows)
    markers = services.marker_import_check(user=request.user, marker_rows=parsed.marker_rows)
    if check.conflicts or markers.conflicts:
        parsed.errors.extend(check.conflicts + markers.conflicts)
        return {}
    new_markers = [r for r in parsed.marker_rows if services.r_key(r) not in markers.duplicates]
    new_rows = [r for r in parsed.rows if r.key not in check.duplicates]
    return {
        "token": stash.stash_rows(request.session, kind.name, parsed.rows, parsed.marker_rows),
        "new_rows": new_rows,
        "new_marker_rows": new_markers,
        "new_count": len(new_rows) + len(new_markers),
        "duplicates": len(check.duplicates) + len(markers.duplicates),
        "shown": PREVIEW_ROWS_SHOWN,
    }


def _refused(parsed) -> bool:
    return bool(parsed is not None and (parsed.error or parsed.errors))


def _import_page(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, max_bytes=kind.max_bytes)
    context: dict[str, Any] = {"form": form, "kind": kind}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        context |= _preview(request, kind, _parse_upload(request, kind, data), data)
    status = 400 if _refused(context.get("parsed")) or form.errors else 200
    return render(request, "labs/import.html", context, status=status)


def _import_mapped(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """The mapping step's answer: read the waiting upload with it, remember it, preview."""
    data = stash.unstash_upload(request.session, kind.name, request.POST.get("mapping_token", ""))
    if data is None:
        messages.error(request, _("That upload has expired. Upload it again."))
        return redirect(kind.url)
    header = kind.parse(data, request.user).header
    mapping_form = ColumnMappingForm(request.POST, header=header)
    context: dict[str, Any] = {"form": UploadForm(max_bytes=kind.max_bytes), "kind": kind}
    if not mapping_form.is_valid():
        token = stash.stash_upload(request.session, kind.name, data)
        parsed = importers.CsvParseResult(header=header, needs_mapping=True)
        context |= {"parsed": parsed, "mapping_form": mapping_form, "mapping_token": token}
        return render(request, "labs/import.html", context, status=400)
    parsed = _parse_upload(request, kind, data, mapping_form.mapping())
    if parsed.mapping is not None:
        services.import_mapping_save(
            user=request.user, signature=parsed.signature, mapping=parsed.mapping
        )
    context |= _preview(request, kind, parsed, data)
    return render(request, "labs/import.html", context, status=400 if _refused(parsed) else 200)


def _import_confirm(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    token = request.POST.get("token", "")
    rows = stash.unstash_rows(request.session, kind.name, token)
    if rows is None:
        messages.error(request, _("That upload has expired or was already imported. Upload again."))
        return redirect(kind.url)
    marker_rows = stash.unstash_marker_rows(request.session, kind.name, token)
    try:
        outcome = services.results_import(user=request.user, rows=rows, marker_rows=marker_rows)
    except services.ImportConflict:
        messages.error(request, _("Your results changed since the preview; nothing was imported."))
        return redirect(kind.url)
    stash.clear(request.session, kind.name)
    messages.success(
        request,
        _("Imported %(created)d results; skipped %(skipped)d already stored.")
        % {"created": outcome.created, "skipped": outcome.skipped_duplicates},
    )
    return redirect("labs:panel-list")


@login_required
def import_csv(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "mapping_token" in request.POST:
        return _import_mapped(request, CSV_IMPORT)
    return _import_page(request, CSV_IMPORT)


@login_required
@require_POST
def import_csv_confirm(request: HttpRequest) -> HttpResponse:
    return _import_confirm(request, CSV_IMPORT)


@login_required
def import_fhir(request: HttpRequest) -> HttpResponse:
    return _import_page(request, FHIR_IMPORT)


@login_required
@require_POST
def import_fhir_confirm(request: HttpRequest) -> HttpResponse:
    return _import_confirm(request, FHIR_IMPORT)


def _download(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return _download(importers.CSV_TEMPLATE, "cofactor-results-template.csv", "text/csv")


# --- export -----------------------------------------------------------------------------------


def _stamp(request: HttpRequest) -> str:
    return person_today(request.user).isoformat()


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """Results as an importable CSV; ?data=symptoms gives the symptom scores instead."""
    if request.GET.get("data") == "symptoms":
        content = exporters.symptoms_csv(
            entry for day in selectors.symptom_history(user=request.user).values() for entry in day
        )
        return _download(content, f"cofactor-symptoms-{_stamp(request)}.csv", "text/csv")
    if request.GET.get("data", "results") != "results":
        return HttpResponseBadRequest(_("Unknown export."))
    content = exporters.results_csv(selectors.results_for_export(user=request.user))
    return _download(content, f"cofactor-results-{_stamp(request)}.csv", "text/csv")


@login_required
def export_fhir(request: HttpRequest) -> HttpResponse:
    bundle = exporters.results_fhir_bundle(selectors.results_for_export(user=request.user))
    return _download(
        json.dumps(bundle), f"cofactor-fhir-{_stamp(request)}.json", "application/fhir+json"
    )
