"""The engine's sentences, marked for translation without translating them.

The engine is pure and writes English: that English is what the plan JSON stores. Every
sentence a person reads is written through `gettext_noop`, so `makemessages` finds it (by
that name) and the German catalogue holds it; presenters translate at display time
(protocols.presenters.engine_text). A sentence with values in it is a template with
``%(name)s`` placeholders: it is recorded in `TEMPLATES` so a stored sentence can be matched
back to its template, and its values put into the translated one.

A value with a lab unit is written "<number> <canonical unit>" ("100 ng/mL", "10.5 mg/dL"),
never as a bare number beside a unit the sentence spells out: the presenter then shows it in
the person's unit ("250 nmol/L"). A sentence's head (the part before its first colon) is
recorded in `HEADS`, because the retest reason quotes an alert by its head.
"""

from __future__ import annotations

import re

TEMPLATES: dict[str, re.Pattern[str]] = {}  # template -> its pattern with named groups
HEADS: dict[str, tuple[str, re.Pattern[str] | None]] = {}  # head -> (message, its pattern)
ANALYTE_OF: dict[str, str] = {}  # template -> the analyte its lab values belong to
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def pattern_of(template: str) -> re.Pattern[str]:
    """The regular expression a `template` written out matches, one group per value."""
    regex, seen = [], set()
    for i, part in enumerate(_PLACEHOLDER.split(template)):
        if i % 2 == 0:
            regex.append(re.escape(part))
        else:  # a value named twice must read the same both times
            regex.append(f"(?P={part})" if part in seen else f"(?P<{part}>.+?)")
            seen.add(part)
    return re.compile("".join(regex) + r"\Z", re.DOTALL)


def gettext_noop(message: str, analyte: str = "") -> str:
    """`message` unchanged; recorded when it has ``%(name)s`` values or a head (module doc).
    `analyte`: whose lab values the template's quantities are, where the unit alone does not
    tell ("10.5 mg/dL" is calcium's here); a ``%(marker)s`` value says it otherwise."""
    if analyte:
        ANALYTE_OF[message] = analyte
    if "%(" in message and message not in TEMPLATES:
        TEMPLATES[message] = pattern_of(message)
    head, colon, _rest = message.partition(":")
    if colon and head not in HEADS and len(_PLACEHOLDER.sub("", head).strip()) >= 8:
        HEADS[head] = (message, pattern_of(head) if "%(" in head else None)
    return message
