"""Imports people really have (issue 11): a German portal export, a US portal export, censored
values — each previews correctly after the mapping step, and importing again adds nothing."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs.analytes import ANALYTES, LOCAL_NAME_LANGUAGES, LOCAL_NAMES, find_analyte
from labs.importers import DAY_FIRST, ColumnMapping, guess_mapping, parse_results_csv
from labs.models import ImportMapping, Result
from labs.services import panel_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What a German lab portal exports: Excel's Windows-1252, semicolons, decimal commas,
# dd.mm.yyyy and German names.
GERMAN = (
    "Datum;Parameter;Ergebnis;Einheit;Referenzbereich\r\n"
    "10.06.2026;25-OH-Vitamin D3;45,5;nmol/l;75 - 250\r\n"
    "10.06.2026;Magnesium (Vollblut);1,45;mmol/l;1,38 - 1,50\r\n"
    "10.06.2026;Parathormon;38,2;ng/l;15 - 65\r\n"
    "02.09.2026;25-OH-Vitamin D3;<10;nmol/l;75 - 250\r\n"
    "02.09.2026;Calcium gesamt;2,41;mmol/l;2,20 - 2,65\r\n"
).encode("cp1252")
# A US portal: one column per test, units in the header, MM/DD/YYYY.
US = (
    b'"Collection Date","Vitamin D, 25-Hydroxy (ng/mL)","Magnesium, RBC (mg/dL)","Comment"\r\n'
    b"03/15/2026,22.4,4.1,fasting\r\n"
    b"04/02/2026,31,,\r\n"
    b'07/30/2026,"> 150",5.2,\r\n'
)
CENSORED = b"date,analyte,value,unit\n2026-01-10,25(OH)D,<10,ng/mL\n2026-01-10,PTH,> 160,pg/mL\n"


def upload(client, data: bytes):
    return client.post(reverse("labs:import"), {"file": SimpleUploadedFile("export.csv", data)})


def apply_mapping(client, response, **changes):
    form = response.context["mapping_form"]
    data = {name: form[name].value() for name in form.fields} | changes
    data = {k: "" if v is None else v for k, v in data.items()}
    return client.post(
        reverse("labs:import"), data | {"mapping_token": response.context["mapping_token"]}
    )


def confirm(client, response):
    return client.post(reverse("labs:import-confirm"), {"token": response.context["token"]})


def stored(user):
    return sorted(
        Result.objects.filter(user=user).values_list(
            "drawn_on", "analyte", "qualifier", "value", "unit"
        )
    )


def test_the_german_portal_export_previews_after_mapping_and_imports_once(client_logged_in, user):
    first = upload(client_logged_in, GERMAN)
    assert first.status_code == 200 and first.context["mapping_form"] is not None
    guess = first.context["parsed"].guess
    assert (guess.date, guess.analyte, guess.value, guess.unit) == (0, 1, 2, 3)
    preview = apply_mapping(client_logged_in, first)
    assert preview.status_code == 200, preview.context["parsed"]
    assert [(r.analyte, r.value, r.unit, r.qualifier) for r in preview.context["new_rows"]] == [
        ("vitd_25oh", 45.5, "nmol/L", ""),
        ("mg_rbc", 1.45, "mmol/L", ""),
        ("pth_intact", 38.2, "ng/L", ""),
        ("vitd_25oh", 10.0, "nmol/L", "<"),
        ("ca_total", 2.41, "mmol/L", ""),
    ]
    confirm(client_logged_in, preview)
    assert stored(user)[0] == (dt.date(2026, 6, 10), "mg_rbc", "", 1.45, "mmol/L")
    assert len(stored(user)) == 5
    # Next time the header is known: straight to the preview, and nothing new to import.
    again = upload(client_logged_in, GERMAN)
    assert "mapping_form" not in again.context
    assert again.context["new_rows"] == [] and again.context["duplicates"] == 5
    confirm(client_logged_in, again)
    assert len(stored(user)) == 5


def test_the_us_portal_export_reads_units_from_the_header(client_logged_in, user):
    first = upload(client_logged_in, US)
    guess = first.context["parsed"].guess
    assert guess.wide and guess.date == 0 and guess.notes == 3
    preview = apply_mapping(client_logged_in, first)
    rows = [(r.drawn_on, r.analyte, r.qualifier, r.value, r.unit, r.notes)
            for r in preview.context["new_rows"]]  # fmt: skip
    assert rows == [
        (dt.date(2026, 3, 15), "vitd_25oh", "", 22.4, "ng/mL", "fasting"),
        (dt.date(2026, 3, 15), "mg_rbc", "", 4.1, "mg/dL", "fasting"),
        (dt.date(2026, 4, 2), "vitd_25oh", "", 31.0, "ng/mL", ""),  # month first, from 03/15
        (dt.date(2026, 7, 30), "vitd_25oh", ">", 150.0, "ng/mL", ""),
        (dt.date(2026, 7, 30), "mg_rbc", "", 5.2, "mg/dL", ""),
    ]
    confirm(client_logged_in, preview)
    again = upload(client_logged_in, US)
    assert again.context["new_rows"] == [] and again.context["duplicates"] == 5


def test_a_file_with_censored_values_imports_their_limits(client_logged_in, user):
    preview = upload(client_logged_in, CENSORED)
    assert [(r.qualifier, r.value) for r in preview.context["new_rows"]] == [("<", 10), (">", 160)]
    confirm(client_logged_in, preview)
    assert [(q, v) for _d, _a, q, v, _u in stored(user)] == [
        (">", 160.0),
        ("<", 10.0),
    ]
    assert upload(client_logged_in, CENSORED).context["new_rows"] == []
    exported = client_logged_in.get(reverse("labs:export-csv")).content.decode()
    assert ",<10,ng/mL" in exported and ",>160,pg/mL" in exported


def test_the_mapping_is_remembered_per_person_and_header(client_logged_in, user):
    apply_mapping(client_logged_in, upload(client_logged_in, GERMAN))
    assert ImportMapping.objects.filter(user=user).count() == 1
    other = UserFactory()
    assert not ImportMapping.objects.filter(user=other).exists()


def test_a_mapping_that_names_no_value_column_is_asked_again(client_logged_in):
    first = upload(client_logged_in, GERMAN)
    response = apply_mapping(client_logged_in, first, value="", unit="")
    assert response.status_code == 400
    assert "Choose the value column." in response.content.decode()
    assert not Result.objects.exists()


def test_dates_that_read_both_ways_ask_day_or_month_first(client_logged_in, user):
    data = b"date,analyte,value,unit\n03/04/2026,PTH,40,pg/mL\n"
    first = upload(client_logged_in, data)
    assert first.context["parsed"].needs_date_order
    preview = apply_mapping(client_logged_in, first, date_order=DAY_FIRST)
    assert preview.context["new_rows"][0].drawn_on == dt.date(2026, 4, 3)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_every_encoding_excel_saves_is_read(encoding, bom):
    text = "date;analyte;value;unit;notes\n2026-03-01;Calcium;9,4;mg/dL;Größe µ\n"
    parsed = parse_results_csv(bom + text.encode(encoding), today=dt.date(2026, 6, 1))
    assert parsed.ok, parsed
    assert (parsed.rows[0].value, parsed.rows[0].notes) == (9.4, "Größe µ")


@pytest.mark.parametrize("code", list(ANALYTES))
def test_every_analyte_has_names_in_five_languages(code):
    assert set(LOCAL_NAMES[code]) == set(LOCAL_NAME_LANGUAGES)
    for names in LOCAL_NAMES[code].values():
        assert names and all(find_analyte(name).code == code for name in names)


def test_a_guess_is_only_a_proposal_for_the_person():
    assert guess_mapping(["Datum", "Parameter", "Ergebnis", "Einheit"]) == ColumnMapping(0, 1, 2, 3)


def test_a_fhir_round_trip_keeps_comparators_and_units(client_logged_in, user):
    panel_create(
        user=user,
        drawn_on=dt.date(2026, 3, 1),
        results=[("vitd_25oh", 10, "nmol/L", "<"), ("pth_intact", 160, "ng/L", ">"),
                 ("mg_rbc", 2.3, "mmol/L")],
    )  # fmt: skip
    bundle = client_logged_in.get(reverse("labs:export-fhir")).content
    quantities = [e["resource"]["valueQuantity"] for e in json.loads(bundle)["entry"]]
    assert {q.get("comparator") for q in quantities} == {"<", ">", None}
    newcomer = UserFactory()
    client_logged_in.force_login(newcomer)
    preview = client_logged_in.post(
        reverse("labs:import-fhir"), {"file": SimpleUploadedFile("b.json", bundle)}
    )
    client_logged_in.post(reverse("labs:import-fhir-confirm"), {"token": preview.context["token"]})
    assert stored(newcomer) == stored(user)


def test_pages_show_a_censored_result_as_the_lab_printed_it(client_logged_in, user):
    panel = panel_create(
        user=user, drawn_on=dt.date(2026, 3, 1), results=[("vitd_25oh", 10, "ng/mL", "<")]
    )
    for url in (reverse("labs:panel-detail", args=[panel.pk]), reverse("labs:panel-list")):
        assert "&lt; 10" in client_logged_in.get(url).content.decode()
    trends = client_logged_in.get(reverse("dashboard:trends"), {"analyte": "vitd_25oh"})
    assert "&lt; 10" in trends.content.decode()


@pytest.mark.usefixtures("compiled_translations")
def test_import_problems_are_shown_in_the_persons_language(client_logged_in, user):
    user.language = "de"
    user.save()
    data = "Datum;Parameter;Ergebnis;Einheit\n31.02.2026;Ferritin;viel;µg/l\n".encode("cp1252")
    first = upload(client_logged_in, data)
    html = apply_mapping(client_logged_in, first).content.decode()
    assert "Zeile 2" in html
    assert "Datum „31.02.2026“ gibt es nicht" in html
    assert "unbekannter Laborwert „Ferritin“" in html
    assert "Wert „viel“ ist keine Zahl" in html


def test_a_wide_file_without_units_in_its_header_is_asked_to_map_columns():
    data = b"Date,Vitamin D,RBC Magnesium\n2026-03-01,30,4.5\n"
    parsed = parse_results_csv(data, today=dt.date(2026, 6, 1))
    assert parsed.needs_mapping and parsed.guess.wide
    parsed = parse_results_csv(data, mapping=parsed.guess, today=dt.date(2026, 6, 1))
    assert parsed.needs_mapping  # the guess cannot be used: no unit anywhere
