"""Lab report PDFs made by the tests themselves (fpdf2), imitating three real layouts, and the
rows each one should import. Also: a scanned (image-only) copy of a report, and hostile files.

Layouts:
- US: a commercial lab's "Test / Result / Flag / Units / Reference Interval" table, dates
  MM/DD/YYYY, a patient's date of birth in the header (never the draw date).
- DE: a German laboratory's "Untersuchung / Ergebnis / Einheit / Referenzbereich", decimal
  commas, dd.mm.yyyy, the flag beside the value ("22,4 -").
- TWO_COLUMN: current results beside the previous ones ("Current / Previous"): only the
  current column is taken.
"""

from __future__ import annotations

import functools
import io
import zlib
from dataclasses import dataclass
from datetime import date

import pypdfium2
from fpdf import FPDF
from PIL import Image


@dataclass(frozen=True)
class Expected:
    analyte: str
    value: float
    unit: str
    low: float | None
    high: float | None
    flag: str = ""
    qualifier: str = ""


@dataclass(frozen=True)
class Layout:
    name: str
    drawn_on: date
    lab: str
    expected: tuple[Expected, ...]
    unplaced: tuple[str, ...]  # result lines whose test is not in the catalog


def _pdf() -> FPDF:
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    return pdf


def _row(pdf: FPDF, y: float, cells: list[tuple[float, str]], *, bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 10)
    for x, text in cells:
        pdf.text(x, y, text)


US = Layout(
    "us",
    date(2025, 3, 14),
    "Summit Clinical Laboratories",
    (
        Expected("vitd_25oh", 22.4, "ng/mL", 30.0, 100.0, "L"),
        Expected("ca_total", 10.4, "mg/dL", 8.6, 10.2, "H"),
        Expected("mg_rbc", 4.6, "mg/dL", 4.2, 6.8),
        Expected("pth_intact", 58.0, "pg/mL", 15.0, 65.0),
        Expected("albumin", 4.4, "g/dL", 3.5, 5.0),
        Expected("egfr", 94.0, "mL/min/1.73m2", 59.0, None),
        Expected("creatinine", 0.3, "mg/dL", 0.6, 1.3, "L", "<"),
    ),
    ("Ferritin",),
)


def us_report() -> bytes:
    pdf = _pdf()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(15, 18, US.lab)
    _row(pdf, 24, [(15, "1200 Harbor Blvd, Suite 5, Springfield, IL 62701  Tel (217) 555-0140")])
    _row(pdf, 34, [(15, "Patient: DOE, JANE"), (120, "DOB: 07/02/1981")])
    _row(pdf, 40, [(15, "Specimen ID: 4471-22"), (120, "Collected: 03/14/2025 07:45")])
    _row(pdf, 46, [(15, "Account: 55120"), (120, "Reported: 03/16/2025")])
    columns = [15, 85, 110, 125, 155]
    headings = ["Test", "Result", "Flag", "Units", "Reference Interval"]
    _row(pdf, 58, list(zip(columns, headings, strict=True)), bold=True)
    lines = [
        ["Vitamin D, 25-Hydroxy", "22.4", "L", "ng/mL", "30.0-100.0"],
        ["Calcium", "10.4", "H", "mg/dL", "8.6-10.2"],
        ["Magnesium, RBC", "4.6", "", "mg/dL", "4.2-6.8"],
        ["PTH, Intact", "58", "", "pg/mL", "15-65"],
        ["Albumin", "4.4", "", "g/dL", "3.5-5.0"],
        ["Ferritin", "85", "", "ng/mL", "38-380"],
        ["eGFR", "94", "", "mL/min/1.73m2", ">59"],
        ["Creatinine", "<0.30", "L", "mg/dL", "0.60-1.30"],
    ]
    for n, cells in enumerate(lines):
        _row(pdf, 66 + 7 * n, list(zip(columns, cells, strict=True)))
    _row(
        pdf, 130, [(15, "Results are flagged H (high) or L (low) against the reference interval.")]
    )
    _row(pdf, 260, [(15, "Page 1 of 1"), (150, "Final report")])
    return bytes(pdf.output())


DE = Layout(
    "de",
    date(2025, 2, 3),
    "MVZ Labor Dr. Berger & Kollegen",
    (
        Expected("vitd_25oh", 18.6, "ng/mL", 30.0, 100.0, "L"),
        Expected("mg_serum", 0.78, "mmol/L", 0.66, 1.07),
        Expected("ca_total", 2.41, "mmol/L", 2.2, 2.65),
        Expected("pth_intact", 72.5, "ng/L", 15.0, 65.0, "H"),
        Expected("creatinine", 0.92, "mg/dL", 0.5, 0.9, "H"),
        Expected("phosphate", 1.05, "mmol/L", 0.87, 1.45),
    ),
    ("Vitamin B12 (Holo-TC)",),
)


def de_report() -> bytes:
    pdf = _pdf()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(15, 18, DE.lab)
    _row(pdf, 24, [(15, "Laborstraße 12, 80331 München  Telefon 089 123456-0")])
    _row(pdf, 34, [(15, "Patient: Mustermann, Erika"), (120, "Geb.-Datum: 12.08.1975")])
    _row(pdf, 40, [(15, "Auftragsnummer: 250203-117"), (120, "Entnahme: 03.02.2025 08:10")])
    _row(pdf, 46, [(15, "Einsender: Praxis Dr. Huber"), (120, "Befunddatum: 04.02.2025")])
    columns = [15, 85, 120, 150]
    headings = ["Untersuchung", "Ergebnis", "Einheit", "Referenzbereich"]
    _row(pdf, 58, list(zip(columns, headings, strict=True)), bold=True)
    lines = [
        ["25-OH-Vitamin D3", "18,6 -", "ng/ml", "30 - 100"],
        ["Magnesium (Serum)", "0,78", "mmol/l", "0,66 - 1,07"],
        ["Calcium", "2,41", "mmol/l", "2,20 - 2,65"],
        ["Parathormon intakt", "72,5 +", "ng/l", "15,0 - 65,0"],
        ["Kreatinin", "0,92 +", "mg/dl", "0,50 - 0,90"],
        ["Phosphat", "1,05", "mmol/l", "0,87 - 1,45"],
        ["Vitamin B12 (Holo-TC)", "64", "pmol/l", "> 50"],
    ]
    for n, cells in enumerate(lines):
        _row(pdf, 66 + 7 * n, list(zip(columns, cells, strict=True)))
    _row(pdf, 125, [(15, "+ = oberhalb, - = unterhalb des Referenzbereichs")])
    _row(pdf, 260, [(15, "Seite 1 von 1"), (140, "Endbefund")])
    return bytes(pdf.output())


TWO_COLUMN = Layout(
    "two-column",
    date(2025, 6, 20),
    "Northside Diagnostics Laboratory",
    (
        Expected("vitd_25oh", 41.5, "ng/mL", 30.0, 100.0),
        Expected("mg_rbc", 5.2, "mg/dL", 4.2, 6.8),
        Expected("ca_total", 9.6, "mg/dL", 8.6, 10.3),
        Expected("pth_intact", 38.0, "pg/mL", 16.0, 77.0),
    ),
    (),
)


def two_column_report() -> bytes:
    pdf = _pdf()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(15, 18, TWO_COLUMN.lab)
    _row(pdf, 30, [(15, "Name: ROE, RICHARD"), (120, "Date of Birth: 11/30/1969")])
    _row(pdf, 36, [(15, "Date Collected: 06/20/2025"), (120, "Date Reported: 06/21/2025")])
    columns = [15, 75, 100, 150, 175]
    headings = ["Test", "Current", "Previous 01/10/2025", "Units", "Reference Range"]
    _row(pdf, 50, list(zip(columns, headings, strict=True)), bold=True)
    lines = [
        ["Vitamin D, 25-Hydroxy", "41.5", "19.8 L", "ng/mL", "30.0 - 100.0"],
        ["RBC Magnesium", "5.2", "4.1 L", "mg/dL", "4.2 - 6.8"],
        ["Calcium, Total", "9.6", "9.4", "mg/dL", "8.6 - 10.3"],
        ["PTH, Intact", "38", "71 H", "pg/mL", "16 - 77"],
    ]
    for n, cells in enumerate(lines):
        _row(pdf, 58 + 7 * n, list(zip(columns, cells, strict=True)))
    return bytes(pdf.output())


REPORTS = {
    "us": (US, us_report),
    "de": (DE, de_report),
    "two-column": (TWO_COLUMN, two_column_report),
}


def page_image(pdf_bytes: bytes, dpi: int = 200):
    """The first page of a PDF as a PIL image, as a scanner would see the paper."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def scanned(pdf_bytes: bytes) -> bytes:
    """An image-only PDF of the report: its page rendered to pixels, wrapped as a PDF."""
    image = page_image(pdf_bytes)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF(format="Letter")
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def text_then_scan() -> bytes:
    """Page 1 with text (the US report's lines), page 2 a scanned page (the German report)."""
    image = io.BytesIO()
    page_image(de_report()).save(image, format="PNG")
    pdf = _pdf()
    for n, line in enumerate(["Summit Clinical Laboratories", "Collected: 03/14/2025",
                              "Vitamin D, 25-Hydroxy 22.4 L ng/mL 30.0-100.0"]):  # fmt: skip
        _row(pdf, 20 + 8 * n, [(15, line)])
    pdf.add_page()
    pdf.image(io.BytesIO(image.getvalue()), x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def photo(pdf_bytes: bytes, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    page_image(pdf_bytes).save(buffer, format=fmt, quality=90)
    return buffer.getvalue()


# --- hostile files ---------------------------------------------------------------------------


def encrypted_report() -> bytes:
    pdf = _pdf()
    pdf.set_font("Helvetica", "", 10)
    pdf.text(15, 20, "Vitamin D, 25-Hydroxy 22.4 L ng/mL 30.0-100.0")
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")  # noqa: S106
    return bytes(pdf.output())


def many_pages(count: int = 200) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", "", 10)
    for n in range(count):
        pdf.add_page()
        pdf.text(15, 20, f"Page {n + 1}")
    return bytes(pdf.output())


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand, object by object (1 is the catalog), with its xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n" % (len(objects) + 1))
    out.write(b"%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(content: bytes, *, flate: bool = False) -> bytes:
    extra = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


_PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>",
]
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def with_javascript() -> bytes:
    """A report whose catalog runs JavaScript when it opens (an /OpenAction)."""
    text = b"BT /F1 10 Tf 40 740 Td (Calcium 9.6 mg/dL 8.6-10.2) Tj ET"
    catalog = (
        b"<< /Type /Catalog /Pages 2 0 R"
        b" /OpenAction << /S /JavaScript /JS (app.alert\\('hello'\\);) >> >>"
    )
    return _raw_pdf([catalog, *_PAGES, _stream(text), _FONT])


@functools.cache
def bomb() -> bytes:
    """A small file whose one content stream inflates to ~300 MB of drawing operators."""
    compressor = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * 75_000  # 1 MB
    body = b"".join(compressor.compress(chunk) for _ in range(300)) + compressor.flush()
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    return _raw_pdf([catalog, *_PAGES, _stream(body, flate=True), _FONT])


def not_a_pdf() -> bytes:
    """A Windows executable's first bytes, saved as report.pdf."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000


def truncated() -> bytes:
    return us_report()[:900]


def huge_photo() -> bytes:
    """A few kilobytes of PNG that claim 64 megapixels (a decompression bomb for OCR)."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(buffer, format="PNG")
    return buffer.getvalue()
