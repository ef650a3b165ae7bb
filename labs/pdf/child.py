"""What runs in the sandbox's child process: open one file from stdin, print its text lines.

    python -m labs.pdf.child MODE KIND CPU_SECONDS MEMORY_MB MAX_PAGES < file

MODE is "text" (pdfplumber reads the PDF's own text) or "ocr" (pages rendered with
pypdfium2, or the photo itself, read by tesseract through pytesseract). KIND is "pdf" or
"image". The limits are set first, on this process (and so on the tesseract it starts):
CPU seconds, address space, file size. Output, one JSON object a line, flushed as it goes so
the OCR task can show progress: {"pages": n}, then {"page": i, "lines": [...]} per page, and
{"refused": code, ...params} when the file is refused. No Django here: this process starts in
a fraction of a second and touches nothing but its stdin and stdout.
"""

from __future__ import annotations

import io
import json
import logging
import resource
import sys

import pdfplumber
import pypdfium2
import pytesseract
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import PDFObjectNotFound, resolve1
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image, ImageOps, UnidentifiedImageError

OCR_DPI = 300
OCR_LANGUAGES = "deu+eng"
# Tesseract's page segmentation: 6 reads the page as one block of lines, which keeps a
# table's row on one line (3, automatic, splits the columns into separate blocks).
OCR_CONFIG = "--psm 6"
OCR_PAGE_SECONDS = 90
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; a decompression bomb stops here
MAX_OBJECTS = 100_000  # objects looked at for scripts; a lab report has a few hundred
IMAGE_FORMATS = {"JPEG", "PNG"}
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class Refused(Exception):
    def __init__(self, code: str, **params) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def limit(cpu_seconds: int, memory_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    big = 64 * 1024 * 1024  # tesseract's temporary image and text files, nothing larger
    resource.setrlimit(resource.RLIMIT_FSIZE, (big, big))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# --- PDF: structure checks and text ------------------------------------------------------------


def _is_script(obj) -> bool:
    """An action that runs JavaScript (/S /JavaScript, a /JS key) or a document's script
    name tree (/Names << /JavaScript … >>)."""
    if not isinstance(obj, dict):
        return False
    kind = getattr(obj.get("S"), "name", None)
    return kind == "JavaScript" or "JS" in obj or "JavaScript" in obj


def _check_scripts(document) -> None:
    seen = 0
    for xref in document.xrefs:
        for objid in xref.get_objids():
            seen += 1
            if seen > MAX_OBJECTS:
                raise Refused("too_complex")
            try:
                obj = document.getobj(objid)
            except PDFObjectNotFound:
                continue
            if _is_script(obj) or (isinstance(obj, dict) and _is_script(obj.get("OpenAction"))):
                raise Refused("javascript")


def _page_count(document) -> int:
    pages = resolve1(document.catalog.get("Pages"))
    count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    if not isinstance(count, int):
        raise Refused("malformed")
    return count


def _open_pdf(data: bytes, max_pages: int):
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise Refused("encrypted") from None
        raise Refused("malformed") from None
    _check_scripts(pdf.doc)
    pages = _page_count(pdf.doc)
    if pages > max_pages:
        raise Refused("too_many_pages", pages=pages, limit=max_pages)
    if pages < 1:
        raise Refused("malformed")
    return pdf, pages


def pdf_text(data: bytes, max_pages: int) -> None:
    pdf, pages = _open_pdf(data, max_pages)
    emit({"pages": pages})
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            lines = (page.extract_text() or "").splitlines()
            emit({"page": number, "lines": lines, "images": len(page.images)})


# --- OCR ---------------------------------------------------------------------------------------


def _ocr(image) -> list[str]:
    text = pytesseract.image_to_string(
        image, lang=OCR_LANGUAGES, config=OCR_CONFIG, timeout=OCR_PAGE_SECONDS
    )
    return [line for line in text.splitlines() if line.strip()]


def pdf_ocr(data: bytes, max_pages: int) -> None:
    _open_pdf(data, max_pages)  # the same checks as for text, before any page is drawn
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise Refused("malformed") from None
    pages = len(document)
    emit({"pages": pages})
    for number in range(pages):
        image = document[number].render(scale=OCR_DPI / 72, grayscale=True).to_pil()
        emit({"page": number + 1, "lines": _ocr(image)})


def image_ocr(data: bytes) -> None:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise Refused("not_supported")
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise Refused("too_complex")
        image = ImageOps.exif_transpose(image).convert("L")  # a phone photo, upright
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise Refused("not_supported") from None
    emit({"pages": 1})
    emit({"page": 1, "lines": _ocr(image)})


def main(argv: list[str]) -> int:
    mode, kind, cpu_seconds, memory_mb, max_pages = argv
    limit(int(cpu_seconds), int(memory_mb))
    logging.disable(logging.CRITICAL)  # pdfminer's warnings about sloppy files: not output
    data = sys.stdin.buffer.read()
    try:
        if kind == "image":
            image_ocr(data)
        elif mode == "ocr":
            pdf_ocr(data, int(max_pages))
        else:
            pdf_text(data, int(max_pages))
    except Refused as exc:
        emit({"refused": exc.code, **exc.params})
    except MemoryError:
        emit({"refused": "too_complex"})
    except Exception:  # noqa: BLE001 (whatever else a broken file raises, it is broken)
        emit({"refused": "malformed"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
