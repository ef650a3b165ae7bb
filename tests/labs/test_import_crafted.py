"""Crafted uploads (issue 12, item 2 and 6): refused early, with a 400 and a reason, never a 500
and never a partial save. Run on PostgreSQL (DATABASE_URL) and on SQLite
(DATABASE_URL=sqlite:///…): NUL characters only break PostgreSQL."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs.importers import parse_fhir_bundle, parse_results_csv
from labs.models import Result
from labs.validation import CSV_MAX_COLUMNS, FHIR_MAX_ENTRIES, FHIR_MAX_OBSERVATIONS

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, url="labs:import"):
    return client.post(reverse(url), {"file": SimpleUploadedFile("crafted", data)})


def bundle(*observations) -> bytes:
    entries = [{"resource": o} for o in observations]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def observation(value="40", **extra) -> dict:
    text = json.dumps(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2731-8"}]},
            "effectiveDateTime": "2024-03-01",
            "valueQuantity": {"value": 0, "unit": "pg/mL", "code": "pg/mL"},
        }
        | extra
    )
    return json.loads(text.replace('"value": 0', f'"value": {value}'))


def test_a_header_of_50000_columns_is_refused_in_well_under_a_second():
    data = (",".join(f"c{i}" for i in range(50_000)) + "\n2024-03-01\n").encode()
    started = time.process_time()
    parsed = parse_results_csv(data)
    assert time.process_time() - started < 0.5
    assert parsed.error == (
        f"The header has 50,000 columns; a results file has at most {CSV_MAX_COLUMNS}."
    )


def test_a_bundle_with_too_many_observations_is_refused_before_validation():
    entries = [{"resource": {"resourceType": "Observation"}}] * (FHIR_MAX_OBSERVATIONS + 1)
    data = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    started = time.process_time()
    parsed = parse_fhir_bundle(data.encode())
    assert time.process_time() - started < 0.5
    assert parsed.error.startswith(f"The Bundle has {FHIR_MAX_OBSERVATIONS + 1:,} Observations")


def test_a_bundle_with_too_many_entries_is_refused_before_validation():
    entries = [{"resource": {"resourceType": "Patient"}}] * (FHIR_MAX_ENTRIES + 1)
    data = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    started = time.process_time()
    parsed = parse_fhir_bundle(data.encode())
    assert time.process_time() - started < 0.5
    assert parsed.error.startswith(f"The Bundle has {FHIR_MAX_ENTRIES + 1:,} entries")


def test_a_csv_value_of_1_and_400_zeros_is_a_400_naming_the_line(client_logged_in):
    data = b"date,analyte,value,unit\n2024-03-01,PTH,1" + b"0" * 400 + b",pg/mL\n"
    response = upload(client_logged_in, data)
    assert response.status_code == 400
    assert "Line 2: value &quot;1000" in response.content.decode()
    assert not Result.objects.exists()


def test_a_fhir_value_of_1e400_is_a_400_naming_the_field(client_logged_in):
    response = upload(client_logged_in, bundle(observation("1e400")), url="labs:import-fhir")
    assert response.status_code == 400
    assert "entry.0.resource.valueQuantity.value" in response.content.decode()
    assert not Result.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"performer": [{"display": "Lab\u0000"}]},
        {"note": [{"text": "fasting\u0000"}]},
    ],
    ids=["performer", "note"],
)
def test_a_nul_in_fhir_text_is_a_400_not_a_database_error(client_logged_in, extra):
    response = upload(client_logged_in, bundle(observation(**extra)), url="labs:import-fhir")
    assert response.status_code == 400
    assert "contains a control character" in response.content.decode()
    assert not Result.objects.exists()


def test_a_nul_in_a_csv_is_refused_as_not_text(client_logged_in):
    response = upload(
        client_logged_in, b"date,analyte,value,unit,lab\n2024-03-01,PTH,40,pg/mL,a\x00\n"
    )
    assert response.status_code == 400
    assert not Result.objects.exists()


def test_the_confirm_step_imports_the_previewed_rows_without_parsing_again(
    client_logged_in, monkeypatch
):
    preview = upload(client_logged_in, bundle(observation("40")), url="labs:import-fhir")
    assert preview.status_code == 200

    def fail(*args, **kwargs):
        raise AssertionError("parsed again on confirm")

    monkeypatch.setattr("labs.importers.parse_fhir_bundle", fail)
    response = client_logged_in.post(
        reverse("labs:import-fhir-confirm"), {"token": preview.context["token"]}
    )
    assert response.status_code == 302
    assert Result.objects.get().value == 40
