"""An upload waiting in the person's session between its preview and its confirmation.

Server-side only (the session store): what is imported is what was previewed, never
rows posted back by the browser. A CSV waiting for its column mapping keeps its bytes;
once previewed, only the parsed rows are kept, so the confirm step does not parse again.
"""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Sequence

from labs.importers import ImportRow
from labs.markers import MarkerRow

_PREFIX = "labs-import-"
# A stash never inflates beyond this (zip bombs): far above the largest accepted upload
# and its rows.
_MAX_UNPACKED = 64 * 1024 * 1024


def _pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data)).decode("ascii")


def _unpack(packed: str) -> bytes:
    inflater = zlib.decompressobj()
    data = inflater.decompress(base64.b64decode(packed), _MAX_UNPACKED)
    if inflater.unconsumed_tail:
        raise ValueError("stash too large")
    return data


def _put(session, kind: str, what: str, payload: bytes) -> str:
    token = uuid.uuid4().hex
    session[_PREFIX + kind] = {"token": token, "what": what, "data": _pack(payload)}
    return token


def _get(session, kind: str, what: str, token: str) -> bytes | None:
    stored = session.get(_PREFIX + kind)
    if not stored or stored.get("token") != token or stored.get("what") != what:
        return None
    return _unpack(stored["data"])


def stash_upload(session, kind: str, data: bytes) -> str:
    """Keep the uploaded bytes (a CSV waiting for its mapping); returns the token."""
    return _put(session, kind, "upload", data)


def unstash_upload(session, kind: str, token: str) -> bytes | None:
    return _get(session, kind, "upload", token)


def stash_rows(
    session, kind: str, rows: list[ImportRow], marker_rows: Sequence[MarkerRow] = ()
) -> str:
    """Keep the previewed rows (and values of the person's own markers) until they are
    confirmed; returns the token."""
    items = [row.to_json() for row in rows]
    if marker_rows:
        items = {"rows": items, "marker_rows": [row.to_json() for row in marker_rows]}
    return _put(session, kind, "rows", json.dumps(items).encode())


def _stashed(session, kind: str, token: str) -> dict | None:
    payload = _get(session, kind, "rows", token)
    if payload is None:
        return None
    items = json.loads(payload)
    return items if isinstance(items, dict) else {"rows": items, "marker_rows": []}


def unstash_rows(session, kind: str, token: str) -> list[ImportRow] | None:
    items = _stashed(session, kind, token)
    return None if items is None else [ImportRow.from_json(i) for i in items["rows"]]


def unstash_marker_rows(session, kind: str, token: str) -> list[MarkerRow]:
    """The stashed values of the person's own markers (none for an unknown token)."""
    items = _stashed(session, kind, token)
    return [] if items is None else [MarkerRow.from_json(i) for i in items["marker_rows"]]


def clear(session, kind: str) -> None:
    session.pop(_PREFIX + kind, None)


def clear_all(session) -> None:
    """Remove every stashed upload of this session (account deletion, log-out)."""
    for key in [k for k in session.keys() if k.startswith(_PREFIX)]:  # noqa: SIM118 (no __iter__)
        del session[key]
