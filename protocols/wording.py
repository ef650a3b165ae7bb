"""The engine's sentences, marked for translation without translating them.

The engine is pure and writes English: that English is what the plan JSON stores. Every
sentence a person reads is written through `gettext_noop`, so `makemessages` finds it (by
that name) and the German catalogue holds it; presenters translate at display time
(protocols.presenters.engine_text). A sentence with values in it is a template with
``%(name)s`` placeholders: it is recorded in `TEMPLATES` so a stored sentence can be matched
back to its template, and its values put into the translated one.
"""

from __future__ import annotations

import re

TEMPLATES: dict[str, re.Pattern[str]] = {}  # template -> its pattern with named groups
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def gettext_noop(message: str) -> str:
    """`message` unchanged; recorded when it has ``%(name)s`` values (see the module doc)."""
    if "%(" in message and message not in TEMPLATES:
        regex, seen = [], set()
        for i, part in enumerate(_PLACEHOLDER.split(message)):
            if i % 2 == 0:
                regex.append(re.escape(part))
            else:  # a value named twice must read the same both times
                regex.append(f"(?P={part})" if part in seen else f"(?P<{part}>.+?)")
                seen.add(part)
        TEMPLATES[message] = re.compile("".join(regex) + r"\Z", re.DOTALL)
    return message
