"""Structured logs (one JSON object a line) that carry no health value and no link token.

What could carry one, and what is done about it:
- a URL: query strings are dropped ("?…") and link tokens (reminder emails, the calendar
  feed, share links) replaced ("[token]");
- an exception's message (a database error quotes the row, a ValueError the text it could not
  parse): only the exception's type and the traceback's frames (file, line, function) are
  written, never the message nor any local variable;
- the request object Django attaches to its records: only the method, the path (as above),
  the status and the person's id are taken from it.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime

_TOKEN_PATH = re.compile(
    r"(/reminders/(?:snooze|unsubscribe|calendar|doses/unsubscribe)/|/shared/)(?!(?:new|off)/)"
    r"[^/\s\"']+"
)
_QUERY = re.compile(r"\?[^\s\"']*")


def redact(text: str) -> str:
    return _QUERY.sub("?…", _TOKEN_PATH.sub(r"\1[token]", text))


class RedactFilter(logging.Filter):
    """Render the message once, redacted, so no handler sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def _frames(exc_info) -> list[str]:
    return [
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc_info[2])
    ]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            user = getattr(request, "user", None)
            entry |= {
                "method": getattr(request, "method", None),
                "path": redact(request.path),
                "user_id": getattr(user, "pk", None),
            }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__qualname__
            entry["frames"] = _frames(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)  # UTF-8 lines, readable
