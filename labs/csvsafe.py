"""Spreadsheet formula guard for CSV cells (OWASP "CSV Injection"). Pure.

A cell that starts with = + - @ tab or CR runs as a formula when a spreadsheet opens the
file; so does the part after a "," or ";" when the spreadsheet splits cells on it (some
locales use ";"). `guard` puts a "'" before each such start, `unguard` takes exactly those
back out, so an exported note reads back as typed.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STARTS = "=+\\-@\t\r"
_AFTER_SEPARATOR = re.compile(rf"([,;][ ]*)(?=[{_STARTS}])")
_GUARDED_AFTER_SEPARATOR = re.compile(rf"([,;][ ]*)'(?=[{_STARTS}])")


def guard(text: str) -> str:
    text = _AFTER_SEPARATOR.sub(r"\1'", text)
    return f"'{text}" if text.lstrip(" ").startswith(FORMULA_START) else text


def unguard(text: str) -> str:
    if text[:1] == "'" and text[1:].lstrip(" ").startswith(FORMULA_START):
        text = text[1:]
    return _GUARDED_AFTER_SEPARATOR.sub(r"\1", text)
