"""The PDF import through its views: upload, review (edit, drop, place), confirm; the CSV
import's all-or-nothing commit with duplicates skipped; hostile files refused leaving nothing;
the file kept only until confirmed, or with the panel (then in the export and the deletion)."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.exports import account_zip
from accounts.services import account_delete
from labs import markers_services
from labs.markers import check_definition
from labs.models import LabReport, MarkerResult, Panel, Result
from labs.pdf import services
from labs.pdf.reader import ReportParse
from tests.labs import pdf_fixtures
from tests.test_fuzz_forms import values as FUZZ_VALUES

pytestmark = pytest.mark.django_db
UPLOAD = reverse("labs:import-pdf")


def upload(client, data: bytes, name: str = "report.pdf"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


def review_url(report) -> str:
    return reverse("labs:import-pdf-review", args=[report.pk])


def as_read(report) -> dict[str, str]:
    """The review form as the page fills it in: every placed row kept, unchanged."""
    parse = ReportParse.from_json(report.parsed)
    data = {"lab": parse.lab}
    for i, row in enumerate(parse.rows):
        data |= {f"analyte-{i}": row.analyte, f"value-{i}": row.value, f"unit-{i}": row.unit,
                 f"date-{i}": parse.drawn_on.isoformat()}  # fmt: skip
        if row.placed:
            data[f"keep-{i}"] = "1"
    return data


def check_and_confirm(client, report, data, *, attach=False):
    response = client.post(review_url(report), data)
    assert response.status_code == 200
    token = re.search(rb'name="token" value="([0-9a-f]+)"', response.content)
    assert token, response.content.decode()[:3000]
    confirm = reverse("labs:import-pdf-confirm", args=[report.pk])
    return client.post(confirm, {"token": token[1].decode(), "attach": "1" if attach else ""})


def stored(user) -> list[pdf_fixtures.Expected]:
    return [
        pdf_fixtures.Expected(
            r.analyte, r.value, r.unit, r.ref_low, r.ref_high, r.ref_flag, r.qualifier
        )  # fmt: skip
        for r in Result.objects.filter(user=user).order_by("id")
    ]


@pytest.mark.parametrize("name", sorted(pdf_fixtures.REPORTS))
def test_each_layout_imports_its_rows_with_the_labs_ranges_and_once_only(
    client_logged_in, user, name
):
    layout, make = pdf_fixtures.REPORTS[name]
    response = upload(client_logged_in, make())
    report = LabReport.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == review_url(report)
    page = client_logged_in.get(review_url(report)).content.decode()
    for unplaced in layout.unplaced:
        assert f"Not placed: “{unplaced}”" in page
    response = check_and_confirm(client_logged_in, report, as_read(report))
    assert response.status_code == 302
    assert sorted(stored(user), key=repr) == sorted(layout.expected, key=repr)
    panel = Panel.objects.get(user=user)
    assert (panel.drawn_on, panel.lab) == (layout.drawn_on, layout.lab)
    assert not LabReport.objects.exists()  # the file is kept only until confirmed

    upload(client_logged_in, make())
    again = LabReport.objects.get(user=user)
    response = client_logged_in.post(review_url(again), as_read(again))
    assert b"already stored and will be skipped" in response.content
    check_and_confirm(client_logged_in, again, as_read(again))
    assert Result.objects.filter(user=user).count() == len(layout.expected)


def test_the_person_edits_drops_and_places_rows_before_importing(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    data = as_read(report)
    data["value-0"] = "24.1"  # the 25(OH)D misread: corrected
    del data["keep-1"]  # calcium left out
    data["date-2"] = "2025-03-13"  # RBC Mg drawn the day before
    ferritin = next(i for i, r in enumerate(ReportParse.from_json(report.parsed).rows)
                    if r.name == "Ferritin")  # fmt: skip
    data[f"keep-{ferritin}"] = "1"  # a line not placed, kept without a marker: refused
    response = client_logged_in.post(review_url(report), data)
    assert "Pick the marker this line is" in response.content.decode()
    assert not Result.objects.exists()
    del data[f"keep-{ferritin}"]
    back = client_logged_in.post(review_url(report), data | {"back": "1"}).content.decode()
    assert 'name="value-0" id="id_value-0" value="24.1"' in back  # the edits are kept
    check_and_confirm(client_logged_in, report, data)
    results = {r.analyte: r for r in Result.objects.filter(user=user)}
    assert "ca_total" not in results and "ferritin" not in results
    assert results["vitd_25oh"].value == 24.1
    assert results["vitd_25oh"].ref_low == 30.0 and results["vitd_25oh"].ref_flag == "L"
    assert str(results["mg_rbc"].drawn_on) == "2025-03-13"


def test_a_bad_edit_is_shown_on_its_row_and_nothing_is_saved(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.de_report())
    report = LabReport.objects.get(user=user)
    data = as_read(report) | {"value-0": "1.050,5", "unit-1": "furlongs"}
    response = client_logged_in.post(review_url(report), data)
    page = response.content.decode()
    assert page.count('data-testid="review-problem"') == 2
    assert "furlongs is not a unit for Serum Mg" in page
    assert not Result.objects.exists() and LabReport.objects.filter(user=user).exists()


def test_a_changed_unit_drops_the_range_printed_for_the_other_unit(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    check_and_confirm(client_logged_in, report, as_read(report) | {"unit-0": "nmol/L",
                                                                   "value-0": "56"})  # fmt: skip
    vitamin_d = Result.objects.get(user=user, analyte="vitd_25oh")
    assert (vitamin_d.unit, vitamin_d.ref_low, vitamin_d.ref_high) == ("nmol/L", None, None)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (pdf_fixtures.encrypted_report, "protected by a password"),
        (pdf_fixtures.with_javascript, "contains JavaScript"),
        (pdf_fixtures.many_pages, "has 200 pages; the limit is 20"),
        (pdf_fixtures.truncated, "damaged or is not really a PDF"),
        (pdf_fixtures.not_a_pdf, "not a PDF, JPEG or PNG"),
        (pdf_fixtures.bomb, "takes too much work to read"),
    ],
    ids=["encrypted", "javascript", "200-pages", "truncated", "renamed-exe", "bomb"],
)
def test_hostile_files_are_refused_with_a_message_leaving_nothing(
    client_logged_in, user, make, message
):
    response = upload(client_logged_in, make())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LabReport.objects.exists() and not Result.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client_logged_in):
    response = upload(client_logged_in, b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024))
    assert response.status_code == 400 and b"larger than the limit" in response.content
    assert not LabReport.objects.exists()


def test_a_kept_report_is_in_the_export_and_goes_with_the_account(client_logged_in, user):
    data = pdf_fixtures.two_column_report()
    upload(client_logged_in, data, name="../../Befund Juni.pdf")
    report = LabReport.objects.get(user=user)
    check_and_confirm(client_logged_in, report, as_read(report), attach=True)
    report.refresh_from_db()
    assert report.panel == Panel.objects.get(user=user)
    page = client_logged_in.get(reverse("labs:panel-detail", args=[report.panel.pk]))
    link = reverse("labs:report-file", args=[report.pk])
    assert link in page.content.decode()
    download = client_logged_in.get(link)
    assert download.content == data and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(account_zip(user))) as archive:
        name = f"lab-reports/2025-06-20-{report.pk}-Befund Juni.pdf"
        assert archive.read(name) == data
    account_delete(user=user)
    assert not LabReport.objects.exists()


def test_the_next_upload_and_a_day_forget_an_unconfirmed_one(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.us_report())
    first = LabReport.objects.get(user=user)
    upload(client_logged_in, pdf_fixtures.de_report())
    assert list(LabReport.objects.values_list("pk", flat=True)) != [first.pk]
    LabReport.objects.update(created_at=first.created_at - services.STALE_AFTER)
    assert services.reports_forget_stale() == 1
    assert not LabReport.objects.exists()


def test_discarding_deletes_the_upload(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    client_logged_in.post(reverse("labs:import-pdf-discard", args=[report.pk]))
    assert not LabReport.objects.exists()


def test_another_persons_report_is_not_found(client_logged_in, other_user):
    client_logged_in.force_login(other_user)
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=other_user)
    client_logged_in.logout()
    client_logged_in.force_login(LabReport.objects.get().user.__class__.objects.exclude(
        pk=other_user.pk).first())  # fmt: skip
    for name in ("import-pdf-review", "import-pdf-confirm", "import-pdf-discard"):
        assert client_logged_in.post(reverse(f"labs:{name}", args=[report.pk])).status_code == 404
    assert LabReport.objects.filter(pk=report.pk).exists()


def test_random_review_data_never_gives_a_server_error_nor_saves_a_part(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    names = sorted(set(re.findall(r'name="([^"]+)"', client_logged_in.get(review_url(report))
                                  .content.decode())) - {"csrfmiddlewaretoken"})  # fmt: skip

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: FUZZ_VALUES for name in names}))
    def post_random(data):
        response = client_logged_in.post(review_url(report), data)
        assert response.status_code < 500, data
        assert not Result.objects.exists()  # a check never saves: only the confirm does

    post_random()


@pytest.fixture
def without_tesseract(monkeypatch, tmp_path):
    """A server where tesseract is not installed: not on PATH (asked again, not cached)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    services.ocr_available.cache_clear()
    yield
    services.ocr_available.cache_clear()


def test_without_tesseract_the_page_says_so_and_a_scan_is_refused(
    client_logged_in, user, without_tesseract
):
    page = client_logged_in.get(UPLOAD).content.decode()
    assert 'data-testid="ocr-missing"' in page and "(tesseract) is not installed" in page
    response = upload(client_logged_in, pdf_fixtures.scanned(pdf_fixtures.us_report()))
    assert response.status_code == 400
    assert "the text recogniser (tesseract) is not installed" in response.content.decode()
    assert not LabReport.objects.exists()
    upload(client_logged_in, pdf_fixtures.us_report())  # a PDF with text still imports
    assert LabReport.objects.get(user=user).status == LabReport.Status.READY


def test_a_line_that_is_the_persons_own_marker_is_imported_as_that_marker(client_logged_in, user):
    definition = check_definition("Ferritin", "ng/mL", "30-400")
    ferritin = markers_services.marker_create(user=user, definition=definition)
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    page = client_logged_in.get(review_url(report)).content.decode()
    assert "Import this line as your marker “Ferritin”" in page
    index = next(i for i, r in enumerate(ReportParse.from_json(report.parsed).rows)
                 if r.name == "Ferritin")  # fmt: skip
    data = as_read(report) | {f"keep-{index}": "1", f"analyte-{index}": f"marker:{ferritin.pk}"}
    response = check_and_confirm(client_logged_in, report, data)
    assert response.status_code == 302
    (value,) = MarkerResult.objects.filter(user=user)
    assert (value.marker, value.value, value.ref_low, value.ref_high) == (ferritin, 85, 38, 380)
    assert value.panel == Panel.objects.get(user=user)
    assert Result.objects.filter(user=user).count() == len(pdf_fixtures.US.expected)

    upload(client_logged_in, pdf_fixtures.us_report())  # again: nothing new
    again = LabReport.objects.get(user=user)
    check_and_confirm(client_logged_in, again, data)
    assert MarkerResult.objects.filter(user=user).count() == 1


def test_another_persons_marker_cannot_be_chosen(client_logged_in, user, other_user):
    theirs = markers_services.marker_create(
        user=other_user, definition=check_definition("Ferritin", "ng/mL")
    )
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    index = next(i for i, r in enumerate(ReportParse.from_json(report.parsed).rows)
                 if r.name == "Ferritin")  # fmt: skip
    data = as_read(report) | {f"keep-{index}": "1", f"analyte-{index}": f"marker:{theirs.pk}"}
    response = client_logged_in.post(review_url(report), data)
    assert "Pick the marker this line is" in response.content.decode()
    assert not MarkerResult.objects.exists() and not Result.objects.exists()


def test_polling_the_page_reads_neither_the_file_nor_more_queries_per_row(
    client_logged_in, user, django_assert_max_num_queries
):
    upload(client_logged_in, pdf_fixtures.us_report())
    report = LabReport.objects.get(user=user)
    LabReport.objects.filter(pk=report.pk).update(status=LabReport.Status.READING)
    with django_assert_max_num_queries(8) as queries:
        response = client_logged_in.get(review_url(report), HTTP_HX_REQUEST="true")
    assert 'data-status="reading"' in response.content.decode()
    assert not any('"data"' in q["sql"].split("FROM")[0] for q in queries.captured_queries)


def test_a_report_left_reading_by_a_dead_worker_is_read_when_its_task_comes_back(
    client_logged_in, user
):
    upload(client_logged_in, pdf_fixtures.photo(pdf_fixtures.two_column_report()), "p.jpg")
    report = LabReport.objects.get(user=user)
    LabReport.objects.filter(pk=report.pk).update(status=LabReport.Status.READING)
    services.report_read_ocr(report_id=report.pk)  # the redelivered task, in this process
    report.refresh_from_db()
    assert report.status == LabReport.Status.READY
    assert len(ReportParse.from_json(report.parsed).placed) == len(pdf_fixtures.TWO_COLUMN.expected)
    services.report_read_ocr(report_id=report.pk)  # once read, a duplicate does nothing
    assert LabReport.objects.get(pk=report.pk).status == LabReport.Status.READY


def test_a_pdf_with_a_scanned_page_among_its_text_pages_goes_to_ocr(client_logged_in, user):
    upload(client_logged_in, pdf_fixtures.text_then_scan())
    report = LabReport.objects.get(user=user)
    assert report.ocr and report.status == LabReport.Status.QUEUED
    services.report_read_ocr(report_id=report.pk)  # what the worker runs
    report.refresh_from_db()
    read = {r.analyte for r in ReportParse.from_json(report.parsed).placed}
    assert {"vitd_25oh", "mg_serum", "phosphate"} <= read  # page 1's text and page 2's scan
