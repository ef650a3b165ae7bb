"""labs.stash: an upload waits in the session between preview and confirm, bound to its token."""

import zlib
from datetime import date

import pytest

from labs import stash
from labs.importers import ImportRow

ROWS = [
    ImportRow(line=2, drawn_on=date(2026, 3, 2), analyte="vitd_25oh", value=50, unit="nmol/L",
              canonical_value=20.03, lab="Quest", qualifier="<"),
    ImportRow(line=3, drawn_on=date(2026, 3, 2), analyte="mg_rbc", value=4.2, unit="mg/dL",
              canonical_value=4.2),
]  # fmt: skip


def test_previewed_rows_come_back_as_they_were_with_their_token():
    session: dict = {}
    token = stash.stash_rows(session, "csv", ROWS)
    assert stash.unstash_rows(session, "csv", token) == ROWS


def test_an_uploaded_file_comes_back_byte_for_byte():
    session: dict = {}
    data = b"date;analyte;value\n2026-03-02;25(OH)D;50\n"
    token = stash.stash_upload(session, "csv", data)
    assert stash.unstash_upload(session, "csv", token) == data


def test_a_wrong_token_another_kind_or_another_step_gets_nothing():
    session: dict = {}
    token = stash.stash_rows(session, "csv", ROWS)
    assert stash.unstash_rows(session, "csv", "not-the-token") is None
    assert stash.unstash_rows(session, "fhir", token) is None
    assert stash.unstash_upload(session, "csv", token) is None  # rows, not an upload


def test_a_new_stash_replaces_the_old_one_of_its_kind():
    session: dict = {}
    old = stash.stash_rows(session, "csv", ROWS)
    new = stash.stash_rows(session, "csv", ROWS[:1])
    assert stash.unstash_rows(session, "csv", old) is None
    assert stash.unstash_rows(session, "csv", new) == ROWS[:1]


def test_clear_forgets_one_kind_and_clear_all_every_kind_but_nothing_else():
    session: dict = {"_auth_user_id": "7"}
    csv = stash.stash_rows(session, "csv", ROWS)
    fhir = stash.stash_rows(session, "fhir", ROWS)
    stash.clear(session, "csv")
    assert stash.unstash_rows(session, "csv", csv) is None
    assert stash.unstash_rows(session, "fhir", fhir) == ROWS
    stash.clear_all(session)
    assert session == {"_auth_user_id": "7"}


def test_a_stash_that_inflates_past_the_limit_is_refused():
    session: dict = {}
    token = stash.stash_upload(session, "csv", b"x")
    bomb = zlib.compress(b"\0" * (stash._MAX_UNPACKED + 1))
    session[stash._PREFIX + "csv"]["data"] = stash.base64.b64encode(bomb).decode()
    with pytest.raises(ValueError, match="too large"):
        stash.unstash_upload(session, "csv", token)
