"""PostgreSQL specifics: a transaction that took a lower change sequence number and commits late is never
skipped by a pull cursor."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from sqlalchemy import text

from fieldsync.core.db import write_transaction
from fieldsync.rows import get_row, lock_counter, save_row

from .helpers import upd

pytestmark = pytest.mark.postgres


def _cursor_pos(cursor: str) -> int:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["p"]


def _wait_until(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)  # polling interval, not a fixed wait: we stop as soon as it holds
    raise AssertionError(f"timed out waiting for {what}")


def _lock_waiters(h) -> int:
    with h.engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one()


def test_late_commit_of_a_lower_seq_is_not_skipped(pg_server):
    h = pg_server
    reader = h.login("zhang", device_id="reader")
    writer = h.login("zhang", device_id="writer")
    reader.sync_down()
    early, late = h.customers["zhang1"], h.customers["zhang2"]

    # T1 takes the next sequence number and holds its transaction open.
    t1_ctx = write_transaction(h.engine)
    t1 = t1_ctx.__enter__()
    lock_counter(t1)
    row = get_row(t1, "customer", early)
    t1_row = save_row(t1, row.next_version(dict(row.values, route="T1"), deleted=False, client_id=None,
                                           user_id=None), h.settings.now())

    # T2 (an ordinary push) starts meanwhile: it must wait for T1 instead of taking a later number and
    # committing first.
    t2_result: dict = {}
    t2 = threading.Thread(target=lambda: t2_result.update(
        out=writer.push(upd(1, "customer", late, 1, {"route": ("R01", "T2")}))))
    t2.start()
    try:
        _wait_until(lambda: _lock_waiters(h) >= 1, what="the second writer to wait for the first")
        assert t2.is_alive()

        # A pull now sees neither, and its cursor stays below T1's uncommitted number.
        page = reader.pull_page(reader.cursor)
        assert page["changes"] == []
        assert _cursor_pos(page["cursor"]) < t1_row.server_seq
        reader.cursor = page["cursor"]
    finally:
        t1_ctx.__exit__(None, None, None)  # T1 commits last of all the numbers handed out so far
    t2.join(timeout=30)
    assert not t2.is_alive() and t2_result["out"][0]["status"] == "applied"

    pages = reader.sync_down()
    got = {c["row_id"]: (c["values"]["route"]) for p in pages for c in p["changes"]}
    assert got == {early: "T1", late: "T2"}  # T1's lower number was not skipped


def test_concurrent_pushes_from_many_clients_converge(pg_server):
    h = pg_server
    sessions = [h.login("zhang", device_id=f"d{i}") for i in range(4)]
    cid = h.customers["zhang1"]
    errors: list = []

    def work(i, s):
        try:
            for n in range(5):
                s.push(upd(n + 1, "customer", cid, 1, {"notes": ("", f"note {i}-{n}")}))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    reader = h.login("zhang", device_id="reader")
    reader.sync_down()
    notes = reader.rows[("customer", cid)]["values"]["notes"]
    # Free text: every client's text survives the concurrent edits.
    for i in range(4):
        assert f"note {i}-" in notes
    assert reader.rows[("customer", cid)]["version"] > 1
