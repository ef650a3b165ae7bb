"""Open an uploaded report only in a child process with limits (labs.pdf.child).

A PDF is a program of sorts: a few kilobytes can inflate to gigabytes, nest without end or
carry scripts. Whatever the file, the web worker (or the OCR task) that asks waits at most
the wall-clock limit; the child dies at its CPU-time or memory limit; its temporary files
(tesseract's) live in a folder removed when it ends. Limits are per file, in one place here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 5 * 1024 * 1024  # under settings.MAX_UPLOAD_BYTES (6 MB), which guards the request
MAX_PAGES = 20  # a lab report has 1-6; a longer PDF is something else
OCR_MAX_PAGES = 10  # tesseract takes seconds a page
TEXT_CPU_SECONDS = 5  # reading a real 20-page report's text takes well under a second
TEXT_WALL_SECONDS = 15
OCR_CPU_SECONDS = 120  # rendering every page; each tesseract run has its own equal limit
OCR_WALL_SECONDS = 600
MEMORY_MB = 1536
PDF_MAGIC = b"%PDF-"
IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
ROOT = Path(__file__).resolve().parents[2]

# Why a file was refused: a code the child or this module gives, and its parameters.
ENCRYPTED, JAVASCRIPT, MALFORMED = "encrypted", "javascript", "malformed"
TOO_MANY_PAGES, TOO_COMPLEX, NOT_SUPPORTED, TOO_LARGE = (
    "too_many_pages",
    "too_complex",
    "not_supported",
    "too_large",
)


class Refused(Exception):
    """The file is not read: `code` says why (a key of labs.pdf.services.REFUSALS)."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Extracted:
    pages: int = 0
    lines: list[tuple[int, str]] = field(default_factory=list)  # (page, text)
    images: dict[int, int] = field(default_factory=dict)  # page → images drawn on it

    def scanned_pages(self, min_characters: int) -> list[int]:
        """Pages that are pictures of text: an image, and (almost) no text of their own."""
        text: dict[int, int] = {}
        for page, line in self.lines:
            text[page] = text.get(page, 0) + len(line.strip())
        return [p for p, n in self.images.items() if n and text.get(p, 0) < min_characters]

    @property
    def characters(self) -> int:
        return sum(len(text.strip()) for _page, text in self.lines)


def sniff(data: bytes) -> str:
    """ "application/pdf", "image/jpeg" or "image/png" from the file's first bytes (never
    its name or the browser's word for it), else Refused(NOT_SUPPORTED)."""
    if len(data) > MAX_BYTES:
        raise Refused(TOO_LARGE, limit=MAX_BYTES // (1024 * 1024))
    if PDF_MAGIC in data[:1024]:  # the header may follow a little junk, as readers allow
        return "application/pdf"
    for magic, content_type in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return content_type
    raise Refused(NOT_SUPPORTED)


def _command(mode: str, kind: str, cpu: int, pages: int) -> list[str]:
    return [sys.executable, "-m", "labs.pdf.child", mode, kind, str(cpu), str(MEMORY_MB),
            str(pages)]  # fmt: skip


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the child and the tesseract it started
    process.wait()


def _run(command: list[str], data: bytes, wall: float, on_message: Callable[[dict], None]):
    with tempfile.TemporaryDirectory(prefix="cofactor-report-") as tmp:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": tmp,
               "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1", "LANG": "C.UTF-8"}  # fmt: skip
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        timer = _Deadline(process, wall)
        try:
            process.stdin.write(data)
            process.stdin.close()
            for raw in process.stdout:
                on_message(json.loads(raw))
            process.wait()
        except (BrokenPipeError, ValueError):
            pass  # the child died early: its exit status says why, below
        finally:
            timer.cancel()
            if process.poll() is None:
                _kill(process)
        if timer.fired or process.returncode != 0:
            raise Refused(TOO_COMPLEX)


class _Deadline:
    """Kill the child's whole process group once `seconds` of wall time have passed."""

    def __init__(self, process: subprocess.Popen, seconds: float) -> None:
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire, args=(process,))
        self._timer.daemon = True
        self._timer.start()

    def _fire(self, process: subprocess.Popen) -> None:
        self.fired = True
        _kill(process)

    def cancel(self) -> None:
        self._timer.cancel()


def _collect(extracted: Extracted, on_page: Callable[[int, int], None] | None):
    def on_message(message: dict) -> None:
        if "refused" in message:
            code = message.pop("refused")
            raise Refused(code, **message)
        if "pages" in message:
            extracted.pages = message["pages"]
        if "page" in message:
            extracted.lines += [(message["page"], line) for line in message["lines"]]
            extracted.images[message["page"]] = message.get("images", 0)
            if on_page is not None:
                on_page(message["page"], extracted.pages)

    return on_message


def read_text(data: bytes) -> Extracted:
    """The text lines of a PDF (its own text, no OCR), or Refused."""
    extracted = Extracted()
    command = _command("text", "pdf", TEXT_CPU_SECONDS, MAX_PAGES)
    _run(command, data, TEXT_WALL_SECONDS, _collect(extracted, None))
    return extracted


def read_ocr(data: bytes, content_type: str, on_page=None) -> Extracted:
    """The text lines tesseract reads on a scanned PDF's pages or a photo, or Refused.
    `on_page(done, total)` is called after each page (the task's progress)."""
    kind = "pdf" if content_type == "application/pdf" else "image"
    extracted = Extracted()
    command = _command("ocr", kind, OCR_CPU_SECONDS, OCR_MAX_PAGES)
    _run(command, data, OCR_WALL_SECONDS, _collect(extracted, on_page))
    return extracted
