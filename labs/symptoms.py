"""The symptom catalog (PRODUCT.md §2), with the deficiency or excess pattern each points to.

Pure data, shared by the labs forms and the protocol engine.
"""

from dataclasses import dataclass

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
        _symptom("muscle_cramps", "Muscle cramps or twitches", MAGNESIUM_DEFICIENCY),
        _symptom("muscle_weakness", "Muscle pain or weakness", VITAMIN_D_DEFICIENCY,
                 MAGNESIUM_DEFICIENCY, HYPERCALCEMIA),
        _symptom("insomnia", "Restless sleep or insomnia", MAGNESIUM_DEFICIENCY),
        _symptom("anxiety", "Anxiety or irritability", MAGNESIUM_DEFICIENCY, VITAMIN_D_DEFICIENCY),
        _symptom("fatigue", "Fatigue", MAGNESIUM_DEFICIENCY, VITAMIN_D_DEFICIENCY, HYPERCALCEMIA),
        _symptom("palpitations", "Palpitations or irregular heartbeat", MAGNESIUM_DEFICIENCY),
        _symptom("headaches", "Headaches or migraines", MAGNESIUM_DEFICIENCY),
        _symptom("low_mood", "Low mood", VITAMIN_D_DEFICIENCY),
        _symptom("frequent_infections", "Frequent infections", VITAMIN_D_DEFICIENCY),
        _symptom("bone_pain", "Bone or back pain", VITAMIN_D_DEFICIENCY),
        _symptom("nausea", "Nausea or vomiting", HYPERCALCEMIA),
        _symptom("constipation", "Constipation", HYPERCALCEMIA),
        _symptom("excessive_thirst", "Excessive thirst or urination", HYPERCALCEMIA),
        _symptom("confusion", "Confusion", HYPERCALCEMIA),
        _symptom("kidney_stones", "Kidney stones", HYPERCALCEMIA),
    )
}  # fmt: skip

SEVERITY_LABELS = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}

LIFE_EVENTS = {
    "pregnancy": "Pregnancy",
    "new_medication": "New medication",
    "major_stress": "Major stress",
    "illness": "Illness",
    "diet_change": "Diet change",
}
