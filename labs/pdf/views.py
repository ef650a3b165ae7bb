"""Import a lab report PDF or photo: upload, (OCR progress,) review every row, confirm."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today
from labs import markers_services, stash, tasks
from labs import services as lab_services
from labs.analytes import ANALYTES
from labs.forms import UploadForm
from labs.importers import Problem
from labs.models import ANALYTE_CHOICES, LabReport
from labs.pdf import review, sandbox, services
from labs.pdf.reader import ReportParse

STASH_KIND = "pdf"
ALL_UNITS = sorted({unit for analyte in ANALYTES.values() for unit in analyte.units})
POLL_SECONDS = 1


def _get_report_for_user(request: HttpRequest, pk: int) -> LabReport:
    """An upload of this person still under review; its bytes stay in the database (the page
    is polled every second while OCR runs, and never needs them)."""
    reports = LabReport.objects.defer("data")
    return get_object_or_404(reports, pk=pk, user=request.user, panel__isnull=True)


def _upload_page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "ocr_available": services.ocr_available(),
               "limits": {"mb": sandbox.MAX_BYTES // (1024 * 1024), "pages": sandbox.MAX_PAGES,
                          "ocr_pages": sandbox.OCR_MAX_PAGES}}  # fmt: skip
    return render(request, "labs/pdf_import.html", context, status=status)


@login_required
def pdf_import(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, max_bytes=sandbox.MAX_BYTES)
    if request.method != "POST" or not form.is_valid():
        return _upload_page(request, form, 400 if form.errors else 200)
    try:
        report = services.report_upload(
            user=request.user, data=form.cleaned_data["file"], filename=request.FILES["file"].name
        )
    except sandbox.Refused as exc:
        form.add_error("file", services.refusal_message(exc.code, exc.params))
        return _upload_page(request, form, 400)
    if report.status == LabReport.Status.QUEUED:
        transaction.on_commit(lambda: tasks.read_report_text.delay(report.pk))
    return redirect("labs:import-pdf-review", pk=report.pk)


def _review_context(request, report: LabReport, checked=None) -> dict[str, Any]:
    specs = markers_services.marker_specs(user=request.user)
    context: dict[str, Any] = {
        "report": report,
        "poll_seconds": POLL_SECONDS,
        "reading_page": min(report.pages_done + 1, max(report.pages_total, 1)),
    }
    if report.status == LabReport.Status.FAILED:
        context["refusal"] = services.refusal_message(report.refusal, {
            "pages": report.pages_total, "limit": sandbox.OCR_MAX_PAGES,
            "mb": sandbox.MAX_BYTES // (1024 * 1024),
        })  # fmt: skip
    if report.status == LabReport.Status.READY:
        parse = ReportParse.from_json(report.parsed)
        context |= {
            "parse": parse,
            "review": checked or review.initial(parse, specs),
            "analyte_choices": ANALYTE_CHOICES,
            "marker_choices": [(review.marker_choice(m), f"{m.name} ({m.unit})") for m in specs],
            "all_units": ALL_UNITS,
        }
    return context


@login_required
@vary_on_headers("HX-Request")
def pdf_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's page: OCR progress (polled by htmx), the review form, or its check."""
    report = _get_report_for_user(request, pk)
    if request.method == "POST" and report.status == LabReport.Status.READY:
        return _check(request, report)
    template = "labs/pdf_review.html#job" if request.htmx else "labs/pdf_review.html"
    return render(request, template, _review_context(request, report))


def _check(request: HttpRequest, report: LabReport) -> HttpResponse:
    parse = ReportParse.from_json(report.parsed)
    specs = markers_services.marker_specs(user=request.user)
    checked = review.from_post(parse, request.POST, person_today(request.user), specs)
    context = _review_context(request, report, checked)
    if "back" in request.POST:  # from the preview: the rows as the person left them
        for edit in checked.edits:
            edit.problems.clear()
        checked.lab_problem = None
        return render(request, "labs/pdf_review.html", context)
    if checked.ok:
        check = lab_services.import_check(user=request.user, rows=checked.rows)
        marker_check = lab_services.marker_import_check(
            user=request.user, marker_rows=checked.marker_rows
        )
        _add_conflicts(checked, check.conflicts + marker_check.conflicts)
    if not checked.ok:
        return render(request, "labs/pdf_review.html", context)
    token = stash.stash_rows(request.session, STASH_KIND, checked.rows, checked.marker_rows)
    context |= {
        "token": token,
        "new_rows": [r for r in checked.rows if r.key not in check.duplicates],
        "new_marker_rows": [
            r for r in checked.marker_rows if lab_services.r_key(r) not in marker_check.duplicates
        ],
        "duplicates": len(check.duplicates) + len(marker_check.duplicates),
        "new_count": len(checked.rows)
        + len(checked.marker_rows)
        - len(check.duplicates)
        - len(marker_check.duplicates),
        "posted": [(k, v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"],
    }
    return render(request, "labs/pdf_confirm.html", context)


def _add_conflicts(checked: review.Review, conflicts) -> None:
    by_line = {edit.row.line: edit for edit in checked.edits}
    for conflict in conflicts:
        message: Problem = conflict.message
        by_line[conflict.line].problems.append(message)


@login_required
@require_POST
def pdf_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_user(request, pk)
    token = request.POST.get("token", "")
    rows = stash.unstash_rows(request.session, STASH_KIND, token)
    if rows is None:
        messages.error(request, _("That review has expired. Check the rows again."))
        return redirect("labs:import-pdf-review", pk=report.pk)
    try:
        outcome = services.report_import(
            report=report,
            rows=rows,
            marker_rows=stash.unstash_marker_rows(request.session, STASH_KIND, token),
            attach=request.POST.get("attach") == "1",
        )
    except lab_services.ImportConflict:
        messages.error(request, _("Your results changed since the preview; nothing was imported."))
        return redirect("labs:import-pdf-review", pk=report.pk)
    stash.clear(request.session, STASH_KIND)
    messages.success(
        request,
        _("Imported %(created)d results; skipped %(skipped)d already stored.")
        % {"created": outcome.created, "skipped": outcome.skipped_duplicates},
    )
    return redirect("labs:panel-list")


@login_required
@require_POST
def pdf_discard(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_user(request, pk)
    report.delete()
    stash.clear(request.session, STASH_KIND)
    messages.info(request, _("The report was deleted; nothing was imported."))
    return redirect("labs:import-pdf")


@login_required
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A report file kept with a panel, as a download (never shown inline)."""
    report = get_object_or_404(LabReport, pk=pk, user=request.user, panel__isnull=False)
    response = HttpResponse(bytes(report.data), content_type=report.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=services.safe_name(report.filename)
    )
    return response
