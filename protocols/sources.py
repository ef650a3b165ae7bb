"""The references behind the rules, in full, and how a rule's source string maps to them.

Pure data. A rule cites its source as a short string ("seed:002 §Phase 2: Maintenance",
"CLINICAL.md §3 (IOM 2011 / …)", "PRODUCT.md §4.3"); `resolve` turns one into the entries of
the in-app Sources page it points at, so a person can read what a line of the plan rests on.
The bibliographic details come from CLINICAL.md and the seed articles' own reference lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from labs.analytes import gettext_noop


@dataclass(frozen=True)
class Reference:
    """One work, cited in full, and what Cofactor takes from it."""

    key: str  # the anchor on the Sources page
    title: str
    authors: str
    journal: str
    uses: str  # what the app takes from it
    year: int | None = None  # the seed articles carry no date
    pmid: str = ""
    doi: str = ""
    url: str = ""
    evidence: str = ""  # for the seed articles: how far the evidence supports them

    @property
    def link(self) -> str:
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url


SEED_PROTOCOL = Reference(
    key="seed-002",
    title="Magnesium with Vitamin D: The Essential Synergy You Can't Ignore",
    authors="Mito Health",
    journal="Consumer health article (web)",
    uses=gettext_noop(
        "The protocol itself: the correction and maintenance doses, the 25(OH)D and RBC "
        "magnesium tiers and targets, the supplement forms and timing, the 8–12-week retest, "
        "and the advice to pair vitamin D with magnesium and K2."
    ),
    evidence=gettext_noop(
        "A consumer article, not a guideline. Its doses of vitamin D (5,000–10,000 IU) "
        "and magnesium (300–800 mg) go above the IOM upper limits (4,000 IU; 350 mg "
        "supplemental), so Cofactor keeps them but marks every such dose “only under "
        "medical supervision”. Its 25(OH)D target of 40–60 ng/mL is higher than the IOM's "
        "(≥ 20 sufficient, possible concern above 50); its RBC magnesium target of "
        "5.5–6.5 mg/dL is defined by no guideline. It describes Dai 2018 as a vitamin D plus "
        "magnesium trial with results the trial never reported (it tested magnesium against "
        "placebo), so Cofactor quotes none of the article's figures for it."
    ),
)
SEED_ARTICLES = (
    Reference(
        key="seed-000",
        title="Why Your Vitamin D Might Not Be Working (And What to Do About It)",
        authors="Newsletter NL-103",
        journal="Consumer health newsletter",
        uses=gettext_noop(
            "The symptoms it links with low magnesium (muscle pain, cramps, fatigue, "
            "anxiety) tag the symptom check-in."
        ),
        evidence=gettext_noop(
            "Mechanisms are stated more firmly than the cited studies show; Cofactor "
            "uses it only to tag symptoms, never to set a dose."
        ),
    ),
    Reference(
        key="seed-001",
        title="The Missing Link in Your Vitamin D Routine? Magnesium",
        authors="Consumer health article",
        journal="Web article",
        uses=gettext_noop(
            "Symptom tags (irregular heartbeat, headaches, poor sleep; low mood and "
            "infections with low vitamin D)."
        ),
        evidence=gettext_noop(
            "Background reading; no dose or threshold in Cofactor comes from it."
        ),
    ),
    Reference(
        key="seed-003",
        title="Vitamin D and Magnesium: How Are They Connected?",
        authors="Instalab",
        journal="Web article",
        uses=gettext_noop("Background on the two-way link between vitamin D and magnesium."),
        evidence=gettext_noop(
            "Describes Dai 2018 correctly (25(OH)D rose with magnesium when it started "
            "low, fell when it started high); no rule rests on it alone."
        ),
    ),
)
STUDIES = (
    Reference(
        key="dai-2018",
        title="Magnesium status and supplementation influence vitamin D status and "
        "metabolism: results from a randomized trial",
        authors="Dai Q, Zhu X, Manson JE, et al.",
        journal="Am J Clin Nutr 108(6):1249–1258",
        year=2018,
        pmid="30541089",
        uses=gettext_noop(
            "Why magnesium comes with vitamin D: in this 12-week trial of magnesium versus "
            "placebo, 25(OH)D rose when it started below about 30 ng/mL and fell at 30–50."
        ),
    ),
    Reference(
        key="uwitonze-2018",
        title="Role of Magnesium in Vitamin D Activation and Function",
        authors="Uwitonze AM, Razzaque MS",
        journal="J Am Osteopath Assoc 118(3):181–189",
        year=2018,
        pmid="29480918",
        uses=gettext_noop("The review behind “vitamin D needs magnesium” (the cofactor warnings)."),
    ),
    Reference(
        key="deng-2013",
        title="Magnesium, vitamin D status and mortality: results from US NHANES 2001 to "
        "2006 and NHANES III",
        authors="Deng X, Song Y, Manson JE, et al.",
        journal="BMC Med 11:187",
        year=2013,
        pmid="25382321",
        uses=gettext_noop("Observational background for the magnesium–vitamin D link."),
    ),
    Reference(
        key="reddy-2019",
        title="Magnesium Supplementation in Vitamin D Deficiency",
        authors="Reddy P, Edwards LR",
        journal="Am J Ther 26(1):e124–e132",
        year=2019,
        pmid="28899189",
        uses=gettext_noop(
            "Review cited by the protocol for giving magnesium to people low in vitamin D."
        ),
    ),
    Reference(
        key="knapen-2015",
        title="Menaquinone-7 supplementation improves arterial stiffness in healthy "
        "postmenopausal women. A double-blind randomised clinical trial",
        authors="Knapen MH, Braam LA, Drummen NE, Bekers O, Hoeks AP, Vermeer C",
        journal="Thromb Haemost 113(5):1135–44",
        year=2015,
        pmid="25694037",
        uses=gettext_noop("The K2 (MK-7) dose and the reason K2 accompanies vitamin D."),
    ),
    Reference(
        key="theuwissen-2013",
        title="Effect of low-dose supplements of menaquinone-7 (vitamin K2) on the "
        "stability of oral anticoagulant treatment: dose-response relationship in "
        "healthy volunteers",
        authors="Theuwissen E, Teunissen KJ, Spronk HM, et al.",
        journal="J Thromb Haemost 11(6):1085–92",
        year=2013,
        pmid="23530987",
        uses=gettext_noop(
            "No K2 with warfarin or another vitamin K antagonist without the prescriber: "
            "10 µg/day MK-7 already lowered the INR."
        ),
    ),
)
AUTHORITIES = (
    Reference(
        key="iom-2011",
        title="Dietary Reference Intakes for Calcium and Vitamin D",
        authors="Institute of Medicine (US) Committee",
        journal="National Academies Press",
        year=2011,
        doi="10.17226/13050",
        uses=gettext_noop(
            "The vitamin D upper limit (4,000 IU a day) every dose is checked against, and "
            "the 25(OH)D reference thresholds."
        ),
    ),
    Reference(
        key="iom-1997",
        title="Dietary Reference Intakes for Calcium, Phosphorus, Magnesium, Vitamin D, "
        "and Fluoride",
        authors="Institute of Medicine (US) Standing Committee",
        journal="National Academies Press",
        year=1997,
        doi="10.17226/5776",
        uses=gettext_noop(
            "The supplemental magnesium upper limit (350 mg a day) and magnesium safety "
            "with reduced kidney function."
        ),
    ),
    Reference(
        key="iom-1998",
        title="Dietary Reference Intakes for Thiamin, Riboflavin, Niacin, Vitamin B6, "
        "Folate, Vitamin B12, Pantothenic Acid, Biotin, and Choline",
        authors="Institute of Medicine (US) Standing Committee",
        journal="National Academies Press",
        year=1998,
        doi="10.17226/6015",
        uses=gettext_noop("The vitamin B6 upper limit (100 mg a day)."),
    ),
    Reference(
        key="efsa-2023-vitd",
        title="Scientific opinion on the tolerable upper intake level for vitamin D, including "
        "the derivation of a conversion factor for calcidiol monohydrate",
        authors="EFSA Panel on Nutrition, Novel Foods and Food Allergens (NDA)",
        journal="EFSA Journal 21(8):8145",
        year=2023,
        doi="10.2903/j.efsa.2023.8145",
        uses=gettext_noop(
            "The vitamin D upper limit under EU (EFSA) limits: 100 µg (4,000 IU) a day."
        ),
    ),
    Reference(
        key="efsa-2006",
        title="Tolerable Upper Intake Levels for Vitamins and Minerals",
        authors="Scientific Committee on Food; EFSA Panel on Dietetic Products, Nutrition and "
        "Allergies",
        journal="European Food Safety Authority",
        year=2006,
        url="https://www.efsa.europa.eu/sites/default/files/efsa_rep/blobserver_assets/"
        "ndatolerableuil.pdf",
        uses=gettext_noop(
            "The supplemental magnesium upper limit under EU (EFSA) limits: 250 mg a day."
        ),
    ),
    Reference(
        key="efsa-2023-b6",
        title="Scientific opinion on the tolerable upper intake level for vitamin B6",
        authors="EFSA Panel on Nutrition, Novel Foods and Food Allergens (NDA)",
        journal="EFSA Journal 21(5):8006",
        year=2023,
        doi="10.2903/j.efsa.2023.8006",
        uses=gettext_noop("The vitamin B6 upper limit under EU (EFSA) limits: 12 mg a day."),
    ),
    Reference(
        key="kdigo-2012",
        title="KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of "
        "Chronic Kidney Disease",
        authors="Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group",
        journal="Kidney Int Suppl 3(1)",
        year=2013,
        url="https://kdigo.org/guidelines/ckd-evaluation-and-management/",
        uses=gettext_noop("The eGFR categories (G3a, G3b, G4–G5) behind the kidney safety rules."),
    ),
    Reference(
        key="demay-2024",
        title="Vitamin D for the Prevention of Disease: An Endocrine Society Clinical "
        "Practice Guideline",
        authors="Demay MB, Pittas AG, Bikle DD, et al.",
        journal="J Clin Endocrinol Metab 109(8):1907–1947",
        doi="10.1210/clinem/dgae290",
        uses=gettext_noop(
            "Retests are offered to check a supplement plan, not as routine screening."
        ),
    ),
)
APP_DOCS = (
    Reference(
        key="cofactor-clinical",
        title="Cofactor clinical reference",
        authors="The Cofactor team",
        journal="Cofactor documentation",
        year=2026,
        uses=gettext_noop(
            "Reference ranges, intake limits and the safety facts behind the always-on "
            "rules, each traced to the works above."
        ),
    ),
    Reference(
        key="cofactor-product",
        title="Cofactor product rules",
        authors="The Cofactor team",
        journal="Cofactor documentation",
        year=2026,
        uses=gettext_noop(
            "Choices the app makes where the sources are silent: when the protocol is put "
            "on hold, the safety stops above 100 ng/mL, how symptoms bring a retest forward."
        ),
    ),
)
REFERENCES: dict[str, Reference] = {
    r.key: r for r in (SEED_PROTOCOL, *SEED_ARTICLES, *STUDIES, *AUTHORITIES, *APP_DOCS)
}

# Which works each section of CLINICAL.md draws on.
CLINICAL_SECTIONS = {
    "2": ("iom-2011",),
    "3": ("iom-2011", "iom-1997", "iom-1998"),
    "4": ("iom-1997", "kdigo-2012", "theuwissen-2013", "demay-2024"),
    "5": ("iom-2011", "iom-1997", "dai-2018"),
}
# §3 as the EU authority's limits cite it ("CLINICAL.md §3 (EFSA 2023 vitamin D …)").
CLINICAL_SECTIONS_EFSA = {"3": ("efsa-2023-vitd", "efsa-2006", "efsa-2023-b6")}


@dataclass(frozen=True)
class Citation:
    """A source string resolved: the work, the section quoted, and its Sources-page anchor."""

    reference: Reference
    section: str = ""

    @property
    def short(self) -> str:
        if self.reference is SEED_PROTOCOL:
            return (
                f"The protocol's authors, “{self.section}”"
                if self.section
                else ("The protocol's authors")
            )
        return f"{self.reference.authors.split(',')[0]} {self.reference.year or ''}".strip()


_SEED = re.compile(r"seed:?\s*(\d{3})\s*(?:§\s*([^;()]+))?")
_CLINICAL = re.compile(r"CLINICAL\.md\s*§\s*(\d)")
_PRODUCT = re.compile(r"PRODUCT\.md")


def resolve(source: str) -> list[Citation]:
    """Every work a rule's source string points at, most specific first."""
    found: list[Citation] = []
    for number, section in _SEED.findall(source):
        ref = REFERENCES.get(f"seed-{number}")
        if ref:
            found.append(Citation(ref, section.strip()))
    for number in _CLINICAL.findall(source):
        sections = CLINICAL_SECTIONS_EFSA if "EFSA" in source else CLINICAL_SECTIONS
        keys = sections.get(number, CLINICAL_SECTIONS.get(number, ()))
        found += [Citation(REFERENCES[k]) for k in keys]
        found.append(Citation(REFERENCES["cofactor-clinical"], f"§{number}"))
    if _PRODUCT.search(source):
        found.append(Citation(REFERENCES["cofactor-product"]))
    unique: dict[tuple[str, str], Citation] = {}
    for citation in found:
        unique.setdefault((citation.reference.key, citation.section), citation)
    return list(unique.values())
