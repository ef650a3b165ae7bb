"""Defects found in review, each pinned by a test."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.urls import reverse

from labs.forms import parse_number
from labs.importers import ImportRow, parse_fhir_bundle, parse_results_csv
from labs.models import Result
from labs.services import panel_create, results_import
from tests.conftest import require


def test_the_report_shows_ranges_in_the_persons_unit(client, user):
    user.vitd_unit = "nmol/L"
    user.save()
    panel_create(
        user=user, drawn_on=dt.date(2026, 3, 2), lab="", fasting=None, notes="",
        results=[("vitd_25oh", 130, "nmol/L")],
    )  # fmt: skip
    client.force_login(user)
    html = client.get(reverse("dashboard:report")).content.decode()
    assert "100–150 nmol/L" in html  # target 40–60 ng/mL
    assert "75–250 nmol/L" in html  # reference 30–100 ng/mL


@pytest.mark.parametrize("text", ["1,050", "12,500", "999,999"])
def test_a_thousands_separator_is_refused_as_ambiguous(text):
    from django import forms

    with pytest.raises(forms.ValidationError) as caught:
        parse_number(text)
    assert caught.value.code == "ambiguous"


@pytest.mark.parametrize(("text", "value"), [("12,5", 12.5), ("0,825", 0.825), ("1050", 1050)])
def test_a_plain_decimal_comma_still_reads(text, value):
    assert parse_number(text) == value


def test_a_csv_with_decimal_commas_refuses_an_ambiguous_value():
    parsed = parse_results_csv(b"date;analyte;value;unit\n2024-03-01;PTH;1,050;pg/mL\n")
    assert parsed.rows == []
    assert "ambiguous" in parsed.errors[0].message


def test_a_lab_name_longer_than_the_database_column_is_refused_at_preview():
    parsed = parse_results_csv(
        ("date,analyte,value,unit,lab\n2024-03-01,PTH,40,pg/mL," + "x" * 121 + "\n").encode()
    )
    assert parsed.rows == [] and parsed.errors


def test_a_deeply_nested_bundle_is_refused_not_a_crash():
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    node = observation
    for _ in range(300):
        child = {"url": "http://example.org/x"}
        node["extension"] = [child]
        node = child
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": observation}]}
    result = parse_fhir_bundle(json.dumps(bundle).encode())
    assert result.rows == [] and result.error


def test_editing_a_panel_keeps_imported_precision(client, user):
    panel = panel_create(
        user=user, drawn_on=dt.date(2026, 3, 2), lab="", fasting=None, notes="",
        results=[("vitd_25oh", 52.08333333, "ng/mL")],
    )  # fmt: skip
    client.force_login(user)
    html = client.get(reverse("labs:panel-edit", args=[panel.pk])).content.decode()
    assert 'value="52.08333333"' in html


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_store_the_file_once(user):
    # SQLite serialises writers by itself: the race needs PostgreSQL.
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    start = dt.date(2020, 1, 1)
    rows = [
        ImportRow(line=n + 2, drawn_on=start + dt.timedelta(days=n), analyte="vitd_25oh",
                  value=30.0, unit="ng/mL", canonical_value=30.0)
        for n in range(1500)
    ]  # fmt: skip
    barrier = threading.Barrier(2)

    def confirm():
        try:
            barrier.wait()
            results_import(user=user, rows=rows)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Result.objects.filter(user=user).count() == len(rows)


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, user, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(user)
    big = SimpleUploadedFile("results.csv", b"date,analyte,value,unit\n" + b"x" * 4096)
    response = client.post(reverse("labs:import"), {"file": big})
    assert response.status_code == 400
    assert b"Nothing was saved" in response.content
    assert not Result.objects.exists()
