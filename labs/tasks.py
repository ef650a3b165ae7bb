from celery import shared_task

from labs.pdf import services

# OCR takes seconds to minutes a report: its own queue and worker (Procfile "ocr"), so a
# backlog of scans never delays the reminder sweep on "light".
OCR_QUEUE = "ocr"


@shared_task(queue=OCR_QUEUE, acks_late=True)
def read_report_text(report_id: int) -> None:
    """Read an uploaded scan or photo with tesseract (labs.pdf.services.report_read_ocr)."""
    services.report_read_ocr(report_id=report_id)


@shared_task
def forget_stale_reports() -> int:
    """Delete uploads left unconfirmed for a day: a report is kept only until imported."""
    return services.reports_forget_stale()
