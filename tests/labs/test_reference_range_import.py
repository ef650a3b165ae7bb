"""The lab's printed range goes out and comes back: CSV and FHIR round trips, a foreign
CSV's one-cell range column and a FHIR referenceRange in another unit."""

import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labs import exporters, services
from labs.exporters import ExportRow
from labs.importers import ColumnMapping, parse_fhir_bundle, parse_results_csv
from labs.models import Result
from labs.validation import ReferenceRange
from tests.labs.test_import_export import confirm, import_csv, upload

DAY = dt.date(2025, 6, 1)
TODAY = dt.date(2026, 1, 1)
RANGES = ("ref_low", "ref_high", "ref_flag")


def stored_ranges(user) -> list[tuple]:
    return sorted(Result.objects.filter(user=user).values_list("analyte", "unit", *RANGES))


@pytest.fixture
def ranged_panel(user):
    rows = [
        services.ResultInput("ca_total", 2.6, "mmol/L", reference=ReferenceRange(2.15, 2.55, "H")),
        services.ResultInput("vitd_25oh", 75, "nmol/L", reference=ReferenceRange(75, None)),
        services.ResultInput("pth_intact", 30, "pg/mL", reference=ReferenceRange(None, 65)),
        ("mg_rbc", 5.1, "mg/dL"),
    ]
    return services.panel_create(user=user, drawn_on=DAY, results=rows, lab="Synlab")


@pytest.mark.django_db
def test_the_csv_export_carries_the_ranges_and_reimports_them(client, user, ranged_panel):
    client.force_login(user)
    before = stored_ranges(user)
    exported = client.get("/labs/export/results.csv").content
    assert b"ca_total,2.6,mmol/L,Synlab,,2.15,2.55,H" in exported
    Result.objects.all().delete()
    import_csv(client, exported)
    assert stored_ranges(user) == before
    assert Result.objects.get(analyte="ca_total").ref_high_canonical == pytest.approx(2.55 / 0.2495)


@pytest.mark.django_db
def test_the_fhir_export_carries_reference_range_and_interpretation(client, user, ranged_panel):
    client.force_login(user)
    before = stored_ranges(user)
    exported = client.get("/labs/export/fhir.json")
    Bundle.model_validate_json(exported.content)  # valid FHIR R4
    observations = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in json.loads(exported.content)["entry"]
    }
    calcium = observations["17861-6"]
    assert calcium["referenceRange"] == [
        {"low": {"value": 2.15, "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                 "code": "mmol/L"},
         "high": {"value": 2.55, "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                  "code": "mmol/L"}}
    ]  # fmt: skip
    assert calcium["interpretation"][0]["coding"][0]["code"] == "H"
    assert "high" not in observations["62292-8"]["referenceRange"][0]
    Result.objects.all().delete()
    preview = upload(client, exported.content, "fhir.json", "labs:import-fhir")
    confirm(client, preview, "labs:import-fhir-confirm")
    assert stored_ranges(user) == before


def test_a_foreign_csv_reads_the_range_cell_and_the_flag():
    data = (
        b"Collected,Test,Result,Flag,Units,Reference Interval\n"
        b"06/01/2025,Calcium,10.4,H,mg/dL,8.6-10.2\n"
        b'06/01/2025,"Vitamin D, 25-Hydroxy",32,,ng/mL,30.0-100.0\n'
        b"06/01/2025,PTH Intact,40,,pg/mL,\n"
    )
    first = parse_results_csv(data, today=TODAY)
    assert first.needs_mapping
    assert (first.guess.reference, first.guess.ref_flag) == (5, 3)
    mapping = ColumnMapping(**(first.guess.to_json() | {"date_order": "mdy"}))
    parsed = parse_results_csv(data, mapping=mapping, today=TODAY)
    assert parsed.ok, parsed.errors
    got = {r.analyte: (r.ref_low, r.ref_high, r.ref_flag) for r in parsed.rows}
    assert got == {
        "ca_total": (8.6, 10.2, "H"), "vitd_25oh": (30.0, 100.0, ""), "pth_intact": (None, None, "")
    }  # fmt: skip


def test_a_csv_range_with_low_above_high_is_a_numbered_problem():
    data = b"date,analyte,value,unit,ref_low,ref_high\n2025-06-01,ca_total,9.9,mg/dL,10.2,8.6\n"
    parsed = parse_results_csv(data, today=TODAY)
    assert not parsed.ok
    assert parsed.errors[0].line == 2
    assert "above the upper" in parsed.errors[0].message


def test_a_german_csv_with_decimal_commas_reads_its_range():
    data = (
        "Datum;Parameter;Ergebnis;Einheit;Referenzbereich\n"
        "01.06.2025;Calcium;2,61;mmol/l;2,15 - 2,55\n"
    )
    first = parse_results_csv(data.encode(), today=TODAY)
    parsed = parse_results_csv(data.encode(), mapping=first.guess, today=TODAY)
    assert parsed.ok, (parsed.errors, parsed.needs_date_order)
    (row,) = parsed.rows
    assert (row.ref_low, row.ref_high) == (2.15, 2.55)


def observation(reference: dict, interpretation: str = "") -> bytes:
    resource = {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "17861-6"}]},
        "effectiveDateTime": "2025-06-01",
        "valueQuantity": {"value": 10.4, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                          "code": "mg/dL"},
        "referenceRange": [reference],
    }  # fmt: skip
    if interpretation:
        resource["interpretation"] = [{"coding": [{"code": interpretation}]}]
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"resource": resource}]}).encode()  # fmt: skip


def test_a_fhir_range_in_another_unit_is_converted_to_the_values_unit():
    reference = {
        "low": {"value": 2.15, "code": "mmol/L"},
        "high": {"value": 2.55, "code": "mmol/L"},
    }
    parsed = parse_fhir_bundle(observation(reference, "HH"), today=TODAY)
    (row,) = parsed.rows
    assert row.unit == "mg/dL"
    assert (row.ref_low, row.ref_high) == (
        pytest.approx(2.15 / 0.2495),
        pytest.approx(2.55 / 0.2495),
    )
    assert row.ref_flag == "H"


def test_a_fhir_range_with_low_above_high_is_an_error_of_its_entry():
    reference = {"low": {"value": 10.2, "code": "mg/dL"}, "high": {"value": 8.6, "code": "mg/dL"}}
    parsed = parse_fhir_bundle(observation(reference), today=TODAY)
    assert not parsed.rows
    assert parsed.errors[0].line == 1


ENDS = st.floats(min_value=0.1, max_value=12, allow_nan=False).map(lambda x: round(x, 2))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(low=ENDS, high=ENDS, flag=st.sampled_from(["", "H", "L"]))
def test_any_valid_range_survives_csv_and_fhir_round_trips(low, high, flag):
    low, high = min(low, high), max(low, high)
    row = ExportRow(1, DAY, "ca_total", 9.5, "mg/dL", 9.5, ref_low=low, ref_high=high,
                    ref_flag=flag)  # fmt: skip
    from_csv = parse_results_csv(exporters.results_csv([row]).encode(), today=TODAY).rows
    bundle = json.dumps(exporters.results_fhir_bundle([row])).encode()
    from_fhir = parse_fhir_bundle(bundle, today=TODAY).rows
    for (back,) in (from_csv, from_fhir):
        assert (back.ref_low, back.ref_high, back.ref_flag) == (low, high, flag)


def test_a_fhir_range_given_only_as_text_is_read_in_the_values_unit():
    parsed = parse_fhir_bundle(observation({"text": "8,6 - 10,2"}), today=TODAY)
    (row,) = parsed.rows
    assert (row.ref_low, row.ref_high) == (8.6, 10.2)
