"""A person's own markers: defined, entered on panels, charted, imported and exported,
never read by the plan, and private to the person."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.exports import account_zip
from labs import markers_services, services
from labs.analytes import find_analyte
from labs.markers import (
    MarkerError,
    MarkerSpec,
    MarkerValue,
    check_definition,
    check_loinc,
    check_name,
    marker_key,
    match_marker,
    read_value,
)
from labs.models import Marker, MarkerResult, Panel
from labs.validation import AmbiguousNumber, ReferenceRange
from protocols.services import snapshot_for_user
from tests.accounts.test_export import round_trip
from tests.factories import PASSWORD
from tests.labs.test_import_export import confirm, import_csv, upload

SPECS = [MarkerSpec(1, "Ferritin", "ng/mL", "2276-4"), MarkerSpec(2, "Homocystein", "µmol/L")]


# --- pure: matching and checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "loinc", "found"),
    [("ferritin", "", 1), ("FERRITIN ", "", 1), ("Homocystein", "", 2), ("homo-cystein", "", 2),
     ("Serum iron", "2276-4", 1), ("Transferrin", "", None), ("", "", None)],
)  # fmt: skip
def test_a_row_matches_a_marker_by_loinc_first_then_by_name(name, loinc, found):
    marker = match_marker(SPECS, name=name, loinc=loinc)
    assert (marker.id if marker else None) == found


@given(st.text(max_size=40))
def test_the_name_key_is_stable(name):
    assert marker_key(marker_key(name)) == marker_key(name)


def test_the_catalog_wins_over_a_custom_marker():
    with pytest.raises(MarkerError, match="already knows"):
        check_name("25-OH Vitamin D")
    with pytest.raises(MarkerError, match="LOINC code of"):
        check_loinc("1989-3")
    assert check_loinc("") == ""
    with pytest.raises(MarkerError):
        check_loinc("12345")


def test_a_definition_reads_its_range_with_the_strict_parser():
    definition = check_definition("Ferritin", "ng/mL", "30 - 400", decimal_separator=",")
    assert definition.reference == ReferenceRange(30.0, 400.0)


def test_values_are_read_strictly_without_bounds():
    assert read_value("12,5") == (12.5, "")
    assert read_value("< 3") == (3.0, "<")
    with pytest.raises(AmbiguousNumber):
        read_value("1,050")


# --- writes, pages, ownership -------------------------------------------------------------


@pytest.fixture
def ferritin(user):
    definition = check_definition("Ferritin", "ng/mL", "30-400", "2276-4")
    return markers_services.marker_create(user=user, definition=definition)


@pytest.mark.django_db
def test_a_marker_is_defined_on_its_page_and_a_name_cannot_be_taken_twice(client, user):
    client.force_login(user)
    data = {"name": "Ferritin", "unit": "ng/mL", "ref_range": "30-400", "loinc": ""}
    assert client.post(reverse("labs:marker-list"), data).status_code == 302
    again = client.post(reverse("labs:marker-list"), data | {"name": "ferritin"})
    assert again.status_code == 200
    assert "already have a marker of that name" in again.content.decode()
    page = client.get(reverse("labs:marker-list")).content.decode()
    assert "never feed the plan" in page
    assert Marker.objects.get(user=user).ref_high == 400


@pytest.mark.parametrize("name", ["25(OH)D3", "25-OH-D3", "25-OH-Vitamin D3"])
def test_a_vitamin_d3_name_is_the_catalogs_not_an_own_marker(name):
    """'25(OH)D3' was taken as an own marker (charted, never read by the plan) while
    '25-OH-Vitamin D3' was the catalog's 25(OH)D."""
    assert find_analyte(name).code == "vitd_25oh"
    with pytest.raises(MarkerError):
        check_name(name)


@pytest.mark.django_db
def test_a_catalog_name_is_refused_naming_the_analyte_in_the_pages_language(client, user):
    """A German page said 'Cofactor kennt diesen Laborwert bereits als RBC Mg'."""
    client.force_login(user)
    data = {"name": "Magnesium im Vollblut", "unit": "mmol/L", "ref_range": "", "loinc": ""}
    page = client.post(reverse("labs:marker-list"), data, HTTP_ACCEPT_LANGUAGE="de").content
    assert "bereits als Erythrozyten-Mg;" in page.decode()
    data |= {"name": "Eigenwert", "loinc": "2000-8"}  # calcium's LOINC code
    page = client.post(reverse("labs:marker-list"), data, HTTP_ACCEPT_LANGUAGE="de").content
    assert "RBC Mg" not in page.decode() and "Calcium" in page.decode()
    assert not Marker.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_value_entered_on_the_panel_form_is_charted_with_its_printed_range(
    client, user, ferritin
):
    client.force_login(user)
    form = client.get(reverse("labs:panel-create")).content.decode()
    assert f'name="m{ferritin.pk}-value"' in form
    day = timezone.localdate() - dt.timedelta(days=2)
    data = {"drawn_on": day.isoformat(), f"m{ferritin.pk}-value": "85,5",
            f"m{ferritin.pk}-ref_range": "15-150", f"m{ferritin.pk}-ref_flag": ""}  # fmt: skip
    response = client.post(reverse("labs:panel-create"), data)
    assert response.status_code == 302  # a panel of own markers only is a panel
    value = MarkerResult.objects.get(user=user)
    assert (value.value, value.ref_low, value.ref_high) == (85.5, 15, 150)
    detail = client.get(response["Location"]).content.decode()
    assert "Ferritin" in detail and "15–150 ng/mL" in detail
    chart = client.get(reverse("labs:marker-detail", args=[ferritin.pk])).content.decode()
    figure = json.loads(chart.split('id="marker-figure" type="application/json">')[1].split("<")[0])
    assert figure["data"][0]["y"] == [85.5]
    (band,) = figure["layout"]["shapes"]
    assert (band["y0"], band["y1"]) == (15, 150)  # the lab's range, not the usual 30-400
    assert "never feeds the plan" in chart


@pytest.mark.django_db
def test_the_edit_form_shows_the_values_back_and_a_blank_removes_one(client, user, ferritin):
    panel = services.panel_create(
        user=user, drawn_on=dt.date(2025, 6, 1), results=[("vitd_25oh", 30, "ng/mL")],
        markers=[MarkerValue(ferritin.pk, 80)],
    )  # fmt: skip
    client.force_login(user)
    edit = client.get(reverse("labs:panel-edit", args=[panel.pk])).content.decode()
    assert 'value="80"' in edit
    data = {"drawn_on": "2025-06-01", "row": "a", "analyte": "vitd_25oh", "value": "30",
            "unit": "ng/mL", f"m{ferritin.pk}-value": ""}  # fmt: skip
    assert client.post(reverse("labs:panel-edit", args=[panel.pk]), data).status_code == 302
    assert not MarkerResult.objects.exists()


@pytest.mark.django_db
def test_a_bad_marker_value_saves_nothing(client, user, ferritin):
    client.force_login(user)
    data = {"drawn_on": "2025-06-01", f"m{ferritin.pk}-value": "-4"}
    response = client.post(reverse("labs:panel-create"), data)
    assert response.status_code == 200
    assert "greater than 0" in response.content.decode()
    assert not Panel.objects.exists()


@pytest.mark.django_db
def test_another_persons_marker_is_404_and_cannot_be_written(client, user, other_user, ferritin):
    client.force_login(other_user)
    for name in ("labs:marker-detail", "labs:marker-delete"):
        assert client.get(reverse(name, args=[ferritin.pk])).status_code == 404
        assert client.post(reverse(name, args=[ferritin.pk])).status_code == 404
    with pytest.raises(ValueError, match="not the person's marker"):
        services.panel_create(
            user=other_user, drawn_on=dt.date(2025, 6, 1), results=[],
            markers=[MarkerValue(ferritin.pk, 80)],
        )  # fmt: skip
    assert not Panel.objects.filter(user=other_user).exists()
    assert "Ferritin" not in client.get(reverse("labs:panel-create")).content.decode()


@pytest.mark.django_db
def test_a_marker_never_reaches_the_plans_snapshot(user, ferritin):
    services.panel_create(
        user=user, drawn_on=dt.date(2025, 6, 1), results=[("vitd_25oh", 30, "ng/mL")],
        markers=[MarkerValue(ferritin.pk, 80)],
    )  # fmt: skip
    snapshot = snapshot_for_user(user, as_of=dt.date(2025, 6, 10))
    assert set(snapshot.results) == {"vitd_25oh"}


@pytest.mark.django_db
def test_deleting_a_marker_deletes_its_values_and_panels_left_empty(client, user, ferritin):
    services.panel_create(
        user=user, drawn_on=dt.date(2025, 6, 1), results=[], markers=[MarkerValue(ferritin.pk, 80)]
    )
    client.force_login(user)
    page = client.get(reverse("labs:marker-delete", args=[ferritin.pk])).content.decode()
    assert "1 value" in page
    assert client.post(reverse("labs:marker-delete", args=[ferritin.pk])).status_code == 302
    assert not Marker.objects.exists() and not Panel.objects.exists()


# --- imports and exports ------------------------------------------------------------------------


@pytest.fixture
def history(user, ferritin):
    services.panel_create(
        user=user, drawn_on=dt.date(2025, 1, 10), results=[("vitd_25oh", 22, "ng/mL")],
        markers=[MarkerValue(ferritin.pk, 45, reference=ReferenceRange(15, 150, "L"))],
        lab="Quest",
    )  # fmt: skip
    services.panel_create(
        user=user, drawn_on=dt.date(2025, 6, 1), results=[],
        markers=[MarkerValue(ferritin.pk, 120, "")],
    )  # fmt: skip


def stored_markers(user) -> list[tuple]:
    return sorted(
        MarkerResult.objects.filter(user=user).values_list(
            "drawn_on", "marker__name", "value", "qualifier", "ref_low", "ref_high", "ref_flag"
        )
    )


@pytest.mark.django_db
def test_csv_export_and_reimport_round_trip_custom_markers(client, user, history):
    client.force_login(user)
    before = stored_markers(user)
    exported = client.get(reverse("labs:export-csv")).content
    assert b"2025-01-10,Ferritin,45,ng/mL,Quest,,15,150,L" in exported
    Panel.objects.filter(user=user).delete()
    import_csv(client, exported)
    assert stored_markers(user) == before
    import_csv(client, exported)  # again: everything is already stored
    assert stored_markers(user) == before


@pytest.mark.django_db
def test_fhir_export_and_reimport_round_trip_custom_markers(client, user, history):
    client.force_login(user)
    before = stored_markers(user)
    exported = client.get(reverse("labs:export-fhir")).content
    codes = [e["resource"]["code"] for e in json.loads(exported)["entry"]]
    assert {
        "text": "Ferritin",
        "coding": [{"system": "http://loinc.org", "code": "2276-4", "display": "Ferritin"}],
    } in codes
    Panel.objects.filter(user=user).delete()
    preview = upload(client, exported, "fhir.json", "labs:import-fhir")
    assert "Ferritin" in preview.content.decode()
    confirm(client, preview, "labs:import-fhir-confirm")
    assert stored_markers(user) == before


@pytest.mark.django_db
def test_a_csv_row_in_another_unit_than_the_markers_is_a_numbered_problem(client, user, ferritin):
    client.force_login(user)
    data = b"date,analyte,value,unit\n2025-06-01,Ferritin,80,ug/L\n"
    preview = upload(client, data)
    assert preview.status_code == 400
    assert "not the unit of your marker Ferritin" in preview.content.decode()


@pytest.mark.django_db
def test_a_changed_value_on_a_stored_date_is_a_conflict(client, user, history):
    client.force_login(user)
    data = b"date,analyte,value,unit\n2025-06-01,Ferritin,99,ng/mL\n"
    preview = upload(client, data)
    assert "already stored as 120 ng/mL" in preview.content.decode()


@pytest.mark.django_db
def test_another_persons_marker_names_are_not_matched(client, other_user, history):
    client.force_login(other_user)
    data = b"date,analyte,value,unit\n2025-06-01,Ferritin,80,ng/mL\n"
    assert "unknown analyte" in upload(client, data).content.decode()


@pytest.mark.django_db
def test_the_account_zip_and_its_reimport_carry_markers(user, history):
    with zipfile.ZipFile(io.BytesIO(account_zip(user))) as archive:
        document = json.loads(archive.read("account.json"))
        assert b"Ferritin" in archive.read("results.csv")
        assert b"Ferritin" in archive.read("results.fhir.json")
    assert [m["name"] for m in document["rows"]["labs.Marker"]] == ["Ferritin"]
    assert len(document["rows"]["labs.MarkerResult"]) == 2
    original, copy = round_trip(user)
    assert copy["rows"]["labs.MarkerResult"] and len(copy["rows"]["labs.MarkerResult"]) == 2


@pytest.mark.django_db
def test_deleting_the_account_deletes_its_markers(client, user, history):
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not Marker.objects.exists() and not MarkerResult.objects.exists()
