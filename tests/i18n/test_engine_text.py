"""Every sentence the engine writes for a person reads in German on a German page.

The engine writes English (stored as is in the plan JSON); presenters translate at display
time. Plans for random snapshots (and the seed's situations) are computed, and each alert
message, supplement line's reason, form, what-to-take-it-with and retest reason must come out
translated: a new engine sentence that nobody marked or translated fails here.
"""

import pytest
from django.utils import translation
from hypothesis import given, settings

from protocols.engine import compute_plan
from protocols.presenters import engine_text, present_plan
from tests.protocols.test_engine import m, snap
from tests.protocols.test_engine_properties import snapshots

pytestmark = pytest.mark.usefixtures("compiled_translations")


def person_texts(plan) -> list[str]:
    data = plan.to_dict()
    texts = [a["message"] for a in data["alerts"]]
    for line in data["supplements"]:
        texts += [line["reason"], line["form"], line["take_with"]]
    if data.get("retest"):
        texts.append(data["retest"]["reason"])
    return [t for t in texts if t]


def untranslated(plan) -> list[str]:
    with translation.override("de"):
        return [text for text in person_texts(plan) if engine_text(text) == text]


SITUATIONS = [
    pytest.param(snap(m("vitd_25oh", 18), m("mg_rbc", 4.1)), id="both-low"),
    pytest.param(snap(m("vitd_25oh", 45), m("mg_rbc", 6.0)), id="maintenance"),
    pytest.param(
        snap(m("vitd_25oh", 22), m("mg_serum", 1.9), taking={"vitamin_d3": 5000}), id="serum-only"
    ),
    pytest.param(snap(m("vitd_25oh", 120), m("ca_total", 10.8)), id="toxic-and-high-calcium"),
    pytest.param(
        snap(m("vitd_25oh", 30), m("pth_intact", 80), flags={"kidney_disease"}), id="kidney"
    ),
    pytest.param(
        snap(m("vitd_25oh", 25), flags={"pregnant", "anticoagulant"}), id="not-applicable"
    ),
    pytest.param(
        snap(m("vitd_25oh", 75), taking={"vitamin_d3": 10000, "calcium": 1200}), id="above-target"
    ),
]


@pytest.mark.parametrize("snapshot", SITUATIONS)
def test_the_seeds_situations_read_in_german(snapshot):
    assert untranslated(compute_plan(snapshot)) == []


@settings(max_examples=60, deadline=None)
@given(snapshot=snapshots)
def test_any_plan_reads_in_german(snapshot):
    assert untranslated(compute_plan(snapshot)) == []


def test_the_plan_page_words_come_out_german_with_german_numbers():
    plan = compute_plan(snap(m("vitd_25oh", 18), m("mg_rbc", 4.1), taking={"vitamin_d3": 5000}))
    with translation.override("de"):
        pv = present_plan(plan.to_dict())
    d3 = next(line for line in pv.lines if line.nutrient == "vitamin_d3")
    assert d3.form == "D3 (Cholecalciferol), nicht D2"
    assert "Sie nehmen 5.000 IE" in d3.why.reason
    assert all("The protocol's authors" not in a.message for a in pv.warnings + pv.notes)


def test_a_stored_plans_sentences_translate_without_any_plan_being_made():
    """The templates are known at import: a plan stored last month reads German today."""
    with translation.override("de"):
        assert engine_text("maintenance: retest after the 2026-08-23 draw") == (
            "Erhaltung: Kontrolluntersuchung nach der Blutabnahme vom 23. Aug. 2026"
        )
        assert engine_text(
            "Correction: 25(OH)D is below target (moderate); magnesium is below target (mild)."
            " A retest after 8-12 weeks checks the change."
        ).startswith("Aufbau: 25(OH)D liegt unter dem Zielbereich (niedrig); Magnesium")
