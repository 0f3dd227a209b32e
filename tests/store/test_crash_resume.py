"""Killing the app mid-visit loses no saved field and leaves the visit resumable.

A child process opens the profile, starts a visit, attaches a photo, then keeps
saving fields — each in its own committed write transaction — and prints
``SAVED ...`` after each commit. The test kills it (SIGKILL on POSIX) once it has
reported a number of saves, so the kill lands while it is busy saving, then
reopens the profile like the app does at start.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing

import pytest
from sqlalchemy import select

from fieldapp.store.db import write_transaction
from fieldapp.store.migrate import inspect_database, open_profile_database
from fieldapp.store.photos import attachments_for_visit, find_photo
from fieldapp.store.schema import change_journal
from fieldapp.store.templates import install_template
from fieldapp.store.visits import NOTE_FIELDS, get_answers, get_visit_note, save_visit_note_field, visit_in_progress

from .test_visits import counter_template, setup_customer

CHILD = textwrap.dedent("""
    import io, sys
    from datetime import datetime, timezone
    from PIL import Image
    from fieldapp.core.entities import VisitType
    from fieldapp.store.db import write_transaction
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.photos import attach_photo
    from fieldapp.store.profile import Profile
    from fieldapp.store.visits import NOTE_FIELDS, save_visit_note_field, set_answer, start_visit

    profile = Profile.at(sys.argv[1])
    engine = open_profile_database(profile)
    with write_transaction(engine) as conn:
        visit = start_visit(conn, sys.argv[2], VisitType.SERVICE, "mgr-wang", datetime.now(timezone.utc))
    print("STARTED", visit.id, flush=True)
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(buffer, "JPEG")
    with write_transaction(engine) as conn:
        attachment = attach_photo(conn, profile, visit.id, "display", buffer.getvalue())
    print("PHOTO", attachment.id, attachment.sha256, flush=True)
    i = 0
    while True:  # save until killed, like a user typing
        field = NOTE_FIELDS[i % len(NOTE_FIELDS)]
        value = f"第{i}次保存 " + "需求" * (i % 50)
        with write_transaction(engine) as conn:
            save_visit_note_field(conn, visit.id, field, value)
            set_answer(conn, visit.id, "display", count=i)
        print("SAVED", i, field, value, sep="\\t", flush=True)
        i += 1
""")

DEADLINE_SECONDS = 120


def read_until(proc: subprocess.Popen, saves_wanted: int) -> list[str]:
    """Lines the child printed, up to the ``saves_wanted``-th SAVED line (bounded by a deadline, no sleeps)."""
    lines: list[str] = []
    saves = 0
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while saves < saves_wanted:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                pytest.fail(f"child reported {saves} saves before the deadline")
            line = proc.stdout.readline()
            if not line:
                pytest.fail("child exited early: " + proc.stderr.read())
            lines.append(line.rstrip("\n"))
            saves += line.startswith("SAVED")
    finally:
        selector.close()
    return lines


@pytest.mark.skipif(os.name != "posix", reason="selectors on pipes need POSIX")
@pytest.mark.parametrize("saves_before_kill", [1, 9, 40])
def test_sigkill_mid_visit_loses_no_saved_field(profile, saves_before_kill):
    engine = open_profile_database(profile)
    with write_transaction(engine) as conn:
        install_template(conn, counter_template())
    customer_id = setup_customer(engine)
    engine.dispose()

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(profile.data_dir), customer_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        lines = read_until(proc, saves_before_kill)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=DEADLINE_SECONDS) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()

    visit_id = lines[0].split()[1]
    _, attachment_id, sha = lines[1].split()
    saved = [line.split("\t") for line in lines if line.startswith("SAVED")]
    assert len(saved) == saves_before_kill
    last_reported = int(saved[-1][1])

    assert inspect_database(profile.db_path, full_check=True).integrity == ["ok"]
    engine = open_profile_database(profile)  # as the app does at start
    try:
        with engine.connect() as conn:
            visit = visit_in_progress(conn)
            assert visit is not None and visit.id == visit_id  # resumable
            note = get_visit_note(conn, visit_id)
            count = get_answers(conn, visit_id)["display"].count
            assert [a.id for a in attachments_for_visit(conn, visit_id)] == [attachment_id]
            entries = [(e.entity, e.op, json.loads(e.changes)) for e in conn.execute(
                select(change_journal).where(change_journal.c.entity.in_(["visit_note", "checklist_answer"]))
                .order_by(change_journal.c.seq))]
        assert find_photo(profile, sha) is not None

        # Every reported save is there; a save committed just before the kill but not yet reported may be too.
        assert last_reported <= count <= last_reported + 1
        for _, index, field, value in saved:
            if int(index) + len(NOTE_FIELDS) > count:  # not overwritten by a later save of the same field
                assert getattr(note, field) == value
        # ... and journaled: one note entry and one answer entry per save, with the value saved.
        note_values = [new for entity, _, changes in entries if entity == "visit_note"
                       for name, (_old, new) in changes.items() if name in NOTE_FIELDS]
        answer_counts = [changes["count"][1] for entity, _, changes in entries
                         if entity == "checklist_answer" and "count" in changes]
        assert note_values[:len(saved)] == [value for *_, value in saved]
        assert answer_counts == list(range(count + 1))
        assert len(note_values) == count + 1

        # The visit carries on where it was: the next save works.
        with write_transaction(engine) as conn:
            assert save_visit_note_field(conn, visit_id, "advice", "恢复后继续").op == "update"
    finally:
        engine.dispose()
    with closing(sqlite3.connect(profile.db_path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
