"""Dates with a time in CSV exports (issue 11): portals write "2026-06-10 08:15",
"10.06.2026 08:15" or ISO 8601 with T/Z. The date is taken (in the person's zone when the time
carries a UTC offset); a time that cannot be is an error that names the line and the value."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs.importers import parse_fhir_bundle, parse_results_csv
from labs.models import Result

TODAY = dt.date(2026, 12, 1)
BERLIN = ZoneInfo("Europe/Berlin")


def dates_of(text: str, zone=None):
    parsed = parse_results_csv(text.encode(), today=TODAY, zone=zone)
    assert not parsed.needs_mapping and not parsed.needs_date_order
    return [row.drawn_on for row in parsed.rows], [(e.line, str(e.message)) for e in parsed.errors]


@pytest.mark.parametrize(
    "written",
    [
        "2026-06-10 08:15",
        "2026-06-10 08:15:30",
        "2026-06-10T08:15",
        "2026-06-10T08:15:00",
        "2026-06-10T08:15:00.000",
        "10.06.2026 08:15",
        "10.06.2026 8:15 Uhr",
        "10/06/2026 08:15",
    ],
)
def test_a_date_with_a_local_time_is_that_date(written):
    rows, errors = dates_of(
        f"date;analyte;value;unit\n{written};PTH;40;pg/mL\n13/06/2026;PTH;41;pg/mL\n"
    )
    assert errors == []
    assert rows[0] == dt.date(2026, 6, 10)


def test_a_us_time_with_am_or_pm_reads_with_a_month_first_date():
    text = (
        "date,analyte,value,unit\n"
        "06/10/2026 8:15 AM,PTH,40,pg/mL\n"
        "06/13/2026 11:59 PM,PTH,41,pg/mL\n"
    )
    rows, errors = dates_of(text)
    assert errors == []
    assert rows == [dt.date(2026, 6, 10), dt.date(2026, 6, 13)]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2026-06-10T23:30:00Z", dt.date(2026, 6, 11)),  # 01:30 in Berlin the next day
        ("2026-06-10T21:00:00+00:00", dt.date(2026, 6, 10)),  # 23:00 in Berlin
        ("2026-06-10T23:30:00-0500", dt.date(2026, 6, 11)),
        ("2026-06-10T00:30:00+02:00", dt.date(2026, 6, 10)),  # Berlin summer time itself
    ],
)
def test_a_time_with_a_utc_offset_is_the_persons_day(written, day):
    rows, errors = dates_of(f"date,analyte,value,unit\n{written},PTH,40,pg/mL\n", zone=BERLIN)
    assert errors == []
    assert rows == [day]


def test_without_a_zone_the_written_day_stands():
    rows, _errors = dates_of("date,analyte,value,unit\n2026-06-10T23:30:00Z,PTH,40,pg/mL\n")
    assert rows == [dt.date(2026, 6, 10)]


@pytest.mark.parametrize(
    "written", ["2026-06-10 25:15", "2026-06-10 08:75", "10.06.2026 13:00 PM", "2026-06-10 soon"]
)
def test_a_time_that_cannot_be_is_an_error_naming_line_and_value(written):
    rows, errors = dates_of(
        f"date;analyte;value;unit\n2026-06-09;PTH;39;pg/mL\n{written};PTH;40;pg/mL\n"
    )
    assert len(rows) == 1
    assert [line for line, _message in errors] == [3]
    assert written in errors[0][1]
    assert "00:00 to 23:59" in errors[0][1] or "YYYY-MM-DD" in errors[0][1]  # what is accepted


def test_a_time_after_today_in_the_persons_zone_is_in_the_future():
    text = "date,analyte,value,unit\n2026-12-01T23:30:00Z,PTH,40,pg/mL\n"
    _rows, errors = dates_of(text, zone=BERLIN)  # 2 Dec in Berlin, after TODAY
    assert errors and "future" in errors[0][1]


@pytest.mark.django_db
def test_the_import_page_reads_times_in_the_persons_zone(client_logged_in, user):
    user.time_zone = "Pacific/Auckland"
    user.save(update_fields=["time_zone"])
    data = b"date,analyte,value,unit\n2025-06-10T20:00:00Z,PTH,40,pg/mL\n"
    upload = SimpleUploadedFile("export.csv", data)
    preview = client_logged_in.post(reverse("labs:import"), {"file": upload})
    assert [row.drawn_on for row in preview.context["new_rows"]] == [dt.date(2025, 6, 11)]
    client_logged_in.post(reverse("labs:import-confirm"), {"token": preview.context["token"]})
    assert list(Result.objects.filter(user=user).values_list("drawn_on", flat=True)) == [
        dt.date(2025, 6, 11)
    ]


# --- FHIR: the same person's-zone rule -------------------------------------------------------


def fhir_bundle(*moments: str, key: str = "effectiveDateTime") -> bytes:
    entries = [
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2731-8"}]},  # PTH
                key: moment,
                "valueQuantity": {"value": 40 + i, "unit": "pg/mL"},
            }
        }
        for i, moment in enumerate(moments)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def fhir_dates(*moments: str, zone=None, key: str = "effectiveDateTime"):
    parsed = parse_fhir_bundle(fhir_bundle(*moments, key=key), today=TODAY, zone=zone)
    return [row.drawn_on for row in parsed.rows], [e.message for e in parsed.errors]


@pytest.mark.parametrize(
    ("moment", "zone", "day"),
    [
        ("2025-06-10T23:30:00Z", BERLIN, dt.date(2025, 6, 11)),  # 01:30 in Berlin
        ("2025-06-10T23:30:00+00:00", BERLIN, dt.date(2025, 6, 11)),
        ("2025-06-11T00:30:00+02:00", ZoneInfo("America/New_York"), dt.date(2025, 6, 10)),
        ("2025-06-10T20:00:00Z", ZoneInfo("Pacific/Auckland"), dt.date(2025, 6, 11)),
        ("2025-06-10T08:15:00+02:00", BERLIN, dt.date(2025, 6, 10)),
        ("2025-06-10", BERLIN, dt.date(2025, 6, 10)),  # a date alone: as written
        ("2025-06-10T23:30:00Z", None, dt.date(2025, 6, 10)),  # no zone: as written
    ],
)
def test_a_fhir_moment_with_an_offset_is_the_persons_day(moment, zone, day):
    assert fhir_dates(moment, zone=zone) == ([day], [])


def test_a_fhir_issued_instant_follows_the_same_rule():
    assert fhir_dates("2025-06-10T22:30:00Z", zone=BERLIN, key="issued") == (
        [dt.date(2025, 6, 11)],
        [],
    )


def test_a_fhir_moment_after_today_in_the_persons_zone_is_in_the_future():
    days, errors = fhir_dates("2026-12-01T23:30:00Z", zone=BERLIN)  # 2 Dec in Berlin
    assert not days and errors and "future" in errors[0]


@pytest.mark.django_db
def test_the_fhir_import_page_reads_moments_in_the_persons_zone(client_logged_in, user):
    user.time_zone = "Pacific/Auckland"
    user.save(update_fields=["time_zone"])
    upload = SimpleUploadedFile("bundle.json", fhir_bundle("2025-06-10T20:00:00Z"))
    preview = client_logged_in.post(reverse("labs:import-fhir"), {"file": upload})
    assert [row.drawn_on for row in preview.context["new_rows"]] == [dt.date(2025, 6, 11)]
    client_logged_in.post(reverse("labs:import-fhir-confirm"), {"token": preview.context["token"]})
    assert list(Result.objects.filter(user=user).values_list("drawn_on", flat=True)) == [
        dt.date(2025, 6, 11)
    ]
