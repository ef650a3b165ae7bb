import re

import pytest

from labs.analytes import (
    ABOVE_TARGET,
    ANALYTES,
    BELOW_TARGET,
    HIGH,
    IN_TARGET,
    LOW,
    SEED_RULE_SET,
    TARGETS,
    WITHIN_LIMITS_RULE_SET,
    by_loinc,
    find_analyte,
    status,
    target,
)

EXPECTED_CODES = {
    "vitd_25oh",
    "vitd_125",
    "mg_rbc",
    "mg_serum",
    "pth_intact",
    "ca_total",
    "ca_ionized",
    "albumin",
    "phosphate",
    "creatinine",
    "egfr",
}

# CLINICAL.md §1, every LOINC code listed per analyte.
CLINICAL_LOINC = {
    "vitd_25oh": {"62292-8", "1989-3", "14635-7"},
    "vitd_125": {"62290-2", "1649-3", "14566-4"},
    "mg_rbc": {"26746-8"},
    "mg_serum": {"19123-9", "2601-3"},
    "ca_total": {"17861-6", "2000-8"},
    "ca_ionized": {"17864-0", "17863-2", "1995-0", "1994-3"},
    "pth_intact": {"2731-8", "14866-8"},
    "albumin": {"1751-7"},
    "phosphate": {"2777-1", "14879-1"},
    "creatinine": {"2160-0"},
    "egfr": {"98979-8", "62238-1", "33914-3"},
}
CANONICAL_UNITS = {
    "vitd_25oh": "ng/mL",
    "vitd_125": "pg/mL",
    "mg_rbc": "mg/dL",
    "mg_serum": "mg/dL",
    "pth_intact": "pg/mL",
    "ca_total": "mg/dL",
    "ca_ionized": "mg/dL",
    "albumin": "g/dL",
    "phosphate": "mg/dL",
    "creatinine": "mg/dL",
    "egfr": "mL/min/1.73m2",
}
SEED_TARGETS = {
    "vitd_25oh": (40, 60),
    "mg_rbc": (5.5, 6.5),
    "pth_intact": (15, 50),
    "ca_total": (9.0, 10.5),
    "ca_ionized": (4.5, 5.3),
}


def test_the_catalog_holds_exactly_the_specified_analytes():
    assert set(ANALYTES) == EXPECTED_CODES
    assert all(code == a.code for code, a in ANALYTES.items())


def test_loinc_codes_and_canonical_units_match_clinical():
    for code, analyte in ANALYTES.items():
        assert set(analyte.loinc) == CLINICAL_LOINC[code]
        assert analyte.canonical_unit == CANONICAL_UNITS[code]
        assert analyte.units[analyte.canonical_unit] == 1.0


def test_primary_loinc_is_the_first_listed_mass_code():
    assert ANALYTES["vitd_25oh"].loinc[0] == "62292-8"
    assert ANALYTES["ca_total"].loinc[0] == "17861-6"
    assert ANALYTES["mg_serum"].loinc[0] == "19123-9"
    assert ANALYTES["egfr"].loinc[0] == "98979-8"


def test_seed_targets():
    assert TARGETS[SEED_RULE_SET] == SEED_TARGETS
    assert {code: target(code, SEED_RULE_SET) for code in SEED_TARGETS} == SEED_TARGETS


def test_within_limits_aims_25ohd_at_30_to_50_and_the_rest_like_the_seed():
    assert TARGETS[WITHIN_LIMITS_RULE_SET] == {**SEED_TARGETS, "vitd_25oh": (30, 50)}


def test_ranges_are_ordered_and_inside_plausible_bounds():
    for analyte in ANALYTES.values():
        low, high = analyte.plausible
        assert 0 < low < high
        aims = [TARGETS[rule_set].get(analyte.code) for rule_set in TARGETS]
        for bounds in (analyte.reference, *aims):
            if bounds:
                assert low < bounds[0] < bounds[1] < high, analyte.code


def test_plausible_bounds_reject_typos():
    assert ANALYTES["vitd_25oh"].plausible == (1, 250)  # 2,200 ng/mL is an error
    assert ANALYTES["mg_rbc"].plausible == (1, 15)


def test_the_catalog_is_frozen_and_hashable():
    analyte = ANALYTES["vitd_25oh"]
    with pytest.raises(AttributeError):
        analyte.code = "x"
    assert {analyte: 1}[analyte] == 1


def test_each_loinc_code_belongs_to_one_analyte():
    codes = [c for a in ANALYTES.values() for c in a.loinc]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"\d{1,7}-\d", c) for c in codes)


@pytest.mark.parametrize(
    ("loinc", "code"),
    [
        ("62292-8", "vitd_25oh"),
        ("1989-3", "vitd_25oh"),
        ("2601-3", "mg_serum"),
        ("33914-3", "egfr"),
    ],
)
def test_by_loinc(loinc, code):
    assert by_loinc(loinc).code == code


def test_by_loinc_returns_none_for_unknown_codes():
    assert by_loinc("2345-7") is None  # glucose


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("vitd_25oh", "vitd_25oh"),
        ("VITD_25OH", "vitd_25oh"),
        ("Vitamin D 25-OH", "vitd_25oh"),
        ("25-OH Vitamin D", "vitd_25oh"),
        ("25(OH)D", "vitd_25oh"),
        ("25 oh d", "vitd_25oh"),
        ("1,25(OH)2D", "vitd_125"),
        ("Magnesium, RBC", "mg_rbc"),
        ("RBC Magnesium", "mg_rbc"),
        ("Magnesium", "mg_serum"),
        ("PTH", "pth_intact"),
        ("Calcium", "ca_total"),
        ("Ionized calcium", "ca_ionized"),
        ("Phosphorus", "phosphate"),
        ("eGFR", "egfr"),
        ("62292-8", "vitd_25oh"),
    ],
)
def test_find_analyte(text, code):
    assert find_analyte(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "Ferritin", "Vitamin", "B12"])
def test_find_analyte_never_guesses(text):
    assert find_analyte(text) is None


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        pytest.param("vitd_25oh", 15, LOW, id="25ohd-below-reference"),
        pytest.param("vitd_25oh", 35, BELOW_TARGET, id="25ohd-below-target"),
        pytest.param("vitd_25oh", 40, IN_TARGET, id="25ohd-target-edge"),
        pytest.param("vitd_25oh", 50, IN_TARGET, id="25ohd-in-target"),
        pytest.param("vitd_25oh", 80, ABOVE_TARGET, id="25ohd-above-target"),
        pytest.param("vitd_25oh", 120, HIGH, id="25ohd-above-reference"),
        pytest.param("mg_rbc", 4.0, LOW, id="rbc-mg-low"),
        pytest.param("mg_rbc", 4.8, BELOW_TARGET, id="rbc-mg-below-target"),
        pytest.param("mg_rbc", 6.0, IN_TARGET, id="rbc-mg-in-target"),
        pytest.param("pth_intact", 55, ABOVE_TARGET, id="pth-above-target"),
        pytest.param("pth_intact", 70, HIGH, id="pth-high"),
        # Within the seed target but above the lab's upper limit: never "in target".
        pytest.param("ca_total", 10.3, HIGH, id="ca-above-lab-limit-in-target"),
        pytest.param("ca_ionized", 4.52, LOW, id="ica-below-lab-limit-in-target"),
        pytest.param("ca_total", 9.5, IN_TARGET, id="ca-in-target"),
        pytest.param("ca_total", 8.8, BELOW_TARGET, id="ca-below-target"),
        pytest.param("mg_serum", 1.5, LOW, id="serum-mg-no-target-low"),
        pytest.param("mg_serum", 2.0, IN_TARGET, id="serum-mg-no-target-in-range"),
        pytest.param("mg_serum", 2.6, HIGH, id="serum-mg-no-target-high"),
        pytest.param("creatinine", 1.0, None, id="no-range"),
        pytest.param("egfr", 25, None, id="egfr-no-range"),
    ],
)
def test_status(code, value, expected):
    assert status(ANALYTES[code], value, rule_set=SEED_RULE_SET) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(25, LOW), (30, IN_TARGET), (35, IN_TARGET), (50, IN_TARGET), (55, ABOVE_TARGET)],
)
def test_within_limits_badges_25ohd_against_30_to_50(value, expected):
    assert status(ANALYTES["vitd_25oh"], value, rule_set=WITHIN_LIMITS_RULE_SET) == expected
