"""A stored plan turned into what a person reads: the one presenter for every page and email.

Everything here works on a plan's stored ``data`` (the engine's to_dict()) and ``inputs`` (the
snapshot it came from), so a past plan reads exactly as it was made and nothing goes back to
the database. The plan page, the dashboard, the report, the what-if page, the CLI and the
reminder emails all read a plan through `present_plan`, so one state has one wording and the
retest has one date everywhere.

No raw code reaches a person: nutrient, analyte, symptom and flag codes become their labels
(`humanize` also rewrites codes inside the engine's free-text reasons), tiers become words,
and rule ids and sources stay behind the "Why?" disclosure, linked to the Sources page.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from labs.analytes import (
    ANALYTES,
    ENTERED_UNIT_ANALYTES,
    SEED_RULE_SET,
    SWITCHABLE_UNITS,
    WITHIN_LIMITS_RULE_SET,
)
from labs.display import (
    Reader,
    analyte_short_name,
    display_unit,
    dose_unit,
    format_amount_range,
    format_date,
    format_for,
    format_number,
    format_value,
    lab_range_for,
    range_for,
)
from labs.symptoms import SYMPTOMS
from protocols import engine as _engine  # noqa: F401 (imports register its sentence templates)
from protocols import wording
from protocols.engine.tiers import expected_band_end
from protocols.models import NUTRIENT_CHOICES
from protocols.rules import GOALS, NUTRIENT_CATALOG, PROFILE_FLAGS, upper_limit
from protocols.sources import Citation, resolve

Level = Literal["stop", "urgent", "warning", "info"]
LEVELS = ("stop", "urgent", "warning", "info")  # most severe first
HALTING = ("stop", "urgent")
TIMES = ("morning", "evening", "bedtime")

NUTRIENT_LABELS = dict(NUTRIENT_CHOICES)
TIME_LABELS = {
    "morning": gettext_lazy("Morning"),
    "evening": gettext_lazy("Evening"),
    "bedtime": gettext_lazy("Bedtime"),
}
PHASE_LABELS = {
    "correction": gettext_lazy("Correction"),
    "maintenance": gettext_lazy("Maintenance"),
    "hold": gettext_lazy("On hold"),
    "insufficient_data": gettext_lazy("Not enough data"),
}
# The rule sets as a sentence names them ("Made on … following …"); their choice labels are
# labs.analytes.RULE_SET_LABELS.
RULE_SET_LABELS = {
    SEED_RULE_SET: gettext_lazy("the protocol as published"),
    WITHIN_LIMITS_RULE_SET: gettext_lazy("within the upper limits"),
}
# One word per tier, whichever page shows it; `tone` picks the badge colour.
TIER_WORDS: dict[str, tuple[Any, str]] = {
    "severe": (gettext_lazy("very low"), "danger"),
    "moderate": (gettext_lazy("low"), "warning"),
    "mild": (gettext_lazy("slightly low"), "warning"),
    "low": (gettext_lazy("below target"), "warning"),
    "low_normal": (gettext_lazy("low-normal"), "secondary"),
    "optimal": (gettext_lazy("in target"), "success"),
    "normal": (gettext_lazy("normal"), "success"),
    "above_target": (gettext_lazy("above target"), "warning"),
    "toxicity": (gettext_lazy("too high"), "danger"),
    "severe_toxicity": (gettext_lazy("dangerously high"), "danger"),
    "borderline": (gettext_lazy("top of the range"), "warning"),
    "hypercalcemia": (gettext_lazy("too high"), "danger"),
    "elevated": (gettext_lazy("raised"), "warning"),
    "high": (gettext_lazy("high"), "warning"),
    "g3a": (gettext_lazy("mildly reduced"), "secondary"),
    "g3b": (gettext_lazy("moderately reduced"), "warning"),
    "g4_g5": (gettext_lazy("severely reduced"), "danger"),
}
CAUSE_LABELS = {
    "absorption": gettext_lazy("absorption: take vitamin D with a meal that contains fat"),
    "adherence": gettext_lazy("adherence: doses missed or taken irregularly"),
    "losses": gettext_lazy("losses: medication, alcohol, sweating or illness"),
    "cofactors": gettext_lazy("cofactors: magnesium and K2 taken beside vitamin D"),
}
# Who to ask when the protocol does not apply as is, by the flag that put it on hold.
ADVISERS = {
    "pregnant": gettext_lazy("your obstetrician or midwife"),
    "under_18": gettext_lazy("your paediatrician"),
    "kidney_stones": gettext_lazy("the physician who treats your kidney stones"),
    "kidney_disease": gettext_lazy("your kidney specialist"),
    "hypercalcemia_history": gettext_lazy("the physician who treated your high calcium"),
    "granulomatous_disease": gettext_lazy("the physician who treats your sarcoidosis"),
}


# --- words -------------------------------------------------------------------------------


def fmt_number(x: Any) -> str:
    """5000 → '5,000'; 4.2 → '4.2'; None → '' (labs.display, in the active language)."""
    if x is None or isinstance(x, bool):
        return ""
    try:
        return format_number(float(x))
    except (TypeError, ValueError, OverflowError):
        return str(x)


def fmt_range(low: Any, high: Any, unit: str = "") -> str:
    """'5,000–7,000 IU', or one number when both ends agree."""
    text = fmt_number(low) if low == high else f"{fmt_number(low)}–{fmt_number(high)}"
    return f"{text} {dose_unit(unit)}".strip()


def _num(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def fmt_date(value: Any) -> str:
    """The one way a date reads, in the active language: '2 Dec 2026'."""
    return format_date(parse_date(value))


def nutrient_label(code: str) -> str:
    return str(NUTRIENT_LABELS.get(code, code))


def analyte_label(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte_short_name(code) if analyte else code


def symptom_label(code: str) -> str:
    symptom = SYMPTOMS.get(code)
    return _(symptom.label) if symptom else code


def flag_label(code: str) -> str:
    """A health-profile flag as the page's language names it."""
    return _(PROFILE_FLAGS[code]) if code in PROFILE_FLAGS else code


def tier_words(tier: str) -> str:
    return str(TIER_WORDS.get(tier, (tier.replace("_", " "), ""))[0])


def tier_tone(tier: str) -> str:
    return TIER_WORDS.get(tier, ("", "secondary"))[1]


@functools.lru_cache(maxsize=8)
def _code_labels(language: str | None) -> tuple[dict[str, str], re.Pattern[str]]:
    """Catalog codes and their labels in one language, with the pattern that finds them."""
    labels: dict[str, str] = {}
    # Inside a sentence English writes these in lower case; German keeps its nouns' capitals.
    inline = str.lower if (language or "en").startswith("en") else str
    labels.update({code: inline(flag_label(code)) for code in PROFILE_FLAGS})
    labels.update({code: inline(symptom_label(code)) for code in SYMPTOMS})
    labels.update({code: analyte_label(code) for code in ANALYTES})
    labels.update({code: nutrient_label(code) for code in NUTRIENT_LABELS})
    # Codes that are ordinary words ("magnesium", "calcium", "fatigue") stay as written:
    # the engine's prose uses them as words, and "vitamin D without Magnesium (elemental)"
    # reads wrong. Only real codes (vitd_25oh, muscle_cramps, egfr) are replaced.
    labels = {code: label for code, label in labels.items() if not code.isalpha() or code == "egfr"}
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, labels), key=len, reverse=True)) + r")\b"
    )
    return labels, pattern


def humanize(text: str, user=None) -> str:
    """The engine's free text in the page's language, every catalog code replaced by its label
    and every lab value in `user`'s unit (anything with `preferred_unit`; None: canonical)."""
    labels, pattern = _code_labels(get_language())
    return pattern.sub(lambda m: labels[m.group(1)], engine_text(text or "", user))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_ENGLISH_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+")


def engine_text(text: str, user=None) -> str:
    """An engine sentence in the page's language (the engine writes English, marked with
    protocols.wording.gettext_noop): as a known sentence, as one of the engine's
    templates with its values put back, or sentence by sentence; else as written. Lab
    values come out in `user`'s units."""
    return _engine_text(text, get_language(), _reading_units(user))


def _reading_units(user) -> tuple[tuple[str, str], ...]:
    """The unit `user` reads each switchable (or entered-unit) analyte in: what a sentence's
    rendering depends on besides its text and the language (renderings are cached under it)."""
    return tuple(
        (code, display_unit(user, code)) for code in (*SWITCHABLE_UNITS, *ENTERED_UNIT_ANALYTES)
    )


@functools.lru_cache(maxsize=4096)
def _engine_text(text: str, language: str | None, units: tuple[tuple[str, str], ...]) -> str:
    """`engine_text` for one language and set of units (a plan page renders the same
    sentences on every visit; matching them against every template costs milliseconds)."""
    reader = Reader(dict(units))
    whole = _known_sentence(text, reader)
    if whole is not None:
        return whole
    parts = _SENTENCE_END.split(text)
    if len(parts) == 1:
        return text
    return " ".join(_known_sentence(part, reader) or part for part in parts)


def _known_sentence(text: str, user=None) -> str | None:
    """A sentence or clause the catalogue knows: as a whole, as clauses joined by "; ", or as
    the template that leaves the shortest values (a value never swallows a sentence)."""
    translated = _(text) if text else text
    if translated != text or not text:
        return translated
    clauses = _clauses(text)  # "correction: retest after …; brought forward by …"
    if len(clauses) > 1:
        known = [_known_sentence(clause, user) for clause in clauses]
        if all(k is not None for k in known):
            return "; ".join(k for k in known if k is not None)
    best: tuple[int, str, dict[str, str]] | None = None
    for template, pattern in wording.TEMPLATES.items():
        match = pattern.match(text)
        if match is None or any(_SENTENCE_END.search(v) for v in match.groupdict().values()):
            continue
        size = sum(len(v) for v in match.groupdict().values())
        if best is None or size < best[0]:
            best = (size, template, match.groupdict())
    if best is None:
        return None
    _size, template, raw = best
    analyte = _analyte_of(template, raw)
    values = {name: _engine_value(value, analyte, user) for name, value in raw.items()}
    values.update(_bare_values_in_unit(raw, analyte, user))
    return _(template) % values


def _clauses(text: str) -> list[str]:
    """The "; "-separated clauses of a text, not splitting inside parentheses (a source such
    as "CLINICAL.md §3 (IOM 2011 vitamin D; IOM 1997 magnesium)" stays whole)."""
    clauses, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith("; ", i):
            clauses.append(text[start:i])
            start = i + 2
    return [*clauses, text[start:]]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A value with its unit as the engine writes it: "22 ng/mL", "<10 ng/mL", "400-600 mg/day".
_QUANTITY = re.compile(
    r"(?P<q>[<>]\s?)?(?P<low>\d[\d,]*(?:\.\d+)?)(?:\s?[-–]\s?(?P<high>\d[\d,]*(?:\.\d+)?))?"
    r" (?P<unit>\S+?)(?P<per_day>/day)?"
)
_DOSE_UNITS = frozenset({"IU", "mg", "mcg"})
# A canonical unit only one switchable-or-not analyte uses says whose value it is.
_ANALYTE_OF_UNIT = {
    unit: codes[0]
    for unit in {a.canonical_unit for a in ANALYTES.values()}
    if len(codes := [c for c, a in ANALYTES.items() if a.canonical_unit == unit]) == 1
}
_BARE_QUANTITIES = ("previous", "current", "expected")  # numbers beside a %(unit)s value


def _analyte_of(template: str, values: Mapping[str, str]) -> str | None:
    """Whose lab values a matched template holds: a marker it names, else the template's."""
    for value in values.values():
        if value in ANALYTES:
            return value
        code = next((c for c, a in ANALYTES.items() if a.short_name == value), None)
        if code:
            return code
    return wording.ANALYTE_OF.get(template)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def _in_unit(code: str, low: float, high: float, user) -> str:
    """A canonical value (or range) of `code` in the reader's unit at its reading precision,
    whole ends without ".0": "250 nmol/L", "2.62 mmol/L", "18.2 ng/mL"."""
    return range_for(user, code, (low, high))


def _quantity(value: str, analyte: str | None, user) -> str | None:
    """A "<number> <unit>" value in the reader's unit and number format, or None."""
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        return None
    low = _number(match["low"])
    high = _number(match["high"]) if match["high"] else low
    unit = match["unit"]
    if low is None or high is None:
        return None
    if unit in _DOSE_UNITS:
        text = format_amount_range(low, high, unit)
        return _("%(amount)s/day") % {"amount": text} if match["per_day"] else text
    if match["per_day"]:
        return None
    code = analyte if analyte in ANALYTES and ANALYTES[analyte].canonical_unit == unit else None
    code = code or _ANALYTE_OF_UNIT.get(unit)
    if code is None:
        return None
    text = _in_unit(code, low, high, user)
    return f"{match['q'].strip()} {text}" if match["q"] else text


def _bare_values_in_unit(raw: Mapping[str, str], analyte: str | None, user) -> dict[str, str]:
    """Bare numbers a template writes beside a separate %(unit)s ("from 22 to 24 ng/mL"), and
    that unit, in the reader's unit."""
    unit = raw.get("unit")
    if analyte not in ANALYTES or unit != ANALYTES[analyte].canonical_unit:
        return {}
    shown_unit = display_unit(user, analyte)
    values = {"unit": shown_unit}
    for name in _BARE_QUANTITIES:
        number = _number(raw.get(name, ""))
        if number is not None:
            values[name] = _in_unit(analyte, number, number, user).removesuffix(f" {shown_unit}")
    return values


def _known_head(value: str, user) -> str | None:
    """An engine message's head (before its colon, as the retest reason quotes an alert) in
    the page's language: "Calcium liegt über der sicheren Grenze"."""
    entry = wording.HEADS.get(value)
    candidates = [(value, entry)] if entry else []
    if not candidates:
        candidates = [(h, e) for h, e in wording.HEADS.items() if e[1] and e[1].match(value)]
    for _head, (message, pattern) in candidates:
        translated = _(message)
        if translated == message or ":" not in translated:
            continue
        head = translated.partition(":")[0]
        if pattern is None:
            return head
        raw = pattern.match(value).groupdict()  # type: ignore[union-attr]
        analyte = _analyte_of(message, raw)
        try:
            return head % {
                k: _engine_value(v, analyte, user) if v != value else v for k, v in raw.items()
            }
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _engine_value(value: str, analyte: str | None = None, user=None) -> str:
    """A value from an engine sentence, in the page's language: a phase, tier or label the
    catalogue knows, a date in the language's format, a lab value in the reader's unit
    ("250 nmol/L"), numbers written its way ("4.000 IU")."""
    if "§" in value:  # a source ("CLINICAL.md §3 (IOM 2011 …)"): its years are not amounts
        return value
    if value in PHASE_LABELS:
        return str(PHASE_LABELS[value])
    if value in TIER_WORDS:
        return str(TIER_WORDS[value][0])
    if value in _DOSE_UNITS:  # a template's separate %(unit)s beside a dose ("4,000 %(unit)s")
        return dose_unit(value)
    if _ISO_DATE.fullmatch(value):
        return format_date(value)
    quantity = _quantity(value, analyte, user)
    if quantity is not None:
        return quantity
    for candidate in (value, value[:1].upper() + value[1:]):
        translated = _(candidate)
        if translated != candidate:
            return translated
    nested = _known_sentence(value, user) if "%(" not in value else None
    if nested is not None:
        return nested
    head = _known_head(value, user)
    if head is not None:
        return head
    return _ENGLISH_NUMBER.sub(lambda m: format_number(float(m.group().replace(",", ""))), value)


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a stored list, so an old or damaged plan still renders."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def citations(sources: list[str]) -> list[Citation]:
    found: dict[tuple[str, str], Citation] = {}
    for source in sources:
        for citation in resolve(source):
            found.setdefault((citation.reference.key, citation.section), citation)
    return list(found.values())


# --- the pieces of a plan ------------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    """What sits behind a "Why?" disclosure: the reasoning, the rule and its sources."""

    reason: str
    rules: list[str]
    sources: list[Citation]


@dataclass(frozen=True)
class AlertView:
    """One alert, or several of the same kind merged into one."""

    level: Level
    code: str
    message: str
    details: list[str]
    why: Why

    @property
    def halting(self) -> bool:
        return self.level in HALTING


@dataclass(frozen=True)
class Dose:
    """One supplement at one time of day."""

    nutrient: str
    label: str
    amount: str
    form: str
    take_with: str


@dataclass(frozen=True)
class Line:
    """One supplement of the plan: its daily amount, the upper-limit note, and why."""

    nutrient: str
    label: str
    daily: str
    daily_min: float
    daily_max: float
    unit: str
    stopped: bool
    form: str
    take_with: str
    why: Why
    limit: str = ""  # the upper limit, when the range reaches above it
    always_above_limit: bool = False  # even the low end of the range is above it
    action: str = ""  # the engine's word: add, keep, increase, reduce, pause or stop
    taking_above_limit: bool = False  # what the person takes now is above the limit


@dataclass(frozen=True)
class Comparison:
    """What the person takes against what the plan says, for one nutrient."""

    nutrient: str
    label: str
    taking: str
    taking_above_limit: bool
    plan: str
    advice: str


@dataclass(frozen=True)
class Marker:
    code: str
    label: str
    value: str
    drawn_on: str
    tier: str
    state: str
    tone: str
    target: str
    note: str = ""  # e.g. the albumin-corrected calcium the badge rates
    lab_range: str = ""  # the range the lab printed beside the value, in the person's unit


@dataclass(frozen=True)
class RetestView:
    """The next retest, one date for every page: the day it is (or was) due."""

    due_on: dt.date
    latest_on: dt.date | None
    days: int  # negative when overdue
    tests: list[str]
    why: Why

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days)

    @property
    def due_text(self) -> str:
        return fmt_date(self.due_on)

    @property
    def latest_text(self) -> str:
        return fmt_date(self.latest_on)


@dataclass
class PlanPresentation:
    """Everything a page shows of one plan, already labelled, grouped and formatted."""

    phase: str
    phase_reason: str
    as_of: str
    rule_set: str
    rules_version: str
    halting: list[AlertView] = field(default_factory=list)
    warnings: list[AlertView] = field(default_factory=list)
    notes: list[AlertView] = field(default_factory=list)
    routine: list[tuple[str, str, list[Dose]]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    stopped: list[Line] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    retest: RetestView | None = None
    expected: list[tuple[str, str]] = field(default_factory=list)
    expected_on: dt.date | None = None  # the day `expected` is for (the trends band's end)
    response: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    advisers: list[str] = field(default_factory=list)
    goal: str = ""
    limits_label: str = ""  # whose upper limits flag the doses: "US (IOM)" or "EU (EFSA)"

    @property
    def has_data(self) -> bool:
        return bool(self.markers)

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS.get(self.phase, self.phase))

    @property
    def on_hold(self) -> bool:
        return self.phase == "hold"

    @property
    def headline(self) -> str:
        """What to do now, in one line; the template words it from this kind."""
        if self.halting:
            return "halt"
        if self.on_hold:
            return "hold"
        if self.has_data and self.phase in ("correction", "maintenance"):
            return self.phase
        return "empty"

    @property
    def adviser(self) -> str:
        return ", ".join(self.advisers) or str(gettext_lazy("your physician"))

    @property
    def expected_on_text(self) -> str:
        return fmt_date(self.expected_on) if self.expected_on else ""


def _why(item: Mapping[str, Any], user=None) -> Why:
    reason = str(item.get("reason") or "")
    # A reason that is only a value ("< 10 ng/mL", a censored result) is its marker's.
    value = _quantity(reason, str(item.get("marker") or ""), user)
    return Why(
        reason=value if value is not None else humanize(reason, user),
        rules=[str(item["rule"])] if item.get("rule") else [],
        sources=citations([str(x) for x in item.get("sources") or []]),
    )


def _merge_whys(whys: list[Why]) -> Why:
    reasons = list(dict.fromkeys(w.reason for w in whys if w.reason))
    rules = list(dict.fromkeys(r for w in whys for r in w.rules))
    sources = {(c.reference.key, c.section): c for w in whys for c in w.sources}
    return Why("; ".join(reasons), rules, list(sources.values()))


def _alert_groups(alerts: list[Mapping[str, Any]], lines: list[Line], user=None) -> list[AlertView]:
    """Alerts of one code merge into one, with each distinct message as a detail."""
    # A range that reaches within the limit says on its line how to stay there, unless what
    # the person takes now is above the limit: that is flagged on its own (issue #10).
    within_reach = {
        line.nutrient
        for line in lines
        if line.limit and not line.always_above_limit and not line.taking_above_limit
    }
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for alert in alerts:
        if alert.get("code") == "above_upper_limit" and alert.get("nutrient") in within_reach:
            continue  # the line itself says how to stay within the limit: no warning box
        if alert.get("level") not in LEVELS:
            continue
        groups.setdefault((alert["level"], str(alert.get("code", ""))), []).append(alert)
    views = []
    for (level, code), members in groups.items():
        messages = list(dict.fromkeys(humanize(a.get("message", ""), user) for a in members))
        causes = [str(CAUSE_LABELS.get(c, c)) for a in members for c in a.get("causes") or []]
        views.append(
            AlertView(
                level=level,  # type: ignore[arg-type]
                code=code,
                message=messages[0] if len(messages) == 1 else _group_title(code, messages),
                details=(messages if len(messages) > 1 else []) + list(dict.fromkeys(causes)),
                why=_merge_whys([_why(a, user) for a in members]),
            )
        )
    return views


def _group_title(code: str, messages: list[str]) -> str:
    if code == "above_upper_limit":
        return _("Some doses are above the upper limit: take them only under medical supervision.")
    return messages[0]


def _take_with(item: Mapping[str, Any]) -> str:
    """The engine's magnesium advice names both the split and the single dose; keep the one
    this schedule uses."""
    text = humanize(item.get("take_with", ""))
    if "split doses" in text and "single dose" in text:
        split, _sep, single = text.partition(";")
        return split.strip() if len(item.get("schedule", [])) > 1 else single.strip()
    return text


def _limit(authority: str, nutrient: str) -> tuple[str, float | None]:
    """(unit, daily limit) under the authority the plan was made with."""
    if nutrient not in NUTRIENT_CATALOG:
        return "", None
    limit = upper_limit(authority, nutrient)
    return limit.unit, limit.limit


def _line(item: Mapping[str, Any], authority: str, user=None) -> Line:
    stopped = not item.get("daily_max")
    unit = item.get("unit", "")
    low, high = _num(item.get("daily_min")), _num(item.get("daily_max"))
    limit_unit, limit = _limit(authority, str(item.get("nutrient", "")))
    reaches_above = bool(item.get("above_upper_limit")) and limit is not None and unit == limit_unit
    return Line(
        nutrient=item.get("nutrient", ""),
        label=nutrient_label(item.get("nutrient", "")),
        daily="" if stopped else fmt_range(item.get("daily_min"), item.get("daily_max"), unit),
        daily_min=low,
        daily_max=high,
        unit=unit,
        stopped=stopped,
        form=engine_text(item.get("form", "")),
        take_with=_take_with(item),
        why=_why(item, user),
        limit=fmt_range(limit, limit, unit) if reaches_above else "",
        always_above_limit=reaches_above and limit is not None and low > limit,
        action=str(item.get("action", "")),
        taking_above_limit=bool(item.get("taking_above_upper_limit")),
    )


def _routine(supplements: list[Mapping[str, Any]]) -> list[tuple[str, str, list[Dose]]]:
    by_time: dict[str, list[Dose]] = {t: [] for t in TIMES}
    for item in supplements:
        if not item.get("daily_max"):
            continue  # a stopped supplement has no place in the routine
        for slot in _items(item.get("schedule")):
            if slot.get("time") not in by_time:
                continue
            by_time[slot["time"]].append(
                Dose(
                    nutrient=item.get("nutrient", ""),
                    label=nutrient_label(item.get("nutrient", "")),
                    amount=fmt_range(
                        slot.get("amount_min"), slot.get("amount_max"), item.get("unit", "")
                    ),
                    form=engine_text(item.get("form", "")),
                    take_with=_take_with(item),
                )
            )
    return [(t, str(TIME_LABELS.get(t, t)), doses) for t, doses in by_time.items() if doses]


def _taken_amounts(inputs: Mapping[str, Any]) -> dict[str, tuple[float, str]]:
    taken: dict[str, tuple[float, str]] = {}
    for item in _items(inputs.get("taking")):
        nutrient = item.get("nutrient", "")
        amount, unit = taken.get(nutrient, (0.0, item.get("unit", "")))
        taken[nutrient] = (amount + _num(item.get("amount")), unit)
    return taken


def _above_limit(nutrient: str, amount: float, unit: str, authority: str) -> bool:
    limit_unit, limit = _limit(authority, nutrient)
    return limit is not None and unit == limit_unit and amount > limit


def _advice(line: Line | None, amount: float, unit: str, *, on_hold: bool) -> str:
    if line is not None and line.stopped and line.action == "pause":
        if on_hold:
            return _("Pause it until you have talked to your physician.")
        return _("Pause it until the retest.")
    if line is not None and line.stopped:
        return _("Stop it.")
    if line is None:
        if on_hold:
            return _("Pause it until you have talked to your physician.")
        return _("Not part of this plan: ask your clinician whether you need it.")
    if not amount:
        return _("Add it.")
    if unit != line.unit:
        return _("Compare the label with the plan.")
    if amount < line.daily_min:
        return _("Increase it.")
    if amount > line.daily_max:
        return _("Reduce it.")
    return _("Keep it.")


def _comparisons(
    lines: list[Line], inputs: Mapping[str, Any], *, on_hold: bool, authority: str
) -> list[Comparison]:
    taken = _taken_amounts(inputs)
    by_nutrient = {line.nutrient: line for line in lines}
    rows = []
    for nutrient in [*by_nutrient, *(n for n in taken if n not in by_nutrient)]:
        line = by_nutrient.get(nutrient)
        amount, unit = taken.get(nutrient, (0.0, ""))
        plan = _("none") if line is None or line.stopped else line.daily
        rows.append(
            Comparison(
                nutrient=nutrient,
                label=nutrient_label(nutrient),
                taking=fmt_range(amount, amount, unit) if amount else _("nothing"),
                taking_above_limit=_above_limit(nutrient, amount, unit, authority),
                plan=plan,
                advice=_advice(line, amount, unit, on_hold=on_hold),
            )
        )
    return rows


def _target(m: Mapping[str, Any]) -> str:
    low, high = (m.get("target") or [None, None])[:2] if m.get("target") else (None, None)
    unit = m.get("unit", "")
    if low is not None and high is not None:
        return fmt_range(low, high, unit)
    if low is not None:
        return f"≥ {fmt_number(low)} {unit}".strip()
    return ""


def _in_person_units(user, code: str, m: Mapping[str, Any]) -> tuple[str, str] | None:
    """(value, target) in the person's unit, when the stored value is in the canonical one."""
    analyte = ANALYTES.get(code)
    value = m.get("value")
    if user is None or analyte is None or m.get("unit") != analyte.canonical_unit:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    band = m.get("target") if isinstance(m.get("target"), list) else []
    both = len(band) == 2 and all(isinstance(x, int | float) for x in band)
    return format_for(user, code, value), range_for(user, code, band) if both else _target(m)


def _markers(data: Mapping[str, Any], user=None) -> list[Marker]:
    rows = []
    for code, m in sorted(_mapping(data.get("markers")).items()):
        if not isinstance(m, Mapping):
            continue
        shown = _in_person_units(user, code, m) or (
            f"{fmt_number(m.get('value'))} {m.get('unit', '')}".strip(),
            _target(m),
        )
        corrected = m.get("corrected_value")
        note = ""
        if isinstance(corrected, int | float) and not isinstance(corrected, bool):
            # The tier is the albumin-corrected value's (Payne): say so beside the measured one.
            value = format_for(user, code, corrected) if user else fmt_number(corrected)
            note = _("corrected for albumin: %(value)s") % {"value": value}
        rows.append(
            Marker(
                code=code,
                label=analyte_label(code),
                value=shown[0],
                drawn_on=fmt_date(m.get("drawn_on")),
                tier=str(m.get("tier", "")),
                state=tier_words(str(m.get("tier", ""))),
                tone=tier_tone(str(m.get("tier", ""))),
                target=shown[1],
                note=note,
                lab_range=_lab_range_text(user, code, m.get("lab_range")),
            )
        )
    return rows


def _lab_range_text(user, code: str, ends: Any) -> str:
    """The plan JSON's "lab_range" (canonical ends) as the person reads it, or ""."""
    if user is None or code not in ANALYTES or not isinstance(ends, list) or len(ends) != 2:
        return ""
    if not all(e is None or (isinstance(e, int | float) and not isinstance(e, bool)) for e in ends):
        return ""
    return lab_range_for(user, code, ends[0], ends[1])


def _expected(data: Mapping[str, Any], user=None) -> list[tuple[str, str]]:
    """What the engine expects at the retest, in the person's unit (stored canonical)."""
    rows = []
    for code, band in sorted(_mapping(data.get("expected_at_retest")).items()):
        low, high = (list(band) + [None, None])[:2] if isinstance(band, list) else (None, None)
        if code in ANALYTES and _numbers(low, high):
            rows.append((analyte_label(code), range_for(user, code, (low, high))))
        else:
            rows.append((analyte_label(code), fmt_range(low, high)))
    return rows


def _expected_on(data: Mapping[str, Any]) -> dt.date | None:
    """The day the expected values are for, from the newest draw they start at: the same
    day the trends chart's band and the dashboard's "expected by" end."""
    markers, retest = _mapping(data.get("markers")), _mapping(data.get("retest"))
    due, latest = parse_date(retest.get("due_on")), parse_date(retest.get("latest_on"))
    drawn = [
        parse_date(_mapping(markers.get(code)).get("drawn_on"))
        for code in _mapping(data.get("expected_at_retest"))
    ]
    drawn = [day for day in drawn if day]
    if due is None or not drawn:
        return None
    return expected_band_end(max(drawn), due, latest)


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _response(data: Mapping[str, Any], user=None) -> list[dict[str, Any]]:
    """The rise since the previous draw against the expected one, in the person's unit."""
    rows = []
    for code, r in sorted(_mapping(data.get("response")).items()):
        if not isinstance(r, Mapping):
            continue
        previous, current = r.get("previous"), r.get("current")
        expected = (list(r.get("expected") or []) + [None, None])[:2]
        if code in ANALYTES and _numbers(previous, current, *expected):
            unit = display_unit(user, code)
            shown = [format_value(code, v, unit) for v in (previous, current)]
            band = range_for(user, code, expected)
        else:
            shown = [fmt_number(previous), fmt_number(current)]
            band = fmt_range(*expected)
        rows.append(
            {
                "code": code,
                "label": analyte_label(code),
                "previous": shown[0],
                "current": shown[1],
                "expected": band,
                "on_track": r.get("on_track"),
            }
        )
    return rows


def retest_codes(data: Mapping[str, Any] | None) -> list[str]:
    """The analyte codes the stored plan asks the lab for at the retest, in its order."""
    return [str(c) for c in _mapping(_mapping(data).get("retest")).get("tests") or []]


def retest_view(
    data: Mapping[str, Any] | None,
    *,
    today: dt.date,
    reminder_due_on: dt.date | None = None,
    stored_due_on: dt.date | None = None,
    user=None,
) -> RetestView | None:
    """The retest every page shows: the open reminder's date when there is one (it is what
    the emails follow), else the day the plan's retest is or was due (`stored_due_on` is the
    Plan row's column, for plans whose JSON lacks it)."""
    retest = _mapping(_mapping(data).get("retest"))
    due = (
        reminder_due_on
        or parse_date(retest.get("overdue_since"))
        or stored_due_on
        or parse_date(retest.get("due_on"))
    )
    if due is None:
        return None
    return RetestView(
        due_on=due,
        latest_on=parse_date(retest.get("latest_on")),
        days=(due - today).days,
        tests=[analyte_label(c) for c in retest_codes(data)],
        why=_why(retest, user),
    )


def _phase_reason(phase: str) -> str:
    if phase == "hold":
        return _(
            "A safety rule halted the protocol, or it does not apply to you as it is: follow "
            "the advice above and talk to your physician before taking these supplements."
        )
    if phase == "correction":
        return _(
            "At least one of 25(OH)D and RBC magnesium is below its target: correction doses "
            "for 8–12 weeks, then a retest."
        )
    if phase == "maintenance":
        return _("Your markers are at target: maintenance doses, with a retest every 6–12 months.")
    return _("There is no 25(OH)D or magnesium result to plan from yet.")


def present_plan(
    data: Mapping[str, Any] | None,
    inputs: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
    reminder_due_on: dt.date | None = None,
    stored_due_on: dt.date | None = None,
    stored_phase: str = "",
    user=None,
) -> PlanPresentation:
    """The stored plan JSON (and the snapshot it came from) shaped for every page."""
    data = data or {}
    inputs = inputs or {}
    phase = data.get("phase") if isinstance(data.get("phase"), str) else None
    phase = phase or stored_phase or "insufficient_data"  # the Plan row's column, for old JSON
    supplements = _items(data.get("supplements"))
    limits = _mapping(data.get("upper_limits"))
    authority = str(limits.get("authority") or "iom")
    lines = [_line(item, authority, user) for item in supplements]
    alerts = _alert_groups(_items(data.get("alerts")), lines, user)
    ordered = sorted(alerts, key=lambda a: LEVELS.index(a.level))
    flags = [str(f) for f in inputs.get("flags") or []]
    today = today or parse_date(data.get("as_of")) or dt.date.today()
    return PlanPresentation(
        phase=phase,
        # The engine's own words when it gives them (above-target or symptom-driven correction).
        phase_reason=humanize(str(data["phase_reason"]), user)
        if isinstance(data.get("phase_reason"), str) and data["phase_reason"]
        else _phase_reason(phase),
        as_of=fmt_date(data.get("as_of")),
        rule_set=str(RULE_SET_LABELS.get(str(data.get("rule_set", "")), "")),
        rules_version=str(data.get("rules_version", "")),
        halting=[a for a in ordered if a.halting],
        warnings=[a for a in ordered if a.level == "warning"],
        notes=[a for a in ordered if a.level == "info"],
        routine=_routine(supplements),
        lines=[line for line in lines if not line.stopped],
        # a pause (on hold, until the physician says) is advice on what is taken, not a stop
        stopped=[line for line in lines if line.stopped and line.action != "pause"],
        comparisons=_comparisons(lines, inputs, on_hold=phase == "hold", authority=authority),
        limits_label=_(str(limits.get("label"))) if limits.get("label") else "",
        markers=_markers(data, user),
        retest=retest_view(
            data,
            today=today,
            reminder_due_on=reminder_due_on,
            stored_due_on=stored_due_on,
            user=user,
        ),
        expected=_expected(data, user),
        expected_on=_expected_on(data),
        response=_response(data, user),
        flags=[flag_label(f) for f in flags],
        advisers=[str(ADVISERS[f]) for f in flags if f in ADVISERS],
        goal=_(GOALS[str(inputs["goal"])]) if inputs.get("goal") in GOALS else "",
    )


# --- the plan JSON's display text ---------------------------------------------------------


def plan_display(data: Mapping[str, Any], user) -> dict[str, Any]:
    """/plan.json's ``display`` block: every text field of the stored plan as `user` reads
    it (their language, lab values in their units at reading precision, dates their way),
    beside the canonical fields it mirrors, which stay as the engine wrote them."""
    retest = _mapping(data.get("retest"))
    markers = {
        code: {
            "value": format_for(user, code, m["value"]),
            "target": range_for(user, code, m["target"]) if _band(m.get("target")) else "",
        }
        for code, m in _mapping(data.get("markers")).items()
        if code in ANALYTES and isinstance(m, Mapping) and _numbers(m.get("value"))
    }
    return {
        "locale": get_language(),
        "units": {code: display_unit(user, code) for code in markers},
        "phase_reason": humanize(str(data.get("phase_reason") or ""), user),
        "markers": markers,
        "expected_at_retest": {
            code: range_for(user, code, band)
            for code, band in _mapping(data.get("expected_at_retest")).items()
            if code in ANALYTES and _band(band)
        },
        "alerts": [
            {
                "code": alert.get("code", ""),
                "message": humanize(str(alert.get("message") or ""), user),
                "reason": _why(alert, user).reason,
            }
            for alert in _items(data.get("alerts"))
        ],
        "supplements": [
            {
                "nutrient": item.get("nutrient", ""),
                "reason": _why(item, user).reason,
                "form": engine_text(str(item.get("form") or ""), user),
                "take_with": humanize(str(item.get("take_with") or ""), user),
            }
            for item in _items(data.get("supplements"))
        ],
        "retest": {"reason": _why(retest, user).reason} if retest else None,
    }


def _band(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2 and _numbers(*value)


# --- what changed between two plans -------------------------------------------------------


def _doses(data: Mapping[str, Any]) -> dict[str, tuple[Any, Any, str]]:
    return {
        s["nutrient"]: (s.get("daily_min"), s.get("daily_max"), s.get("unit", ""))
        for s in data.get("supplements", [])
    }


def _alert_keys(data: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {
        (a.get("code", ""), a.get("nutrient") or a.get("marker") or ""): a
        for a in data.get("alerts", [])
    }


def _dose_text(dose: tuple[Any, Any, str] | None) -> str:
    if dose is None or not dose[1]:
        return _("none")
    return fmt_range(dose[0], dose[1], dose[2])


def phase_label(phase: Any) -> str:
    return str(PHASE_LABELS.get(phase, phase or "—"))


def plan_changes(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], user=None
) -> list[str]:
    """What changed from one stored plan to the next, in plain words (values in `user`'s
    units)."""
    if previous is None:
        return [_("First plan.")]
    changes = []
    if previous.get("phase") != current.get("phase"):
        changes.append(
            _("Phase: %(old)s → %(new)s")
            % {"old": phase_label(previous.get("phase")), "new": phase_label(current.get("phase"))}
        )
    old_doses, new_doses = _doses(previous), _doses(current)
    for nutrient in dict.fromkeys([*old_doses, *new_doses]):
        old, new = _dose_text(old_doses.get(nutrient)), _dose_text(new_doses.get(nutrient))
        if old != new:
            changes.append(f"{nutrient_label(nutrient)}: {old} → {new}")
    old_due = (previous.get("retest") or {}).get("due_on")
    new_due = (current.get("retest") or {}).get("due_on")
    if old_due != new_due:
        changes.append(
            _("Retest: %(old)s → %(new)s")
            % {"old": fmt_date(old_due) or "—", "new": fmt_date(new_due) or "—"}
        )
    old_alerts, new_alerts = _alert_keys(previous), _alert_keys(current)
    for key in new_alerts.keys() - old_alerts.keys():
        message = humanize(new_alerts[key].get("message", ""), user)
        changes.append(_("Alert added: %(message)s") % {"message": message})
    for key in old_alerts.keys() - new_alerts.keys():
        message = humanize(old_alerts[key].get("message", ""), user)
        changes.append(_("Alert removed: %(message)s") % {"message": message})
    return changes or [_("Same plan, recomputed (rules or inputs changed without effect).")]
