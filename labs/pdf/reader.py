"""A lab report's text lines → result rows, the draw date and the lab. Pure: no Django.

A result line is read as: the test's name, then its value (a limit "<0.30" or "< 0.30"
kept), the lab's flag (H/L, +/-, arrows), the unit and the printed reference range
("30.0-100.0", "0,66 - 1,07", ">59", "< 5"), in whatever spacing the PDF gives. Numbers
between the value and the unit are other columns (a previous result beside the current
one): the current value is the first, or the last when the table's header names the
previous column before the current one. Names are the catalog's (labs.analytes.find_analyte:
codes, names, aliases and the local names in every language the catalog knows), so the CSV
import and this reader never disagree about what a name means. A line that looks like a
result (a name, a value, a unit) whose name is not in the catalog is kept as "not placed":
the review lists it; nothing is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date

from labs import validation
from labs.analytes import find_analyte
from labs.importers import DAY_FIRST, MONTH_FIRST, date_order_of
from labs.units import UnknownUnit, normalize_unit

_NUMBER = r"\d+(?:[.,]\d+)?"
_VALUE = re.compile(rf"(?P<qualifier>[<>])?(?P<number>{_NUMBER})(?P<flag>[HL+\-]{{0,2}})")
# Where a printed range starts; labs.validation.parse_reference_text reads and checks it.
_RANGE = re.compile(rf"{_NUMBER}\s*(?:-|–|—|to|bis)\s*{_NUMBER}|[<≤>≥]=?\s*{_NUMBER}", re.I)
# A unit-like word for a test outside the catalog ("U/L", "%", "µg/l", "fL").
_UNIT_LIKE = re.compile(r"%|[A-Za-zµμ]{1,5}/[A-Za-z0-9.]{1,8}|fl|fL|Mio/µl|G/l")
# 03/14/2025, 03.02.2025 and 03.02.25 (two-digit years: this century unless that is ahead),
# or ISO 2025-03-14.
_DATE = re.compile(
    r"(?<![\d.,])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d.,])"
    r"|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"
)

# What the words just before a date say it is; earlier in the list wins.
_DATE_LABELS = (
    ("collected", ("collect", "drawn", "entnahme", "abnahme", "specimen date", "sample date",
                   "date of service", "probenahme")),
    ("received", ("received", "eingang", "accession")),
    ("reported", ("report", "befund", "printed", "final", "druck", "ausgang", "result")),
)  # fmt: skip
_NOT_DRAW_DATES = ("birth", "dob", "geb", "born", "previous", "prior", "vorwert", "vorbefund",
                   "letzte", "last")  # fmt: skip
_LAB_WORDS = ("laborator", "labor ", "labor", " lab", "labs", "diagnostic", "mvz", "pathology",
              "klinische chemie", "medizinisches versorgungszentrum")  # fmt: skip
_LAB_LABEL = re.compile(r"^(?:lab|labor|laboratory|performing lab|testing lab)\s*:\s*(.+)", re.I)
_GERMAN_WORDS = ("untersuchung", "ergebnis", "einheit", "referenzbereich", "befund",
                 "entnahme", "normbereich", "seite")  # fmt: skip
_CURRENT_WORDS = ("current", "result", "ergebnis", "aktuell", "befund", "resultat", "wert")
_PREVIOUS_WORDS = ("previous", "prior", "vorwert", "vorbefund", "vorherig", "früher", "last")


@dataclass
class ReportRow:
    """One result line as read: what the review shows and the person may change."""

    line: int  # 1-based number of the text line in the whole report
    page: int
    source: str  # the line as the PDF (or tesseract) gave it
    analyte: str = ""  # catalog code; "" when the name is not in the catalog
    name: str = ""  # the test's name as printed
    value: str = ""  # as printed, the qualifier kept: "22.4", "<0,30"
    unit: str = ""  # the catalog's spelling when known, else as printed
    low: float | None = None  # the printed reference range, in the row's unit
    high: float | None = None
    flag: str = ""  # the lab's flag: validation.HIGH, validation.LOW or ""

    @property
    def placed(self) -> bool:
        return bool(self.analyte)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ReportRow:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class ReportParse:
    rows: list[ReportRow] = field(default_factory=list)  # placed and not placed, in order
    drawn_on: date | None = None
    lab: str = ""
    pages: int = 0

    @property
    def placed(self) -> list[ReportRow]:
        return [r for r in self.rows if r.placed]

    @property
    def unplaced(self) -> list[ReportRow]:
        return [r for r in self.rows if not r.placed]

    def to_json(self) -> dict:
        return {
            "rows": [r.to_json() for r in self.rows],
            "drawn_on": self.drawn_on.isoformat() if self.drawn_on else None,
            "lab": self.lab,
            "pages": self.pages,
        }

    @classmethod
    def from_json(cls, data: dict) -> ReportParse:
        drawn_on = data.get("drawn_on")
        return cls(
            rows=[ReportRow.from_json(r) for r in data.get("rows", [])],
            drawn_on=date.fromisoformat(drawn_on) if drawn_on else None,
            lab=data.get("lab", ""),
            pages=data.get("pages", 0),
        )


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2212", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _number(text: str) -> float | None:
    try:
        return float(validation.parse_decimal(text))
    except validation.LabValueError:
        return None


def _unit_at(tokens: list[str], start: int) -> tuple[int, int, str] | None:
    """The first unit at or after `start`: (index, tokens it spans, the catalog's spelling,
    or the printed word for a unit-like word outside the catalog)."""
    for index in range(start, len(tokens)):
        for span in (2, 1):  # "mL/min/1.73 m2" can be two words
            words = " ".join(tokens[index : index + span])
            if span == 2 and index + 1 >= len(tokens):
                continue
            try:
                return index, span, normalize_unit(words)
            except UnknownUnit:
                pass
        if _UNIT_LIKE.fullmatch(tokens[index]):
            return index, 1, tokens[index]
    return None


def _flag(text: str) -> str:
    """H or L when the word is a lab's flag ("H", "L", "+", "-", arrows), else ""."""
    try:
        return validation.check_flag(text) if text else ""
    except validation.BadRange:
        return ""


def _range(text: str, analyte, unit: str) -> validation.ReferenceRange | None:
    """The printed range at the start of `text`, read by the one range parser."""
    match = _RANGE.match(text.strip().lstrip("([").strip())  # "(2,20 - 2,65)" as some print it
    if match is None:
        return None
    try:
        return validation.parse_reference_text(match[0], analyte=analyte, unit=unit)
    except validation.LabValueError:
        return None


def _split_name(tokens: list[str]) -> int | None:
    """Where the value starts: the first word that is a number (or "<" before one)."""
    for index, token in enumerate(tokens):
        if index == 0:
            continue
        if _VALUE.fullmatch(token) or (token in {"<", ">"} and index + 1 < len(tokens)
                                       and re.fullmatch(_NUMBER, tokens[index + 1])):  # fmt: skip
            return index
    return None


def _analyte_of(name: str):
    analyte = find_analyte(name)
    if analyte is None and "(" in name:  # "Vitamin D (CLIA)": the method in brackets
        analyte = find_analyte(re.sub(r"\([^)]*\)", " ", name))
    return analyte


@dataclass
class _Values:
    values: list[tuple[str, str]]  # (value as printed, flag) in the order printed
    unit: str
    after: str  # the words after the unit (the range, usually)
    between: str  # the words between the values and the unit (a range printed before it)


def _read_values(tokens: list[str]) -> _Values | None:
    """The value columns, the unit and the words around it, after a test's name."""
    values: list[tuple[str, str]] = []
    index, unit_at = 0, _unit_at(tokens, 0)
    end = unit_at[0] if unit_at else len(tokens)
    while index < end:
        token = tokens[index]
        if token in {"<", ">"} and index + 1 < end:
            token, index = token + tokens[index + 1], index + 1
        match = _VALUE.fullmatch(token)
        if match is None:
            if values and not values[-1][1] and (flag := _flag(token)):
                values[-1] = (values[-1][0], flag)
                index += 1
                continue
            break  # a range printed before the unit, or words: the values end here
        values.append((f"{match['qualifier'] or ''}{match['number']}", _flag(match["flag"])))
        index += 1
    if not values:
        return None
    after = " ".join(tokens[unit_at[0] + unit_at[1] :]) if unit_at else ""
    return _Values(values, unit_at[2] if unit_at else "", after, " ".join(tokens[index:end]))


def _columns_reversed(header: str) -> bool:
    """True when the table's header names the previous result's column before the current's."""
    words = header.casefold()
    previous = min((words.find(w) for w in _PREVIOUS_WORDS if w in words), default=-1)
    current = min((words.find(w) for w in _CURRENT_WORDS if w in words), default=-1)
    return previous >= 0 and current >= 0 and previous < current


def read_line(number: int, page: int, text: str, *, reversed_columns: bool = False):
    """A ReportRow for a result line, or None for any other line (headers, addresses)."""
    source = _clean(text)
    tokens = source.split(" ")
    split = _split_name(tokens)
    if split is None or not any(c.isalpha() for c in tokens[0]):
        return None
    name = " ".join(tokens[:split]).strip(" :*")
    values = _read_values(tokens[split:])
    if values is None:
        return None
    analyte = _analyte_of(name)
    unit = values.unit if analyte is None or values.unit in analyte.units else ""
    printed = _range(values.after, analyte, unit) or _range(values.between, analyte, unit)
    if not values.unit and (analyte is None or printed is None):
        return None  # a name and numbers without a unit: an address or an ID, not a test
    value, flag = values.values[-1] if reversed_columns else values.values[0]
    printed = printed or validation.NO_RANGE
    return ReportRow(number, page, source, analyte.code if analyte else "", name, value,
                     values.unit, printed.low, printed.high, flag)  # fmt: skip


# --- the header: date and lab ---------------------------------------------------------------


def _date_kind(before: str) -> str | None:
    """What the words just before a date call it; None for a birth or a previous date."""
    words = before[-40:].casefold()
    found = [(words.rfind(w), kind) for kind, ws in _DATE_LABELS for w in ws if w in words]
    excluded = max((words.rfind(w) for w in _NOT_DRAW_DATES if w in words), default=-1)
    best = max(found, default=(-1, "other"))
    if excluded > best[0]:
        return None
    return best[1]


def _draw_date(lines: list[str], german: bool, today: date) -> date | None:
    found: list[tuple[int, str, tuple[str, ...]]] = []
    rank = {kind: n for n, (kind, _words) in enumerate(_DATE_LABELS)} | {"other": 9}
    for text in lines:
        for match in _DATE.finditer(text):
            kind = _date_kind(text[: match.start()])
            if kind is not None:
                found.append((rank[kind], match[0], match.groups()))
    slashed = [text for _rank, text, _groups in found if "/" in text]
    order = DAY_FIRST if german else (date_order_of(slashed) or MONTH_FIRST)
    for _rank, _text, groups in sorted(found, key=lambda f: f[0]):
        drawn_on = _as_date(groups, order, today)
        if drawn_on is not None and validation.EARLIEST_DATE <= drawn_on <= today:
            return drawn_on
    return None


def _as_date(groups: tuple, order: str, today: date) -> date | None:
    first, separator, second, year, iso_year, iso_month, iso_day = groups
    if year and len(year) == 2:
        year = str(2000 + int(year) if 2000 + int(year) <= today.year else 1900 + int(year))
    try:
        if iso_year:
            return date(int(iso_year), int(iso_month), int(iso_day))
        if separator == "." or order == DAY_FIRST:
            return date(int(year), int(second), int(first))
        return date(int(year), int(first), int(second))
    except ValueError:
        return None


def _lab_name(lines: list[str]) -> str:
    for text in lines[:12]:
        if match := _LAB_LABEL.match(text):
            return match[1].strip()[: validation.LAB_MAX_LENGTH]
    for text in lines[:6]:
        words = f" {text.casefold()} "
        if any(w in words for w in _LAB_WORDS) and not _DATE.search(text):
            return text.strip()[: validation.LAB_MAX_LENGTH]
    return ""


def read_report(lines: list[tuple[int, str]], *, pages: int, today: date) -> ReportParse:
    """Every result line of a report's text (page, line) and its header's date and lab."""
    texts = [_clean(text) for _page, text in lines]
    german = sum(any(w in t.casefold() for w in _GERMAN_WORDS) for t in texts) >= 2
    parse = ReportParse(drawn_on=_draw_date(texts, german, today), lab=_lab_name(texts),
                        pages=pages)  # fmt: skip
    reversed_columns = False
    for number, ((page, _raw), text) in enumerate(zip(lines, texts, strict=True), start=1):
        if any(w in text.casefold() for w in _PREVIOUS_WORDS + _CURRENT_WORDS):
            reversed_columns = reversed_columns or _columns_reversed(text)
        row = read_line(number, page, text, reversed_columns=reversed_columns)
        if row is not None:
            parse.rows.append(row)
    return parse
