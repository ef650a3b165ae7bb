"""The requisition: what to order and how to prepare, from the catalog (pure, no database)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labs.analytes import ANALYTES, SPECIMEN_LABELS, WHOLE_BLOOD
from labs.requisition import pre_draw_checklist, requisition_lines


def test_rbc_magnesium_is_ordered_as_a_whole_blood_test_with_its_loinc_code():
    (line,) = requisition_lines(["mg_rbc"])
    assert line.loinc == "26746-8"
    assert line.specimen == SPECIMEN_LABELS[WHOLE_BLOOD]
    assert "serum" not in line.specimen


def test_25ohd_asks_to_pause_biotin_and_keep_the_routine_but_not_for_a_morning_pth():
    ids = [a.id for a in pre_draw_checklist(["vitd_25oh", "mg_rbc"])]
    assert "biotin" in ids and "vitd_routine" in ids
    assert "pth_morning" not in ids


def test_pth_asks_for_a_morning_draw_and_no_biotin():
    ids = [a.id for a in pre_draw_checklist(["pth_intact"])]
    assert "pth_morning" in ids and "biotin" in ids and "vitd_routine" not in ids


def test_magnesium_alone_needs_no_biotin_pause():
    ids = [a.id for a in pre_draw_checklist(["mg_rbc", "ca_total"])]
    assert "biotin" not in ids and "same_lab" in ids


def test_nothing_ordered_means_no_checklist_and_unknown_codes_are_left_out():
    assert pre_draw_checklist([]) == []
    assert requisition_lines(["not_a_test"]) == []


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*ANALYTES, "unknown"]), max_size=12))
def test_the_sheet_lists_each_known_test_once_in_the_plans_order(codes):
    lines = requisition_lines(codes)
    expected = [c for c in dict.fromkeys(codes) if c in ANALYTES]
    assert [line.code for line in lines] == expected
    assert [line.loinc for line in lines] == [ANALYTES[c].loinc[0] for c in expected]
    biotin = any(a.id == "biotin" for a in pre_draw_checklist(codes))
    assert biotin == any(ANALYTES[c].immunoassay for c in expected)
