"""The symptom catalog (PRODUCT.md §2), with the deficiency or excess pattern each points to.

Pure data, shared by the labs forms and the protocol engine.
"""

from dataclasses import dataclass

from labs.analytes import gettext_noop

MAGNESIUM_DEFICIENCY = "magnesium_deficiency"
VITAMIN_D_DEFICIENCY = "vitamin_d_deficiency"
HYPERCALCEMIA = "hypercalcemia"


@dataclass(frozen=True)
class Symptom:
    code: str
    label: str
    patterns: frozenset[str]


def _symptom(code: str, label: str, *patterns: str) -> Symptom:
    return Symptom(code, label, frozenset(patterns))


# Pattern tags from the seeds: seed:002 §Magnesium Depletion Accelerates and §Symptoms of
# hypercalcemia; seed:000 (muscle pain, cramps, fatigue, anxiety); seed:001 (irregular
# heartbeat, headaches, poor sleep; low D with mood and immunity).
SYMPTOMS: dict[str, Symptom] = {
    s.code: s
    for s in (
        _symptom("muscle_cramps", gettext_noop("Muscle cramps or twitches"), MAGNESIUM_DEFICIENCY),
        _symptom("muscle_weakness", gettext_noop("Muscle pain or weakness"), VITAMIN_D_DEFICIENCY,
                 MAGNESIUM_DEFICIENCY, HYPERCALCEMIA),
        _symptom("insomnia", gettext_noop("Restless sleep or insomnia"), MAGNESIUM_DEFICIENCY),
        _symptom("anxiety", gettext_noop("Anxiety or irritability"), MAGNESIUM_DEFICIENCY,
                 VITAMIN_D_DEFICIENCY),
        _symptom("fatigue", gettext_noop("Fatigue"), MAGNESIUM_DEFICIENCY, VITAMIN_D_DEFICIENCY,
                 HYPERCALCEMIA),
        _symptom("palpitations", gettext_noop("Palpitations or irregular heartbeat"),
                 MAGNESIUM_DEFICIENCY),
        _symptom("headaches", gettext_noop("Headaches or migraines"), MAGNESIUM_DEFICIENCY),
        _symptom("low_mood", gettext_noop("Low mood"), VITAMIN_D_DEFICIENCY),
        _symptom("frequent_infections", gettext_noop("Frequent infections"), VITAMIN_D_DEFICIENCY),
        _symptom("bone_pain", gettext_noop("Bone or back pain"), VITAMIN_D_DEFICIENCY),
        _symptom("nausea", gettext_noop("Nausea or vomiting"), HYPERCALCEMIA),
        _symptom("constipation", gettext_noop("Constipation"), HYPERCALCEMIA),
        _symptom("excessive_thirst", gettext_noop("Excessive thirst or urination"), HYPERCALCEMIA),
        _symptom("confusion", gettext_noop("Confusion"), HYPERCALCEMIA),
        _symptom("kidney_stones", gettext_noop("Kidney stones"), HYPERCALCEMIA),
    )
}  # fmt: skip

SEVERITY_LABELS = {
    0: gettext_noop("none"),
    1: gettext_noop("mild"),
    2: gettext_noop("moderate"),
    3: gettext_noop("severe"),
}

LIFE_EVENTS = {
    "pregnancy": gettext_noop("Pregnancy"),
    "new_medication": gettext_noop("New medication"),
    "major_stress": gettext_noop("Major stress"),
    "illness": gettext_noop("Illness"),
    "diet_change": gettext_noop("Diet change"),
}
