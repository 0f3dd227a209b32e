"""Upgrading FieldApp keeps offline data: install version N, write offline data, install N+1.

Version N is simulated by a profile at schema revision 0001 holding customers and
unsynced journal entries (see ``old_profile.py``); "installing N+1" is running
today's code on it: ``fieldapp doctor`` (read-only) reports the pending upgrade,
then the app's start path (:func:`open_profile_database`) backs the file up and
migrates it. The real install-over-install with two .deb versions is in
``installers/linux/test-deb.sh``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.store import migrate
from fieldapp.store.journal import pending_entries
from fieldapp.store.migrate import DatabaseProblem, head_revision, list_backups, open_profile_database
from fieldapp.store.profile import Profile
from fieldapp.store.schema import change_journal, customers, profile_meta

from .old_profile import CUSTOMERS, OLD_REVISION, expected_facts, make_old_profile


def doctor(data_dir: Path) -> tuple[int, dict]:
    """``fieldapp --data-dir DIR doctor --json`` in a fresh interpreter, as IT would run it."""
    proc = subprocess.run([sys.executable, "-m", "fieldapp", "--data-dir", str(data_dir), "doctor", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def revision_of(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def journal_rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT seq, entity, row_id, op, base_version, changes, acked_at "
                            "FROM change_journal ORDER BY seq").fetchall()
    finally:
        conn.close()


@pytest.fixture
def old_profile(tmp_path: Path) -> Profile:
    profile = Profile(tmp_path / "profile")
    make_old_profile(profile.data_dir)
    return profile


def test_old_schema_is_older_than_head():
    assert head_revision() != OLD_REVISION, "the upgrade test needs at least one migration after 0001"


def test_doctor_reports_pending_upgrade_without_touching_the_file(old_profile):
    before = old_profile.db_path.read_bytes()
    code, report = doctor(old_profile.data_dir)
    assert code == 3, report
    assert report["status"] == "upgrade_pending"
    assert report["schema"] == {"revision": OLD_REVISION, "head": head_revision()}
    assert report["pending_changes"] == expected_facts()["pending_changes"]
    assert report["counts"]["customers_live"] == expected_facts()["customers_live"]
    assert old_profile.db_path.read_bytes() == before
    assert list_backups(old_profile) == []


def test_first_start_backs_up_migrates_and_keeps_data_and_outbox(old_profile):
    facts = expected_facts()
    journal_before = journal_rows(old_profile.db_path)

    engine = open_profile_database(old_profile)  # what the app does at start
    try:
        with engine.connect() as conn:
            pending = pending_entries(conn)
            live = conn.execute(select(customers).where(customers.c.deleted.is_(False))
                                .order_by(customers.c.code)).mappings().all()
            deleted = conn.execute(select(customers.c.id).where(customers.c.deleted.is_(True))).scalars().all()
            meta = dict(conn.execute(select(profile_meta.c.key, profile_meta.c.value)).all())
            acked = conn.execute(select(change_journal.c.seq).where(change_journal.c.acked_at.is_not(None))).all()
    finally:
        engine.dispose()

    assert revision_of(old_profile.db_path) == head_revision()
    # Customers: every field as version N wrote it, tombstone kept for the pending delete.
    assert [r["code"] for r in live] == ["C0001", "C0002"]
    first = live[0]
    assert (first["store_name"], first["phone"], first["grade"], first["version"]) == ("王记便利店", "13812345678", 12, 3)
    assert list(first["tags"]) == ["近学校"]
    assert deleted == [CUSTOMERS[2]["id"]]
    # The outbox: same entries, same order, same base versions, nothing acknowledged by the upgrade.
    assert [{k: e[k] for k in ("entity", "row_id", "op", "base_version", "changes")} for e in pending] \
        == facts["pending"]
    assert len(acked) == 1
    assert journal_rows(old_profile.db_path) == journal_before
    # The client keeps its identity (the server knows it by this id).
    assert meta["client_id"] == facts["client_id"] and meta["application"] == "fieldapp"

    backups = list_backups(old_profile)
    assert len(backups) == 1 and OLD_REVISION in backups[0].name
    assert revision_of(backups[0]) == OLD_REVISION
    assert journal_rows(backups[0]) == journal_before

    code, report = doctor(old_profile.data_dir)
    assert code == 0, report
    assert report["status"] == "healthy"
    assert report["pending_changes"] == facts["pending_changes"]
    assert report["client_id"] == facts["client_id"]


def test_second_start_does_not_upgrade_or_back_up_again(old_profile):
    open_profile_database(old_profile).dispose()
    open_profile_database(old_profile).dispose()
    assert len(list_backups(old_profile)) == 1


def test_failed_upgrade_restores_the_backup_and_says_so(old_profile, monkeypatch):
    journal_before = journal_rows(old_profile.db_path)
    real_upgrade = migrate.upgrade_to_head

    def upgrade_then_fail(conn):
        real_upgrade(conn)
        raise RuntimeError("simulated failure in a migration")

    monkeypatch.setattr(migrate, "upgrade_to_head", upgrade_then_fail)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(old_profile)
    text = str(info.value)
    assert "simulated failure" in text
    backups = list_backups(old_profile)
    assert len(backups) == 1 and str(backups[0]) in text

    assert revision_of(old_profile.db_path) == OLD_REVISION
    assert journal_rows(old_profile.db_path) == journal_before
    monkeypatch.undo()
    code, report = doctor(old_profile.data_dir)
    assert code == 3 and report["pending_changes"] == expected_facts()["pending_changes"]
    # The next start (e.g. after a fixed version is installed) upgrades normally.
    open_profile_database(old_profile).dispose()
    assert revision_of(old_profile.db_path) == head_revision()
