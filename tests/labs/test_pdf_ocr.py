"""Scanned reports and photos: the real path — the upload enqueues on Redis, a real Celery
worker process on the "ocr" queue reads the image with Debian's tesseract (deu+eng), the page
polls its progress (htmx), then the same review imports the same rows as the text PDF.

Needs REDIS_URL, a PostgreSQL DATABASE_URL (the worker reads the test database) and tesseract
with its German and English data: skipped locally without them, failed in CI."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.urls import reverse

from labs.models import LabReport, Result
from labs.pdf import services
from labs.tasks import OCR_QUEUE
from tests.conftest import require
from tests.labs import pdf_fixtures
from tests.labs.test_pdf_import import as_read, check_and_confirm, review_url, stored, upload
from tests.protocols.celery_processes import Worker, redis_client, redis_up, running, wait_for

REDIS_URL = os.environ.get("REDIS_URL", "")
Status = LabReport.Status

pytestmark = [pytest.mark.redis, pytest.mark.celery, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]  # fmt: skip


@pytest.fixture
def ocr_worker(tmp_path):
    require(redis_up(REDIS_URL), "a running Redis at REDIS_URL")
    require(connection.vendor == "postgresql", "PostgreSQL through DATABASE_URL")
    require(services.ocr_available(), "tesseract with German and English data")
    redis_client(REDIS_URL).flushdb()  # only our own database number
    with running(Worker(tmp_path, broker=REDIS_URL, name="ocr", queues=OCR_QUEUE,
                        concurrency=1)) as worker:  # fmt: skip
        yield worker


def _read_by_the_worker(client, report) -> list[str]:
    """Poll the page as htmx does until the report is read; the progress states seen."""
    seen = []

    def ready() -> bool:
        fragment = client.get(review_url(report), HTTP_HX_REQUEST="true").content.decode()
        assert 'id="report-job"' in fragment and "<html" not in fragment
        status = LabReport.objects.get(pk=report.pk).status
        if not seen or seen[-1] != status:
            seen.append(status)
        return status in {Status.READY, Status.FAILED}

    wait_for(ready, 120, "the OCR worker to read the report", every=0.3)
    return seen


@pytest.mark.parametrize(
    ("layout", "make", "name"),
    [
        (pdf_fixtures.US, lambda: pdf_fixtures.scanned(pdf_fixtures.us_report()), "scan.pdf"),
        (pdf_fixtures.DE, lambda: pdf_fixtures.photo(pdf_fixtures.de_report()), "befund.jpg"),
    ],
    ids=["scanned-us-pdf", "german-photo"],
)
def test_a_scan_goes_through_ocr_in_the_worker_and_imports_the_same_rows(
    ocr_worker, client_logged_in, user, layout, make, name
):
    response = upload(client_logged_in, make(), name=name)
    report = LabReport.objects.get(user=user)
    assert response.status_code == 302 and report.ocr
    page = client_logged_in.get(review_url(report)).content.decode()
    assert 'data-testid="report-progress"' in page and "hx-trigger" in page
    seen = _read_by_the_worker(client_logged_in, report)
    report.refresh_from_db()
    assert report.status == Status.READY, ocr_worker.output()[-3000:]
    assert seen[-1] == Status.READY and (report.pages_done, report.pages_total) == (1, 1)
    done = client_logged_in.get(review_url(report), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="review-form"' in done and "hx-trigger" not in done  # polling stops
    check_and_confirm(client_logged_in, report, as_read(report))
    assert sorted(stored(user), key=repr) == sorted(layout.expected, key=repr)
    assert not LabReport.objects.exists()


def test_a_hostile_scan_fails_in_the_worker_with_a_message_and_its_bytes_gone(
    ocr_worker, client_logged_in, user
):
    huge = pdf_fixtures.huge_photo()  # a PNG header claiming 60 megapixels
    upload(client_logged_in, huge, name="photo.png")
    report = LabReport.objects.get(user=user)
    _read_by_the_worker(client_logged_in, report)
    report.refresh_from_db()
    assert report.status == Status.FAILED and bytes(report.data) == b""
    page = client_logged_in.get(review_url(report)).content.decode()
    assert "takes too much work to read" in page
    assert not Result.objects.exists()
    client_logged_in.post(reverse("labs:import-pdf-discard", args=[report.pk]))
    assert not LabReport.objects.exists()
