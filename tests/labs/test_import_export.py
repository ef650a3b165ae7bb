"""Import and export through the web: preview, confirm, round trips, refusals."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from labs.models import Panel, Result
from tests.factories import UserFactory, panel_with

pytestmark = pytest.mark.django_db
HEADER = "date,analyte,value,unit,lab,notes\r\n"


def upload(client, data: bytes, name="results.csv", url="labs:import"):
    return client.post(reverse(url), {"file": SimpleUploadedFile(name, data)})


def confirm(client, response, url="labs:import-confirm"):
    return client.post(reverse(url), {"token": response.context["token"]})


def import_csv(client, data: bytes):
    preview = upload(client, data)
    assert preview.context.get("token"), preview.context["parsed"]
    return confirm(client, preview)


def stored(user) -> list[tuple]:
    return sorted(
        Result.objects.filter(user=user).values_list(
            "drawn_on", "analyte", "value", "unit", "canonical_value"
        )
    )


def history(user):
    panel_with(user, dt.date(2024, 1, 10), ("vitd_25oh", 16, "ng/mL"), ("mg_rbc", 3.9, "mg/dL"),
               ("pth_intact", 78, "pg/mL"))  # fmt: skip
    panel_with(user, dt.date(2024, 4, 5), ("vitd_25oh", 110, "nmol/L"), ("mg_rbc", 2.2, "mmol/L"))
    panel_with(user, dt.date(2024, 10, 1), ("vitd_25oh", 52.5, "ng/mL"), ("ca_total", 9.4, "mg/dL"))


# --- CSV ------------------------------------------------------------------------------------


def test_the_preview_lists_rows_and_duplicates_and_saves_nothing(client_logged_in, user):
    panel_with(user, dt.date(2024, 3, 1), ("vitd_25oh", 32.5, "ng/mL"))
    data = HEADER + "2024-03-01,vitd_25oh,32.5,ng/mL,,\r\n2024-03-01,RBC Magnesium,4.8,mg/dL,,\r\n"
    response = upload(client_logged_in, data.encode())
    assert response.status_code == 200
    assert len(response.context["new_rows"]) == 1
    assert response.context["duplicates"] == 1
    assert "1 result will be imported." in response.content.decode()
    assert Result.objects.count() == 1


def test_a_file_with_nothing_new_offers_no_import_button(client_logged_in, user):
    panel_with(user, dt.date(2024, 3, 1), ("vitd_25oh", 32.5, "ng/mL"))
    response = upload(client_logged_in, (HEADER + "2024-03-01,vitd_25oh,32.5,ng/mL,,\r\n").encode())
    html = response.content.decode()
    assert response.context["duplicates"] == 1 and not response.context["new_rows"]
    assert 'data-testid="confirm-import"' not in html and ">Import</button>" not in html
    assert 'data-testid="nothing-to-import"' in html


def test_the_preview_lists_every_problem_by_line_and_offers_no_import(client_logged_in):
    data = HEADER + "2024-03-01,vitd_25oh,32.5,ng/mL,,\r\n2024-03-01,mg_rbc,abc,mg/dL,,\r\n"
    data += "2099-01-01,vitd_25oh,400,ng/mL,,\r\n"
    response = upload(client_logged_in, data.encode())
    html = response.content.decode()
    assert "Line 3: value &quot;abc&quot; is not a number" in html
    assert "Line 4: date 2099-01-01 is in the future" in html
    assert "token" not in response.context
    assert 'data-testid="confirm-import"' not in html


def test_confirm_imports_everything_and_a_second_import_adds_nothing(client_logged_in, user):
    data = (HEADER + "2024-03-01,vitd_25oh,75,nmol/L,Acme,\r\n2024-03-01,mg_rbc,4.8,mg/dL,Acme,\r\n"
            "2024-06-01,vitd_25oh,41,ng/mL,,\r\n").encode()  # fmt: skip
    response = import_csv(client_logged_in, data)
    assert response["Location"] == reverse("labs:panel-list")
    assert Result.objects.filter(user=user).count() == 3
    assert Panel.objects.filter(user=user).count() == 2
    before = stored(user)
    response = import_csv(client_logged_in, data)
    assert stored(user) == before
    assert Panel.objects.filter(user=user).count() == 2


def test_a_token_is_used_once(client_logged_in, user):
    preview = upload(client_logged_in, (HEADER + "2024-03-01,vitd_25oh,30,ng/mL,,\r\n").encode())
    confirm(client_logged_in, preview)
    response = confirm(client_logged_in, preview)
    assert response["Location"] == reverse("labs:import")
    assert Result.objects.filter(user=user).count() == 1


def test_confirm_reads_the_stored_upload_not_posted_rows(client_logged_in, user):
    preview = upload(client_logged_in, (HEADER + "2024-03-01,vitd_25oh,30,ng/mL,,\r\n").encode())
    client_logged_in.post(
        reverse("labs:import-confirm"),
        {"token": preview.context["token"], "value": "9999", "analyte": "mg_rbc"},
    )
    assert stored(user) == [(dt.date(2024, 3, 1), "vitd_25oh", 30.0, "ng/mL", 30.0)]


def test_a_forged_token_imports_nothing(client_logged_in):
    response = client_logged_in.post(reverse("labs:import-confirm"), {"token": "forged"})
    assert response.status_code == 302
    assert not Result.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary", "This is not a text file"),
        (b"date,value\r\n2024-01-01,3\r\n", "Missing column(s): analyte, unit"),
        (b"date,analyte,value,unit,unit\r\n", "Column(s) given twice: unit"),
        (b"", "The submitted file is empty."),
    ],
)
def test_malformed_files_save_nothing_and_say_why(client_logged_in, data, message):
    response = upload(client_logged_in, data)
    assert response.status_code == 400  # a refused upload is a client error, with its reason
    assert message in response.content.decode()
    assert not Result.objects.exists()


def test_the_row_limit_is_stated(client_logged_in, settings):
    rows = "".join(f"2024-01-01,vitd_25oh,{30 + n / 1000:.3f},ng/mL,,\r\n" for n in range(5_001))
    response = upload(client_logged_in, (HEADER + rows).encode())
    assert "more than 5,000 rows" in response.content.decode()
    assert not Result.objects.exists()


def test_the_size_limit_is_stated(client_logged_in):
    response = upload(client_logged_in, b"x" * (2 * 1024 * 1024 + 10))
    assert "larger than the limit of 2 MB" in response.content.decode()


def test_the_template_downloads_and_imports(client_logged_in, user):
    response = client_logged_in.get(reverse("labs:import-template"))
    assert response["Content-Disposition"].startswith("attachment;")
    import_csv(client_logged_in, response.content)
    assert Result.objects.filter(user=user).count() == 2


def test_csv_round_trip_reproduces_the_same_results_in_a_fresh_account(client, user):
    history(user)
    client.force_login(user)
    exported = client.get(reverse("labs:export-csv"))
    assert exported["Content-Disposition"].startswith('attachment; filename="cofactor-results-')
    newcomer = UserFactory()
    client.force_login(newcomer)
    import_csv(client, exported.content)
    assert stored(newcomer) == stored(user)
    import_csv(client, exported.content)
    assert stored(newcomer) == stored(user)


# --- FHIR -----------------------------------------------------------------------------------


def observation(loinc, value, unit, day="2024-05-01"):
    return {"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": loinc}]},
        "effectiveDateTime": day,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
    }}  # fmt: skip


def bundle(*entries) -> bytes:
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}
    ).encode()


def test_fhir_round_trip_gives_identical_values(client, user):
    history(user)
    client.force_login(user)
    exported = client.get(reverse("labs:export-fhir"))
    assert exported["Content-Type"] == "application/fhir+json"
    Bundle.model_validate_json(exported.content)
    newcomer = UserFactory()
    client.force_login(newcomer)
    preview = upload(client, exported.content, "fhir.json", "labs:import-fhir")
    confirm(client, preview, "labs:import-fhir-confirm")

    def canonical(person):
        return sorted(
            Result.objects.filter(user=person).values_list("drawn_on", "analyte", "canonical_value")
        )

    assert canonical(newcomer) == canonical(user)


def test_fhir_known_codes_import_and_unknown_ones_are_listed(client_logged_in, user):
    data = bundle(
        observation("62292-8", 32, "ng/mL"),
        observation("2345-7", 95, "mg/dL"),  # glucose: not in the catalog
        observation("26746-8", 4.4, "mg/dL"),
    )
    preview = upload(client_logged_in, data, "b.json", "labs:import-fhir")
    html = preview.content.decode()
    assert "2345-7" in html and "will be skipped" in html
    assert len(preview.context["new_rows"]) == 2
    confirm(client_logged_in, preview, "labs:import-fhir-confirm")
    assert sorted(Result.objects.filter(user=user).values_list("analyte", flat=True)) == [
        "mg_rbc",
        "vitd_25oh",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"resourceType": "Patient"}', "Expected a FHIR Bundle"),
        (
            b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
            b'{"resourceType": "Observation"}}]}',
            "not valid FHIR R4",
        ),
    ],
)
def test_malformed_bundles_are_rejected_with_a_message(client_logged_in, data, message):
    response = upload(client_logged_in, data, "b.json", "labs:import-fhir")
    assert message in response.content.decode()
    assert "token" not in response.context
    assert not Result.objects.exists()


def test_a_bundle_with_a_bad_known_result_imports_nothing(client_logged_in):
    data = bundle(observation("62292-8", 32, "ng/mL"), observation("26746-8", 4.4, "g/L"))
    response = upload(client_logged_in, data, "b.json", "labs:import-fhir")
    assert "Entry 2:" in response.content.decode()
    assert "token" not in response.context


@pytest.mark.parametrize(
    "url", ["/labs/import/", "/labs/import/fhir/", "/labs/import/template.csv"]
)
def test_anonymous_visitors_go_to_login(client, url):
    assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.usefixtures("compiled_translations")
def test_the_preview_shows_values_in_the_persons_units_and_language(client):
    person = UserFactory(vitd_unit="nmol/L", mineral_unit="mmol/L", language="de")
    client.force_login(person)
    data = (
        HEADER + "2026-06-10,vitd_25oh,18.2,ng/mL,,\r\n2026-06-10,mg_serum,1.9,mg/dL,,\r\n"
    ).encode()
    body = upload(client, data).content.decode()
    assert "45 nmol/L" in body  # 18.2 ng/mL
    assert "0,78 mmol/L" in body  # 1.9 mg/dL
    assert "10. Juni 2026" in body
    assert "18,2 ng/mL" in body  # as the file gave it, written the German way


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, user, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(user)
    big = SimpleUploadedFile("results.csv", b"date,analyte,value,unit\n" + b"x" * 4096)
    response = client.post(reverse("labs:import"), {"file": big})
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content
    assert not Result.objects.exists()


def test_a_row_contradicting_a_stored_result_of_that_date_is_refused(client_logged_in, user):
    panel_with(user, dt.date(2024, 3, 1), ("vitd_25oh", 30, "ng/mL"))
    data = (HEADER + "2024-03-01,vitd_25oh,41,ng/mL,,\r\n2024-03-02,PTH,40,pg/mL,,\r\n").encode()
    response = upload(client_logged_in, data)
    assert response.status_code == 400
    assert "Line 2: 25(OH)D on 2024-03-01 is already stored as 30.0 ng/mL" in (
        response.content.decode()
    )
    assert "token" not in response.context  # all or nothing
    assert Result.objects.filter(user=user).count() == 1


def test_a_contradiction_that_appears_after_the_preview_imports_nothing(client_logged_in, user):
    preview = upload(client_logged_in, (HEADER + "2024-03-01,vitd_25oh,41,ng/mL,,\r\n").encode())
    panel_with(user, dt.date(2024, 3, 1), ("vitd_25oh", 30, "ng/mL"))  # typed meanwhile
    response = confirm(client_logged_in, preview)
    assert response.status_code == 302
    assert Result.objects.filter(user=user).count() == 1
