"""The life of an uploaded lab report: read it (at once, or by OCR in the worker), let the
person review it, import its rows through the CSV import's commit, then forget the file or
keep it attached to the panel."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Sequence
from datetime import timedelta

import pytesseract
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.dates import person_today
from labs import services as lab_services
from labs.importers import ImportRow
from labs.markers import MarkerRow
from labs.models import LabReport, MarkerResult, Result
from labs.pdf import reader, sandbox

Status = LabReport.Status
# A text PDF has hundreds of characters a page; fewer means a scan (the text is in pixels).
MIN_TEXT_CHARACTERS = 40
STALE_AFTER = timedelta(days=1)
NO_OCR = "no_ocr"
OCR_LANGUAGES = ("deu", "eng")

REFUSALS = {
    sandbox.ENCRYPTED: _("This PDF is protected by a password. Save an unprotected copy "
                         "(print it to PDF) and upload that."),
    sandbox.JAVASCRIPT: _("This PDF contains JavaScript. Lab reports never need it, so "
                          "Cofactor does not open such files."),
    sandbox.MALFORMED: _("This file is damaged or is not really a PDF."),
    sandbox.TOO_MANY_PAGES: _("This PDF has %(pages)s pages; the limit is %(limit)s. Upload "
                              "only the pages with your results."),
    sandbox.TOO_COMPLEX: _("This file takes too much work to read, so it was stopped. Print "
                           "the report to a new PDF, or upload a photo of it."),
    sandbox.NOT_SUPPORTED: _("This is not a PDF, JPEG or PNG file."),
    sandbox.TOO_LARGE: _("The file is larger than the limit of %(limit)s MB."),
    NO_OCR: _("This report has no text layer (a scan or a photo), and the text recogniser "
              "(tesseract) is not installed on this server, so it cannot be read."),
}  # fmt: skip


def refusal_message(code: str, params: dict | None = None) -> str:
    message = str(REFUSALS.get(code, REFUSALS[sandbox.MALFORMED]))
    return message % params if params else message


@functools.cache
def ocr_available() -> bool:
    """Tesseract is installed with German and English language data (asked once)."""
    if shutil.which("tesseract") is None:
        return False
    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError):
        return False
    return all(language in installed for language in OCR_LANGUAGES)


def _parsed(user, extracted: sandbox.Extracted) -> dict:
    parse = reader.read_report(extracted.lines, pages=extracted.pages, today=person_today(user))
    return parse.to_json()


def report_upload(*, user, data: bytes, filename: str) -> LabReport:
    """Keep an upload and read it: a text PDF now (the child process is bounded); a scan or a
    photo is left QUEUED for OCR (the caller enqueues labs.tasks.read_report_text).
    Raises sandbox.Refused, storing nothing."""
    content_type = sandbox.sniff(data)
    extracted = sandbox.read_text(data) if content_type == "application/pdf" else None
    # A scan, a photo, or a PDF with a scanned page among its text pages (tesseract then
    # reads every page: a page of results is never skipped for being a picture).
    needs_ocr = (
        extracted is None
        or extracted.characters < MIN_TEXT_CHARACTERS * extracted.pages
        or bool(extracted.scanned_pages(MIN_TEXT_CHARACTERS))
    )
    if needs_ocr and not ocr_available():
        raise sandbox.Refused(NO_OCR)
    if needs_ocr and content_type == "application/pdf" and extracted.pages > sandbox.OCR_MAX_PAGES:
        raise sandbox.Refused(
            sandbox.TOO_MANY_PAGES, pages=extracted.pages, limit=sandbox.OCR_MAX_PAGES
        )
    with transaction.atomic():
        reports_discard(user=user)  # one review at a time: an older unconfirmed upload goes
        report = LabReport.objects.create(
            user=user, filename=safe_name(filename)[:120], content_type=content_type, data=data,
            ocr=needs_ocr, status=Status.QUEUED if needs_ocr else Status.READY,
            parsed=None if needs_ocr else _parsed(user, extracted),
            pages_total=extracted.pages if extracted else 1,
            pages_done=0 if needs_ocr else extracted.pages,
        )  # fmt: skip
    return report


def report_read_ocr(*, report_id: int) -> None:
    """Read a queued report with tesseract, page by page, recording progress as it goes.

    A report still READING is read again: the task is acknowledged only once it ends, so it
    comes back only when the worker reading it died (reading twice would be harmless)."""
    claimed = LabReport.objects.filter(
        pk=report_id, status__in=[Status.QUEUED, Status.READING]
    ).update(status=Status.READING)
    if not claimed:
        return  # read already, or discarded
    report = LabReport.objects.select_related("user").get(pk=report_id)

    def progress(done: int, total: int) -> None:
        LabReport.objects.filter(pk=report_id).update(pages_done=done, pages_total=total)

    try:
        extracted = sandbox.read_ocr(bytes(report.data), report.content_type, progress)
    except sandbox.Refused as exc:
        LabReport.objects.filter(pk=report_id).update(
            status=Status.FAILED, refusal=exc.code, data=b""
        )
        return
    LabReport.objects.filter(pk=report_id).update(
        status=Status.READY, parsed=_parsed(report.user, extracted)
    )


def report_import(
    *, report: LabReport, rows: Sequence[ImportRow], marker_rows: Sequence[MarkerRow] = (),
    attach: bool,
):  # fmt: skip
    """Import the reviewed rows (all or nothing, duplicates skipped: the CSV import's commit),
    then forget the file, or keep it on the panel that holds the first row."""
    with transaction.atomic():
        outcome = lab_services.results_import(user=report.user, rows=rows, marker_rows=marker_rows)
        panel = _panel_of(report.user, rows, marker_rows)
        if attach and panel is not None:
            report.panel, report.status, report.parsed = panel, Status.ATTACHED, None
            report.save(update_fields=["panel", "status", "parsed"])
        else:
            report.delete()
    return outcome


def _panel_of(user, rows: Sequence[ImportRow], marker_rows: Sequence[MarkerRow]):
    """The panel that now holds the report's first row (new, or stored before)."""
    if rows:
        first = Result.objects.filter(user=user, drawn_on=rows[0].drawn_on,
                                      analyte=rows[0].analyte)  # fmt: skip
    elif marker_rows:
        first = MarkerResult.objects.filter(user=user, drawn_on=marker_rows[0].drawn_on,
                                            marker_id=marker_rows[0].marker)  # fmt: skip
    else:
        return None
    found = first.select_related("panel").first()
    return found.panel if found else None


def reports_discard(*, user) -> None:
    """Delete the person's uploads that were never imported (attached ones stay)."""
    LabReport.objects.filter(user=user, panel__isnull=True).delete()


def reports_forget_stale() -> int:
    """Delete every upload left unconfirmed for a day (beat runs this)."""
    cutoff = timezone.now() - STALE_AFTER
    deleted, _per_model = LabReport.objects.filter(
        panel__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted


def kept_report_files(*, user) -> dict[str, bytes]:
    """The report files kept with panels, by their name in the account export's zip."""
    kept = LabReport.objects.filter(user=user, panel__isnull=False).select_related("panel")
    return {
        f"lab-reports/{r.panel.drawn_on.isoformat()}-{r.pk}-{safe_name(r.filename)}": bytes(r.data)
        for r in kept.order_by("panel__drawn_on", "pk")
    }


def safe_name(filename: str) -> str:
    """The file's own name without any folder part or character a zip tool would trip on."""
    name = re.sub(r"[^\w.\- ]+", "_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name or "report"
