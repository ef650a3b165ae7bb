"""The analyte catalog: every lab value Cofactor understands, as data.

Facts come from /work/shared/CLINICAL.md §1–§2 unless a comment names another
source. Pure Python: no Django imports, so the protocol engine and the tests use
it without a database.

Ranges are ``(low, high)`` tuples, inclusive, in the analyte's canonical unit.

What a person chooses about how their values are read lives here too, once: the rule set
(whose target each badge and chart band shows) and the units they read a marker in. Labs is
the lowest layer, so the accounts model, the protocol's rule sets (protocols.rules) and the
dashboard all build on these tables rather than keeping copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark a label for translation without importing Django: makemessages finds the call,
    and the page that shows the label translates it (e.g. the model's gettext_lazy choices)."""
    return message


# Status values returned by `status()`, mildest last. Badges key on these strings.
LOW = "low"
BELOW_TARGET = "below_target"
IN_TARGET = "in_target"
ABOVE_TARGET = "above_target"
HIGH = "high"
STATUSES = (LOW, BELOW_TARGET, IN_TARGET, ABOVE_TARGET, HIGH)
# What a badge says (translated where it is shown: labs_tags.status_label, the dashboard).
STATUS_LABELS = {
    LOW: gettext_noop("low"),
    BELOW_TARGET: gettext_noop("below target"),
    IN_TARGET: gettext_noop("in target"),
    ABOVE_TARGET: gettext_noop("above target"),
    HIGH: gettext_noop("high"),
}

# Factors shared by analytes measured the same way (→ canonical by multiplication).
_MG_UNITS = {"mg/dL": 1.0, "mmol/L": 1 / 0.4114, "mEq/L": 1 / 0.8229}  # Mg²⁺: valence 2
_CA_TOTAL_UNITS = {"mg/dL": 1.0, "mmol/L": 1 / 0.2495, "mEq/L": 1 / 0.4990}  # Ca²⁺: valence 2


# The specimen a lab draws for a test (the requisition sheet prints it): serum for most of
# the catalog; RBC magnesium is measured in the red cells of a whole-blood tube, not in serum.
SERUM = "serum"
WHOLE_BLOOD = "whole_blood"
SPECIMEN_LABELS = {
    SERUM: gettext_noop("serum"),
    WHOLE_BLOOD: gettext_noop("whole blood (the lab measures the red cells)"),
}


@dataclass(frozen=True)
class Analyte:
    """One lab analyte: identity, units and the ranges used to judge a value."""

    code: str
    name: str
    short_name: str
    loinc: tuple[str, ...]  # first code is the primary one, used for export
    canonical_unit: str
    # Display spelling → factor that converts a value INTO canonical_unit by
    # multiplication. Read-only by convention; hash=False keeps the dataclass hashable.
    units: dict[str, float] = field(hash=False)
    reference: tuple[float, float] | None  # what a lab typically prints
    plausible: tuple[float, float]  # outside this a value is a typo, not a result
    # Where nearly every real result lies; a value outside it that would lie inside in
    # another unit makes the entry ask "did you mean …?" (labs.validation.check_usual_unit).
    likely: tuple[float, float]
    aliases: tuple[str, ...]  # common names accepted by the CSV import
    decimals: int  # display precision in the canonical unit
    specimen: str = SERUM  # a key of SPECIMEN_LABELS
    # Commonly measured by a biotin–streptavidin immunoassay, which high-dose biotin skews
    # (the requisition's checklist asks to pause biotin before one).
    immunoassay: bool = False


# --- what a person chooses --------------------------------------------------------------


# The rule sets a person can choose; protocols.rules builds one RuleSet under each name.
SEED_RULE_SET = "seed"
WITHIN_LIMITS_RULE_SET = "within-limits"
RULE_SET_LABELS: dict[str, str] = {
    SEED_RULE_SET: gettext_noop("Seed protocol (the article's doses)"),
    WITHIN_LIMITS_RULE_SET: gettext_noop("Within upper limits (conservative)"),
}

# What each rule set aims a marker at, canonical unit, inclusive: the one table the plan's
# targets, the badges and the chart bands read. Markers left out have no target: serum Mg
# (the seed calls it unreliable for stores), 1,25(OH)2D, albumin, phosphate, creatinine,
# eGFR (its KDIGO thresholds are safety rules in protocols.rules, not an aim).
_SEED_TARGETS: dict[str, tuple[float, float]] = {
    "vitd_25oh": (40.0, 60.0),
    "mg_rbc": (5.5, 6.5),
    "pth_intact": (15.0, 50.0),  # the seed's "optimal"
    "ca_total": (9.0, 10.5),
    "ca_ionized": (4.5, 5.3),
}
TARGETS: dict[str, dict[str, tuple[float, float]]] = {
    SEED_RULE_SET: _SEED_TARGETS,
    # CLINICAL.md §5: 25(OH)D 30-50 ng/mL when every dose stays within its upper limit.
    WITHIN_LIMITS_RULE_SET: {**_SEED_TARGETS, "vitd_25oh": (30.0, 50.0)},
}


@dataclass(frozen=True)
class UnitChoice:
    """A unit setting of the person: which markers it covers and the units it offers."""

    field: str  # the accounts.User field that stores it
    label: str
    conventional: str  # what US labs print; the default
    si: str  # what labs print nearly everywhere else (accounts.regions picks by country)
    analytes: tuple[str, ...]

    @property
    def units(self) -> tuple[str, str]:
        return (self.conventional, self.si)


UNIT_CHOICES: tuple[UnitChoice, ...] = (
    UnitChoice("vitd_unit", gettext_noop("vitamin D unit"), "ng/mL", "nmol/L", ("vitd_25oh",)),
    UnitChoice(
        "mineral_unit",
        gettext_noop("magnesium and calcium unit"),
        "mg/dL",
        "mmol/L",
        ("mg_rbc", "mg_serum", "ca_total", "ca_ionized"),
    ),
)
# Analytes with no unit setting that read in the unit the person last entered them in (their
# usual unit, as the entry form preselects it; the canonical unit before any entry): labs
# print creatinine in mg/dL or µmol/L, albumin in g/dL or g/L, phosphate in mg/dL or mmol/L,
# and the country does not say which (German labs mostly print creatinine in mg/dL).
ENTERED_UNIT_ANALYTES = ("albumin", "phosphate", "creatinine")
# analyte -> the units a person can switch between; other analytes show in their canonical unit.
SWITCHABLE_UNITS: dict[str, tuple[str, ...]] = {
    code: choice.units for choice in UNIT_CHOICES for code in choice.analytes
}


ANALYTES: dict[str, Analyte] = {
    a.code: a
    for a in (
        Analyte(
            code="vitd_25oh",
            name=gettext_noop("25-hydroxyvitamin D, total (D2+D3)"),
            short_name=gettext_noop("25(OH)D"),
            # 1989-3 is the D3 mass code, but some labs report the total under it.
            loinc=("62292-8", "1989-3", "14635-7"),
            canonical_unit="ng/mL",
            units={"ng/mL": 1.0, "nmol/L": 1 / 2.496},
            # Endocrine Society 2011 "sufficient" 30–100, the range most US labs print.
            reference=(30.0, 100.0),
            # Toxicity cases are mostly > 150; 250 leaves room for them while a
            # nmol/L value typed as ng/mL (e.g. 400) is caught.
            plausible=(1.0, 250.0),
            likely=(4.0, 150.0),
            aliases=(
                "25(OH)D",
                "25(OH)D3",  # 1989-3's own name; "25-OH-Vitamin D3" is matched already
                "25-OH Vitamin D",
                "Vitamin D 25-OH",
                "25-hydroxyvitamin D",
                "25-hydroxy vitamin D",
                "Vitamin D, 25-hydroxy",
                "Vitamin D, 25-hydroxy, total",
                "Vitamin D total",
                "Total vitamin D",
                "Vitamin D",
                "Vit D",
                "Calcidiol",
            ),
            decimals=1,
            immunoassay=True,
        ),
        Analyte(
            code="vitd_125",
            name=gettext_noop("1,25-dihydroxyvitamin D"),
            short_name=gettext_noop("1,25(OH)2D"),
            loinc=("62290-2", "1649-3", "14566-4"),
            canonical_unit="pg/mL",
            units={"pg/mL": 1.0, "pmol/L": 1 / 2.400},
            # Not in CLINICAL.md: Mayo DHVD / Michigan Medicine, adults ≥ 16 y.
            reference=(18.0, 78.0),
            # Pregnancy and granulomatous disease reach a few hundred pg/mL.
            plausible=(1.0, 500.0),
            likely=(5.0, 250.0),
            aliases=(
                "1,25(OH)2D",
                "1,25-dihydroxyvitamin D",
                "1,25-dihydroxy vitamin D",
                "Vitamin D, 1,25-dihydroxy",
                "Vitamin D 1,25-dihydroxy",
                "1,25-OH Vitamin D",
                "Calcitriol",
            ),
            decimals=0,
            immunoassay=True,
        ),
        Analyte(
            code="mg_rbc",
            name=gettext_noop("Magnesium, red blood cells"),
            short_name=gettext_noop("RBC Mg"),
            loinc=("26746-8",),
            canonical_unit="mg/dL",
            units=dict(_MG_UNITS),
            # Method-dependent (3.6–7.5 across labs); Baystate's 4.2–6.8 is the one
            # CLINICAL.md also gives in mmol/L.
            reference=(4.2, 6.8),
            # Every lab range sits within 3.6–7.5; 1–15 catches a dropped or
            # doubled digit while keeping severe depletion and mmol/L typos apart.
            plausible=(1.0, 15.0),
            likely=(3.0, 9.0),
            aliases=(
                "Magnesium, RBC",
                "RBC Magnesium",
                "RBC Mg",
                "Mg RBC",
                "Magnesium RBC",
                "Magnesium, red blood cells",
                "Magnesium, red blood cell",
                "Red cell magnesium",
                "Erythrocyte magnesium",
                "Magnesium, erythrocyte",
            ),
            decimals=1,
            specimen=WHOLE_BLOOD,
        ),
        Analyte(
            code="mg_serum",
            name=gettext_noop("Magnesium, serum/plasma"),
            short_name=gettext_noop("Serum Mg"),
            loinc=("19123-9", "2601-3"),
            canonical_unit="mg/dL",
            units=dict(_MG_UNITS),
            reference=(1.8, 2.3),  # IOM (0.75–0.95 mmol/L)
            # Survivable extremes lie around 0.5 and 15–20 mg/dL.
            plausible=(0.5, 20.0),
            likely=(1.0, 5.0),
            aliases=(
                # A bare "Magnesium" on a lab report is the serum test.
                "Magnesium",
                "Mg",
                "Magnesium, serum",
                "Serum magnesium",
                "Serum Mg",
                "Magnesium, plasma",
                "Plasma magnesium",
                "Magnesium, serum/plasma",
            ),
            decimals=1,
        ),
        Analyte(
            code="pth_intact",
            name=gettext_noop("Parathyroid hormone, intact"),
            short_name=gettext_noop("PTH"),
            loinc=("2731-8", "14866-8"),
            canonical_unit="pg/mL",
            units={"pg/mL": 1.0, "ng/L": 1.0, "pmol/L": 9.425},
            reference=(15.0, 65.0),  # Mayo
            # Secondary hyperparathyroidism in kidney failure reaches 2,000+.
            plausible=(1.0, 3000.0),
            likely=(5.0, 1500.0),
            aliases=(
                "PTH",
                "Intact PTH",
                "PTH, intact",
                "PTH intact",
                "iPTH",
                "Parathyroid hormone",
                "Parathyroid hormone, intact",
                "Parathormone",
            ),
            decimals=0,
            immunoassay=True,
        ),
        Analyte(
            code="ca_total",
            name=gettext_noop("Calcium, total, serum/plasma"),
            short_name=gettext_noop("Calcium"),
            loinc=("17861-6", "2000-8"),
            canonical_unit="mg/dL",
            units=dict(_CA_TOTAL_UNITS),
            # Low end: ARUP 8.6. High end: 10.2, the default lab upper limit that
            # CLINICAL.md §5 uses for the hypercalcemia warning (labs print 10.0–10.5).
            reference=(8.6, 10.2),
            # Severe hypercalcemia is ≥ 14; 20 still admits it. A value in mmol/L
            # (≈ 2.4) typed as mg/dL falls below 3 and is caught.
            plausible=(3.0, 20.0),
            likely=(6.0, 15.0),
            aliases=(
                "Calcium",
                "Ca",
                "Total calcium",
                "Calcium, total",
                "Calcium total",
                "Calcium, serum",
                "Serum calcium",
                "Total Ca",
            ),
            decimals=1,
        ),
        Analyte(
            code="ca_ionized",
            name=gettext_noop("Calcium, ionized"),
            short_name=gettext_noop("Ionized Ca"),
            loinc=("17864-0", "17863-2", "1995-0", "1994-3"),
            canonical_unit="mg/dL",
            units={"mg/dL": 1.0, "mmol/L": 1 / 0.2495},
            reference=(4.57, 5.43),  # Mayo
            # ≈ 0.5–2.5 mmol/L; a mmol/L value (≈ 1.2) typed as mg/dL falls below 2.
            plausible=(2.0, 10.0),
            likely=(3.0, 7.0),
            aliases=(
                "Ionized calcium",
                "Ionised calcium",
                "Calcium, ionized",
                "Calcium, ionised",
                "Calcium ionized",
                "Ca ionized",
                "Free calcium",
                "iCa",
            ),
            decimals=2,
        ),
        Analyte(
            code="albumin",
            name=gettext_noop("Albumin, serum/plasma"),
            short_name=gettext_noop("Albumin"),
            loinc=("1751-7",),
            canonical_unit="g/dL",
            units={"g/dL": 1.0, "g/L": 1 / 10},
            reference=(3.5, 5.0),  # Not in CLINICAL.md: Mayo ALB, ≥ 12 months
            # A g/L value (≈ 40) typed as g/dL lands far above 7.
            plausible=(0.5, 7.0),
            likely=(1.5, 6.0),
            aliases=("Albumin", "Albumin, serum", "Serum albumin", "Albumin, plasma", "ALB"),
            decimals=1,
        ),
        Analyte(
            code="phosphate",
            name=gettext_noop("Phosphate (as P)"),
            short_name=gettext_noop("Phosphate"),
            loinc=("2777-1", "14879-1"),
            canonical_unit="mg/dL",
            units={"mg/dL": 1.0, "mmol/L": 1 / 0.3229},
            reference=(2.5, 4.5),  # Not in CLINICAL.md: Mayo PHOS, adults ≥ 18 y
            plausible=(0.5, 15.0),
            likely=(1.5, 10.0),
            aliases=(
                "Phosphate",
                "Phosphorus",
                "Phosphorus, inorganic",
                "Inorganic phosphorus",
                "Inorganic phosphate",
                "Phosphate, serum",
                "Serum phosphate",
                "Phos",
                "PO4",
            ),
            decimals=1,
        ),
        Analyte(
            code="creatinine",
            name=gettext_noop("Creatinine, serum/plasma"),
            short_name=gettext_noop("Creatinine"),
            loinc=("2160-0",),
            canonical_unit="mg/dL",
            units={"mg/dL": 1.0, "µmol/L": 1 / 88.4},
            # Sex-specific (Mayo: men 0.74–1.35, women 0.59–1.04) and the catalog
            # knows no sex; kidney function is judged through eGFR instead.
            reference=None,
            # Dialysis patients reach ~20; a µmol/L value (≈ 80) typed as mg/dL is caught.
            plausible=(0.1, 25.0),
            likely=(0.2, 15.0),
            aliases=(
                "Creatinine",
                "Creatinine, serum",
                "Serum creatinine",
                "Creatinine, plasma",
                "Creat",
                "Crea",
            ),
            decimals=2,
        ),
        Analyte(
            code="egfr",
            name=gettext_noop("Estimated glomerular filtration rate"),
            short_name=gettext_noop("eGFR"),
            loinc=("98979-8", "62238-1", "33914-3"),
            canonical_unit="mL/min/1.73m2",
            units={"mL/min/1.73m2": 1.0},
            # No two-sided range: the KDIGO thresholds (< 30, 30–44) live in the
            # protocol rules, where they drive the magnesium safety rules.
            reference=None,
            plausible=(1.0, 200.0),
            likely=(5.0, 150.0),
            aliases=(
                "eGFR",
                "GFR",
                "Estimated GFR",
                "GFR, estimated",
                "eGFR CKD-EPI",
                "eGFR (CKD-EPI 2021)",
                "eGFR MDRD",
            ),
            decimals=0,
        ),
    )
}


def _name_key(text: str) -> str:
    """Case-, space- and punctuation-insensitive key: "25-OH Vitamin D" → "25ohvitamind"."""
    return re.sub(r"[\W_]+", "", text.casefold())


# Names on lab reports and portal exports outside the English-speaking world, by language
# (German, French, Spanish, Italian, Dutch), read by the CSV import like the aliases above.
LOCAL_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "vitd_25oh": {
        "de": ("25-OH-Vitamin D3", "25-OH-Vitamin D", "25-Hydroxy-Vitamin D",
               "Vitamin D (25-OH)", "Vitamin D3 (25-OH)", "25-Hydroxyvitamin D3", "25-OH-D"),
        "fr": ("Vitamine D (25-OH)", "25-hydroxyvitamine D", "25-OH vitamine D",
               "Vitamine D totale", "Vitamine D"),
        "es": ("25-hidroxivitamina D", "Vitamina D (25-OH)", "25-OH vitamina D",
               "Vitamina D total", "Vitamina D"),
        "it": ("25-idrossivitamina D", "Vitamina D (25-OH)", "25-OH vitamina D",
               "Vitamina D totale"),
        "nl": ("25-hydroxyvitamine D", "25-OH-vitamine D", "Vitamine D (25-OH)",
               "Vitamine D totaal"),
    },
    "vitd_125": {
        "de": ("1,25-Dihydroxy-Vitamin D3", "1,25-(OH)2-Vitamin D",
               "1,25-Dihydroxycholecalciferol"),
        "fr": ("1,25-dihydroxyvitamine D", "Vitamine D 1,25-dihydroxy"),
        "es": ("1,25-dihidroxivitamina D", "Vitamina D 1,25-dihidroxi"),
        "it": ("1,25-diidrossivitamina D", "Vitamina D 1,25-diidrossi"),
        "nl": ("1,25-dihydroxyvitamine D", "1,25-OH-vitamine D"),
    },
    "mg_rbc": {
        "de": ("Magnesium (Vollblut)", "Magnesium im Vollblut", "Vollblut-Magnesium",
               "Magnesium, Erythrozyten", "Erythrozyten-Magnesium", "Magnesium (EDTA-Blut)"),
        "fr": ("Magnésium érythrocytaire", "Magnésium globulaire",
               "Magnésium intra-érythrocytaire"),
        "es": ("Magnesio eritrocitario", "Magnesio en eritrocitos", "Magnesio intraeritrocitario"),
        "it": ("Magnesio eritrocitario", "Magnesio intraeritrocitario",
               "Magnesio nei globuli rossi"),
        "nl": ("Magnesium erytrocyten", "Erytrocytair magnesium", "Magnesium in erytrocyten"),
    },
    "mg_serum": {
        "de": ("Magnesium (Serum)", "Magnesium im Serum", "Serum-Magnesium", "Magnesium i.S."),
        "fr": ("Magnésium", "Magnésium sérique", "Magnésium (sérum)"),
        "es": ("Magnesio", "Magnesio sérico", "Magnesio en suero"),
        "it": ("Magnesio", "Magnesio sierico", "Magnesio (siero)"),
        "nl": ("Magnesium (serum)", "Magnesium in serum"),
    },
    "pth_intact": {
        "de": ("Parathormon", "Parathormon intakt", "PTH intakt", "Parathormon (intakt)"),
        "fr": ("Hormone parathyroïdienne", "PTH intacte", "Parathormone intacte"),
        "es": ("Hormona paratiroidea", "Paratohormona", "PTH intacta", "Parathormona"),
        "it": ("Paratormone", "Ormone paratiroideo", "PTH intatto"),
        "nl": ("Parathormoon", "Bijschildklierhormoon", "PTH intact"),
    },
    "ca_total": {
        "de": ("Kalzium", "Calcium gesamt", "Gesamtcalcium", "Calcium (Serum)", "Calcium im Serum"),
        "fr": ("Calcium total", "Calcémie", "Calcium sérique"),
        "es": ("Calcio", "Calcio total", "Calcio sérico"),
        "it": ("Calcio", "Calcio totale", "Calcemia"),
        "nl": ("Calcium totaal", "Totaal calcium", "Calcium (serum)"),
    },
    "ca_ionized": {
        "de": ("Ionisiertes Calcium", "Calcium ionisiert", "Freies Calcium", "Kalzium ionisiert"),
        "fr": ("Calcium ionisé", "Calcium libre"),
        "es": ("Calcio iónico", "Calcio ionizado", "Calcio libre"),
        "it": ("Calcio ionizzato", "Calcio ione"),
        "nl": ("Geïoniseerd calcium", "Calcium geïoniseerd", "Vrij calcium"),
    },
    "albumin": {
        "de": ("Albumin im Serum", "Albumin (Serum)"),
        "fr": ("Albumine", "Albumine sérique"),
        "es": ("Albúmina", "Albúmina sérica"),
        "it": ("Albumina", "Albumina sierica"),
        "nl": ("Albumine", "Albumine (serum)"),
    },
    "phosphate": {
        "de": ("Phosphat", "Anorganisches Phosphat", "Phosphor", "Phosphat (Serum)"),
        "fr": ("Phosphore", "Phosphate inorganique", "Phosphatémie"),
        "es": ("Fósforo", "Fosfato", "Fósforo inorgánico"),
        "it": ("Fosforo", "Fosfato", "Fosforo inorganico"),
        "nl": ("Fosfaat", "Fosfor", "Anorganisch fosfaat"),
    },
    "creatinine": {
        "de": ("Kreatinin", "Creatinin", "Kreatinin (Serum)"),
        "fr": ("Créatinine", "Créatininémie"),
        "es": ("Creatinina", "Creatinina sérica"),
        "it": ("Creatinina", "Creatinina sierica", "Creatininemia"),
        "nl": ("Kreatinine", "Creatinine (serum)"),
    },
    "egfr": {
        "de": ("GFR geschätzt", "geschätzte GFR", "Glomeruläre Filtrationsrate", "eGFR (CKD-EPI)"),
        "fr": ("DFG", "DFGe", "Débit de filtration glomérulaire", "DFG estimé"),
        "es": ("TFG", "TFGe", "Filtrado glomerular", "Tasa de filtración glomerular"),
        "it": ("VFG", "eVFG", "Velocità di filtrazione glomerulare", "Filtrato glomerulare"),
        "nl": ("eGFR (CKD-EPI)", "Glomerulaire filtratiesnelheid", "Geschatte GFR"),
    },
}  # fmt: skip
LOCAL_NAME_LANGUAGES = ("de", "fr", "es", "it", "nl")


def _build_name_index() -> dict[str, Analyte]:
    index: dict[str, Analyte] = {}
    for analyte in ANALYTES.values():
        local = [n for names in LOCAL_NAMES.get(analyte.code, {}).values() for n in names]
        names = (analyte.code, analyte.name, analyte.short_name, *analyte.loinc, *analyte.aliases,
                 *local)  # fmt: skip
        for key in {_name_key(n) for n in names}:
            # A name shared by two analytes would make the CSV import guess.
            if key in index and index[key] is not analyte:
                raise ValueError(f"{key!r} names both {index[key].code} and {analyte.code}")
            index[key] = analyte
    return index


_BY_NAME = _build_name_index()
_BY_LOINC = {code: a for a in ANALYTES.values() for code in a.loinc}


def by_loinc(code: str) -> Analyte | None:
    """The analyte a LOINC code belongs to, or None if it is not in the catalog."""
    return _BY_LOINC.get(code.strip())


def find_analyte(text: str) -> Analyte | None:
    """Look an analyte up by code, name, short name, alias or LOINC code.

    Case, spaces and punctuation are ignored, so "Vitamin D 25-OH", "vitamin d 25oh"
    and "vitd_25oh" all match. Returns None rather than guessing.
    """
    key = _name_key(text)
    return _BY_NAME.get(key) if key else None


def target(code: str, rule_set: str) -> tuple[float, float] | None:
    """The band the rule set aims a marker at (canonical unit), or None if it has none."""
    return TARGETS[rule_set].get(code)


def status(analyte: Analyte, canonical_value: float, *, rule_set: str) -> str | None:
    """Classify a value (in the canonical unit) for a badge, against the rule set's target.

    The target is checked first, then the reference range:

    1. below the target → "low" if also below the reference range, else "below_target";
    2. above the target → "high" if also above the reference range, else "above_target";
    3. otherwise (within the target, or no target) → "low"/"high" if outside the
       reference range — so a value the lab would flag is never shown as in target,
       e.g. total calcium 10.3 (target up to 10.5, lab up to 10.2) is "high";
    4. otherwise "in_target".

    A missing range never flags anything. Returns None when the analyte has neither
    a target nor a reference range (creatinine, eGFR): there is nothing to badge.
    """
    aim = target(analyte.code, rule_set)
    if aim is None and analyte.reference is None:
        return None
    ref_low, ref_high = analyte.reference or (float("-inf"), float("inf"))
    if aim is not None:
        low, high = aim
        if canonical_value < low:
            return LOW if canonical_value < ref_low else BELOW_TARGET
        if canonical_value > high:
            return HIGH if canonical_value > ref_high else ABOVE_TARGET
    if canonical_value < ref_low:
        return LOW
    if canonical_value > ref_high:
        return HIGH
    return IN_TARGET
