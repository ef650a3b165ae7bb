"""protocols.forms and the plan command read numbers with labs.validation (issue 11)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from protocols.engine import compute_plan
from protocols.forms import SupplementIntakeForm, WhatIfForm

AS_OF = "2026-03-05"


def _without_values(plan: dict) -> dict:
    """The plan apart from the exact marker values (45.5 nmol/L is 18.229… ng/mL)."""
    markers = {c: {k: v for k, v in m.items() if k != "value"} for c, m in plan["markers"].items()}
    return plan | {"markers": markers}


def _plan(data: dict) -> dict:
    form = WhatIfForm(data)
    assert form.is_valid(), form.errors
    from datetime import date

    return compute_plan(form.snapshot(as_of=date(2026, 3, 5))).to_dict()


@pytest.mark.parametrize("language", ["de", "en-gb", "en"])
def test_45_comma_5_nmol_gives_the_plan_of_18_2_ng(language):
    with translation.override(language):
        comma = _plan({"vitd_25oh": "45,5", "vitd_25oh_unit": "nmol/L"})
    assert comma == _plan({"vitd_25oh": "45.5", "vitd_25oh_unit": "nmol/L"})
    point = _plan({"vitd_25oh": "18.2", "vitd_25oh_unit": "ng/mL"})
    assert _without_values(comma) == _without_values(point)
    assert not any(a["level"] in ("stop", "urgent") for a in comma["alerts"])


def test_the_what_if_page_shows_back_how_a_value_was_read_before_the_plan(client):
    response = client.post(
        reverse("protocols:what-if"), {"vitd_25oh": "45,5", "vitd_25oh_unit": "nmol/L"}
    )
    html = response.content.decode()
    echo = "You typed 45,5 nmol/L = 18.2 ng/mL"
    assert echo in html
    assert html.index(echo) < html.index("disclaimer")  # before the plan and its alerts


@pytest.mark.parametrize("text", ["３２", "٣٢", "3_2", "1e1"])
def test_the_what_if_form_reads_only_ascii_digits(text):
    form = WhatIfForm({"vitd_25oh": text, "vitd_25oh_unit": "ng/mL"})
    assert not form.is_valid() and "vitd_25oh" in form.errors


def _cli(*args: str) -> dict:
    out = io.StringIO()
    call_command("plan", *args, "--as-of", AS_OF, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_plan_command_reads_a_decimal_comma_like_the_forms():
    assert _cli("--result", "vitd_25oh=45,5:nmol/L") == _cli("--result", "vitd_25oh=45.5:nmol/L")


@pytest.mark.parametrize("value", ["３２", "3_2", "1,050"])
def test_the_plan_command_refuses_what_the_forms_refuse(value):
    with pytest.raises(CommandError):
        _cli("--result", f"pth_intact={value}:pg/mL")


@pytest.mark.django_db
def test_a_stored_censored_result_reaches_the_engine_snapshot_with_its_qualifier(user):
    from datetime import date

    from labs.services import panel_create
    from protocols.services import snapshot_for_user, snapshot_to_dict

    panel_create(user=user, drawn_on=date(2026, 3, 1), results=[("vitd_25oh", 10, "ng/mL", "<")])
    snapshot = snapshot_for_user(user, as_of=date(2026, 3, 5))
    (measurement,) = snapshot.results["vitd_25oh"]
    assert (measurement.value, measurement.qualifier) == (10.0, "<")
    assert snapshot_to_dict(snapshot)["results"]["vitd_25oh"][0]["qualifier"] == "<"


def test_a_censored_what_if_value_reaches_the_snapshot():
    from datetime import date

    form = WhatIfForm({"vitd_25oh": "<10", "vitd_25oh_unit": "ng/mL"})
    assert form.is_valid(), form.errors
    (measurement,) = form.snapshot(as_of=date(2026, 3, 5)).results["vitd_25oh"]
    assert measurement.qualifier == "<"


def test_the_supplement_form_is_labelled_in_german():
    """The supplement page read 'Nutrient*' and 'Unit*' among German labels."""
    with translation.override("de"):
        form = SupplementIntakeForm(user=None)
        labels = {name: str(field.label) for name, field in form.fields.items()}
    assert labels["nutrient"] == "Nährstoff" and labels["unit"] == "Einheit"
    assert labels["since"] == "Eingenommen seit"
