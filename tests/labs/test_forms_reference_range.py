"""The entry form and quick add take the lab's printed range (optional) and keep it."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from labs import services
from labs.forms import PanelEntry, ResultRowForm
from labs.models import Result
from labs.validation import ReferenceRange

TODAY = dt.date(2026, 3, 10)


def row_form(**fields) -> ResultRowForm:
    form = ResultRowForm({"analyte": "ca_total", "value": "10,1", "unit": "mg/dL", **fields})
    form.is_valid()
    return form


def test_a_typed_range_and_flag_are_read_with_the_strict_parser():
    form = row_form(ref_range="8,6 – 10,2", ref_flag="H")
    assert form.errors == {}
    assert form.cleaned_data["reference"] == ReferenceRange(8.6, 10.2, "H")


def test_the_range_is_optional():
    form = row_form()
    assert form.errors == {}
    assert form.cleaned_data["reference"] == ReferenceRange()


@pytest.mark.parametrize(
    ("typed", "words"),
    [("10.2-8.6", "is above the upper"), ("eight to ten", "is not a range"),
     ("8.6-1020", "impossible")],
)  # fmt: skip
def test_a_bad_range_is_an_error_next_to_the_range(typed, words):
    assert words in row_form(ref_range=typed).errors["ref_range"][0]


def test_a_bad_range_reads_in_german(compiled_translations):
    with translation.override("de"):
        assert "liegt über der oberen" in row_form(ref_range="10,2-8,6").errors["ref_range"][0]


def test_the_panel_entry_gives_the_range_with_its_row():
    data = QueryDict(mutable=True)
    data.update({"drawn_on": "2026-03-01"})
    for key, analyte, value, unit, ref in [
        ("a", "ca_total", "10.1", "mg/dL", "8.6-10.0"),
        ("b", "vitd_25oh", "30", "ng/mL", ""),
    ]:
        for name, item in zip(("row", "analyte", "value", "unit", "ref_range", "ref_flag"),
                              (key, analyte, value, unit, ref, ""), strict=False):  # fmt: skip
            data.appendlist(name, item)
    entry = PanelEntry(data, today=TODAY)
    assert entry.is_valid()
    calcium, vitd = entry.results()
    assert calcium == ("ca_total", 10.1, "mg/dL", "", ReferenceRange(8.6, 10.0))
    assert vitd == ("vitd_25oh", 30.0, "ng/mL")


@pytest.mark.django_db
def test_the_entry_page_saves_the_range_and_the_edit_page_shows_it_back(client, user):
    client.force_login(user)
    today = timezone.localdate()
    data = {"drawn_on": today.isoformat(), "row": "a", "analyte": "ca_total", "value": "2,6",
            "unit": "mmol/L", "ref_range": "2,15-2,55", "ref_flag": "H"}  # fmt: skip
    response = client.post(reverse("labs:panel-create"), data)
    assert response.status_code == 302
    result = Result.objects.get(user=user)
    assert (result.ref_low, result.ref_high, result.ref_flag) == (2.15, 2.55, "H")
    edit = client.get(reverse("labs:panel-edit", args=[result.panel_id])).content.decode()
    assert 'value="2.15-2.55"' in edit
    assert '<option value="H" selected>' in edit


@pytest.mark.django_db
def test_a_bad_range_saves_nothing_and_says_why(client, user):
    client.force_login(user)
    data = {"drawn_on": timezone.localdate().isoformat(), "row": "a", "analyte": "ca_total",
            "value": "9.9", "unit": "mg/dL", "ref_range": "10.2-8.6"}  # fmt: skip
    response = client.post(reverse("labs:panel-create"), data)
    assert response.status_code == 200
    assert 'data-testid="range-error"' in response.content.decode()
    assert not Result.objects.exists()


@pytest.mark.django_db
def test_quick_add_takes_a_range_and_keeps_the_others_of_the_panel(client, user):
    day = timezone.localdate() - dt.timedelta(days=1)
    calcium = services.ResultInput("ca_total", 9.9, "mg/dL", reference=ReferenceRange(8.6, 10.0))
    services.panel_create(user=user, drawn_on=day, results=[calcium])
    client.force_login(user)
    data = {"drawn_on": day.isoformat(), "analyte": "vitd_25oh", "value": "31", "unit": "ng/mL",
            "ref_range": "30-100", "next": "/trends/"}  # fmt: skip
    assert client.post(reverse("labs:quick-result"), data).status_code == 302
    ranges = dict(
        Result.objects.filter(user=user).values_list("analyte", "ref_high").order_by("analyte")
    )
    assert ranges == {"ca_total": 10.0, "vitd_25oh": 100.0}


def test_a_row_with_only_a_range_is_that_rows_error():
    data = QueryDict(mutable=True)
    data.update({"drawn_on": "2026-03-01"})
    for name, item in (("row", "a"), ("analyte", ""), ("value", ""), ("unit", ""),
                       ("ref_range", "8.6-10.2")):  # fmt: skip
        data.appendlist(name, item)
    entry = PanelEntry(data, today=TODAY)
    assert not entry.is_valid()
    assert entry.errors == []  # not "enter at least one result": the row says what is missing
    assert entry.rows[0].form.errors["analyte"]
