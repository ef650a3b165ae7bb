"""What to ask the lab for and how to prepare: the requisition sheet and the reminder email.

Pure Python over the analyte catalog (names, LOINC codes, specimen and method live there);
the advice is the one list of pre-draw steps, each saying which tests it is for. Strings are
msgids (gettext_noop): the page or email that shows them translates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from labs.analytes import ANALYTES, SPECIMEN_LABELS, Analyte, gettext_noop


@dataclass(frozen=True)
class RequisitionLine:
    """One test to order: the names a lab knows it by, its primary LOINC code, its tube."""

    code: str
    name: str
    short_name: str
    loinc: str
    specimen: str  # a msgid of SPECIMEN_LABELS


@dataclass(frozen=True)
class DrawAdvice:
    """One pre-draw step, and which of the ordered tests make it needed."""

    id: str
    text: str
    applies: Callable[[Analyte], bool]


PRE_DRAW_ADVICE: tuple[DrawAdvice, ...] = (
    DrawAdvice(
        "same_lab",
        gettext_noop(
            "Go to the same lab at the same time of day as last time, so the results compare."
        ),
        lambda analyte: True,
    ),
    DrawAdvice(
        "biotin",
        gettext_noop(
            "Stop biotin (vitamin B7, also in hair, skin and nail or B-complex supplements) "
            "for 72 hours before the draw, or as long as your lab advises: these tests are "
            "often immunoassays, and biotin can make them read falsely high or low."
        ),
        lambda analyte: analyte.immunoassay,
    ),
    DrawAdvice(
        "pth_morning",
        gettext_noop(
            "Have PTH drawn in the morning: it follows a daily rhythm, and morning values "
            "compare with each other."
        ),
        lambda analyte: analyte.code == "pth_intact",
    ),
    DrawAdvice(
        "vitd_routine",
        gettext_noop(
            "Keep your usual vitamin D and magnesium routine in the days before the draw (no "
            "pause, no extra doses), so 25(OH)D shows what the plan does; take that morning's "
            "supplements after the draw."
        ),
        lambda analyte: analyte.code == "vitd_25oh",
    ),
    DrawAdvice(
        "fasting",
        gettext_noop("Fast beforehand only if your lab asks you to."),
        lambda analyte: True,
    ),
)


def requisition_lines(codes: Iterable[str]) -> list[RequisitionLine]:
    """The tests in the order given, each once; codes the catalog does not know are left out."""
    lines = []
    for code in dict.fromkeys(codes):
        analyte = ANALYTES.get(code)
        if analyte is None:
            continue
        lines.append(
            RequisitionLine(
                code=code,
                name=analyte.name,
                short_name=analyte.short_name,
                loinc=analyte.loinc[0],
                specimen=SPECIMEN_LABELS[analyte.specimen],
            )
        )
    return lines


def pre_draw_checklist(codes: Iterable[str]) -> list[DrawAdvice]:
    """The steps the ordered tests need, in the list's order; none when nothing is ordered."""
    analytes = [ANALYTES[c] for c in dict.fromkeys(codes) if c in ANALYTES]
    if not analytes:
        return []
    return [advice for advice in PRE_DRAW_ADVICE if any(map(advice.applies, analytes))]
