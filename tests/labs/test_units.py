import pytest

from labs.analytes import ANALYTES
from labs.units import (
    UnknownAnalyte,
    UnknownUnit,
    from_canonical,
    from_ucum,
    normalize_unit,
    to_canonical,
    to_ucum,
    units_for,
)

# Written out from CLINICAL.md §1, independently of the catalog: (analyte, unit,
# operation, number) where canonical = value ÷ number or value × number.
DIV, MUL = "÷", "×"
CLINICAL_FACTORS = [
    ("vitd_25oh", "ng/mL", MUL, 1),
    ("vitd_25oh", "nmol/L", DIV, 2.496),
    ("vitd_125", "pg/mL", MUL, 1),
    ("vitd_125", "pmol/L", DIV, 2.400),
    ("mg_rbc", "mg/dL", MUL, 1),
    ("mg_rbc", "mmol/L", DIV, 0.4114),
    ("mg_rbc", "mEq/L", DIV, 0.8229),
    ("mg_serum", "mg/dL", MUL, 1),
    ("mg_serum", "mmol/L", DIV, 0.4114),
    ("mg_serum", "mEq/L", DIV, 0.8229),
    ("ca_total", "mg/dL", MUL, 1),
    ("ca_total", "mmol/L", DIV, 0.2495),
    ("ca_total", "mEq/L", DIV, 0.4990),
    ("ca_ionized", "mg/dL", MUL, 1),
    ("ca_ionized", "mmol/L", DIV, 0.2495),
    ("pth_intact", "pg/mL", MUL, 1),
    ("pth_intact", "ng/L", MUL, 1),
    ("pth_intact", "pmol/L", MUL, 9.425),
    ("albumin", "g/dL", MUL, 1),
    ("albumin", "g/L", DIV, 10),
    ("phosphate", "mg/dL", MUL, 1),
    ("phosphate", "mmol/L", DIV, 0.3229),
    ("creatinine", "mg/dL", MUL, 1),
    ("creatinine", "µmol/L", DIV, 88.4),
    ("egfr", "mL/min/1.73m2", MUL, 1),
]
VALUES = [0.37, 1, 2.4, 12, 47.5, 125, 980]


def _expected(value: float, op: str, number: float) -> float:
    return value / number if op == DIV else value * number


def test_the_table_covers_every_accepted_unit_of_every_analyte():
    from_table = {(code, unit) for code, unit, _, _ in CLINICAL_FACTORS}
    from_catalog = {(a.code, u) for a in ANALYTES.values() for u in a.units}
    assert from_catalog == from_table


@pytest.mark.parametrize(
    ("code", "unit", "op", "number"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in CLINICAL_FACTORS],
)
def test_it_converts_to_canonical_and_back(code, unit, op, number):
    for value in VALUES:
        canonical = to_canonical(code, value, unit)
        assert canonical == pytest.approx(_expected(value, op, number), rel=1e-9)
        assert from_canonical(code, canonical, unit) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(
    ("code", "value", "unit", "canonical"),
    [
        # Handy values of CLINICAL.md §1.
        pytest.param("vitd_25oh", 30, "nmol/L", 12, id="25ohd-30-nmol"),
        pytest.param("vitd_25oh", 50, "nmol/L", 20, id="25ohd-50-nmol"),
        pytest.param("vitd_25oh", 75, "nmol/L", 30, id="25ohd-75-nmol"),
        pytest.param("vitd_25oh", 125, "nmol/L", 50, id="25ohd-125-nmol"),
        pytest.param("vitd_25oh", 250, "nmol/L", 100, id="25ohd-250-nmol"),
        pytest.param("mg_rbc", 1.73, "mmol/L", 4.2, id="rbc-mg-low"),
        pytest.param("mg_rbc", 2.80, "mmol/L", 6.8, id="rbc-mg-high"),
        pytest.param("pth_intact", 5.3, "pmol/L", 50, id="pth-pmol"),
        pytest.param("ca_total", 2.5, "mmol/L", 10.0, id="ca-mmol"),
        pytest.param("creatinine", 88.4, "µmol/L", 1.0, id="creatinine-umol"),
    ],
)
def test_handy_values(code, value, unit, canonical):
    # CLINICAL.md rounds its handy values (250 nmol/L is 100.16 ng/mL): within 0.5 %.
    assert to_canonical(code, value, unit) == pytest.approx(canonical, rel=0.005)


def test_meq_applies_valence_two_for_magnesium_and_calcium():
    # 1 mmol/L of a divalent ion is 2 mEq/L: the same concentration either way.
    assert to_canonical("mg_serum", 2, "mEq/L") == pytest.approx(
        to_canonical("mg_serum", 1, "mmol/L"), rel=1e-3
    )
    assert to_canonical("ca_total", 5, "mEq/L") == pytest.approx(
        to_canonical("ca_total", 2.5, "mmol/L"), rel=1e-3
    )


def test_it_strips_float_noise():
    assert to_canonical("vitd_25oh", 30, "nmol/L") == 12.01923077
    assert from_canonical("vitd_25oh", 12.01923077, "nmol/L") == 30.0


def test_it_accepts_decimal_values():
    from decimal import Decimal

    assert to_canonical("albumin", Decimal("42.0"), "g/L") == 4.2


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("ng/mL", "ng/mL"),
        ("NG/ML", "ng/mL"),
        ("ng / ml", "ng/mL"),
        ("nmol/l", "nmol/L"),
        ("mg/dl", "mg/dL"),
        ("MEQ/L", "mEq/L"),
        ("meq/L", "mEq/L"),
        ("umol/L", "µmol/L"),
        ("µmol/L", "µmol/L"),  # micro sign U+00B5
        ("μmol/L", "µmol/L"),  # Greek mu U+03BC
        ("mcmol/L", "µmol/L"),
        ("mL/min/1.73m2", "mL/min/1.73m2"),
        ("mL/min/1.73 m²", "mL/min/1.73m2"),
        ("ml/min/1.73m^2", "mL/min/1.73m2"),
        ("mL/min/{1.73_m2}", "mL/min/1.73m2"),
        (" pg/mL ", "pg/mL"),
    ],
)
def test_unit_variants_normalize(text, display):
    assert normalize_unit(text) == display


@pytest.mark.parametrize("text", ["", "kg", "IU/L", "mg", "ng/dL", "mmol"])
def test_unknown_unit_raises(text):
    with pytest.raises(UnknownUnit):
        normalize_unit(text)


def test_a_unit_of_another_analyte_is_refused():
    with pytest.raises(UnknownUnit, match="not a unit for 25"):
        to_canonical("vitd_25oh", 2, "mmol/L")
    with pytest.raises(UnknownUnit):
        from_canonical("ca_ionized", 5, "mEq/L")  # no mEq/L for ionized calcium


def test_unknown_analyte_raises():
    with pytest.raises(UnknownAnalyte):
        to_canonical("ferritin", 1, "ng/mL")
    with pytest.raises(UnknownAnalyte):
        units_for("ferritin")


def test_errors_are_value_errors():
    assert issubclass(UnknownUnit, ValueError)
    assert issubclass(UnknownAnalyte, ValueError)


def test_non_finite_values_are_refused():
    with pytest.raises(ValueError):
        to_canonical("vitd_25oh", float("nan"), "ng/mL")


def test_units_for_lists_canonical_first():
    assert units_for("vitd_25oh") == ["ng/mL", "nmol/L"]
    assert units_for("mg_rbc") == ["mg/dL", "mmol/L", "mEq/L"]
    assert units_for("egfr") == ["mL/min/1.73m2"]


@pytest.mark.parametrize(
    ("code", "ucum", "display"),
    [
        ("vitd_25oh", "ng/mL", "ng/mL"),
        ("vitd_25oh", "nmol/L", "nmol/L"),
        ("mg_rbc", "mg/dL", "mg/dL"),
        ("mg_serum", "mmol/L", "mmol/L"),
        ("ca_total", "meq/L", "mEq/L"),
        ("pth_intact", "pg/mL", "pg/mL"),
        ("pth_intact", "pmol/L", "pmol/L"),
        ("pth_intact", "ng/L", "ng/L"),
        ("albumin", "g/dL", "g/dL"),
        ("albumin", "g/L", "g/L"),
        ("creatinine", "umol/L", "µmol/L"),
        ("egfr", "mL/min/{1.73_m2}", "mL/min/1.73m2"),
        ("egfr", "mL/min/1.73m2", "mL/min/1.73m2"),  # a common non-UCUM spelling
    ],
)
def test_from_ucum(code, ucum, display):
    assert from_ucum(code, ucum) == display


def test_from_ucum_refuses_a_unit_the_analyte_does_not_take():
    with pytest.raises(UnknownUnit):
        from_ucum("vitd_25oh", "mg/dL")
    with pytest.raises(UnknownUnit):
        from_ucum("vitd_25oh", "[IU]/L")


def test_every_catalog_unit_round_trips_through_ucum():
    for analyte in ANALYTES.values():
        for unit in analyte.units:
            assert from_ucum(analyte.code, to_ucum(unit)) == unit


def test_to_ucum_spellings():
    assert to_ucum("mEq/L") == "meq/L"
    assert to_ucum("µmol/L") == "umol/L"
    assert to_ucum("mL/min/1.73m2") == "mL/min/{1.73_m2}"
