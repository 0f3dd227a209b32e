"""Opening a profile's database: refusing bad files untouched, backing up, restoring, rolling backups."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from fieldapp.store import migrate
from fieldapp.store.db import create_sqlite_engine, write_transaction
from fieldapp.store.migrate import (
    MAX_UPGRADE_BACKUPS,
    DatabaseProblem,
    DatabaseState,
    backup_database,
    head_revision,
    inspect_database,
    list_backups,
    open_profile_database,
    prune_backups,
    restore_backup,
    side_file,
)
from fieldapp.store.profile import Profile

from .dbtools import (
    create_database_at,
    damage_page,
    digest,
    dump_table,
    fill_customer_data,
    make_foreign_sqlite,
    read_revision,
    snapshot_with_wal,
)


@pytest.fixture
def filled(profile: Profile) -> Profile:
    """A healthy, filled profile at head, closed (WAL checkpointed into the main file)."""
    engine = open_profile_database(profile)
    fill_customer_data(engine)
    engine.dispose()
    assert not side_file(profile.db_path, "-wal").exists()
    return profile


@pytest.fixture
def old(profile: Profile) -> Profile:
    """A filled, closed profile at revision 0001."""
    engine = create_database_at(profile, "0001")
    fill_customer_data(engine)
    engine.dispose()
    return profile


def refused(profile: Profile) -> DatabaseProblem:
    """Open the profile, expect a refusal, and check the file was left byte for byte as it was."""
    before = digest(profile.db_path)
    backups_before = list_backups(profile)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(profile)
    assert digest(profile.db_path) == before, "a refused database must not be changed"
    assert list_backups(profile) == backups_before
    problem = info.value
    assert str(profile.db_path) in str(problem)
    return problem


def garbage(n: int, seed: int = 7) -> bytes:
    return bytes((i * 131 + seed) % 251 for i in range(n))


# --- damaged and foreign files ----------------------------------------------------

def test_garbage_bytes_are_refused_as_damaged(profile):
    profile.ensure_dirs()
    profile.db_path.write_bytes(garbage(64 * 1024))
    problem = refused(profile)
    assert problem.inspection.state == DatabaseState.CORRUPT
    assert "damaged" in str(problem) and "has not been changed" in str(problem)


def test_zeroed_file_is_refused_as_damaged(filled):
    # what some file systems leave after a power cut: the right size, all zeros
    filled.db_path.write_bytes(bytes(filled.db_path.stat().st_size))
    assert refused(filled).inspection.state == DatabaseState.CORRUPT


@pytest.mark.parametrize("cut", ["half", "last_page", "one_byte", "to_header"])
def test_truncated_file_is_refused(filled, cut):
    data = filled.db_path.read_bytes()
    keep = {"half": len(data) // 2, "last_page": len(data) - 4096, "one_byte": len(data) - 1, "to_header": 100}[cut]
    filled.db_path.write_bytes(data[:keep])
    problem = refused(filled)
    assert problem.inspection.state == DatabaseState.CORRUPT
    assert problem.inspection.detail


def test_appended_bytes_are_refused(filled):
    with open(filled.db_path, "ab") as fh:
        fh.write(b"trailing junk")
    assert refused(filled).inspection.state == DatabaseState.CORRUPT


@pytest.mark.parametrize("name", ["customers", "change_journal", "ix_customers_code", "sqlite_master"])
def test_damaged_page_is_refused(filled, name):
    if name == "sqlite_master":
        # page 1 holds the 100-byte file header, then the schema table: keep the header, damage the rest
        with open(filled.db_path, "r+b") as fh:
            fh.seek(100)
            fh.write(garbage(4096 - 100))
    else:
        damage_page(filled.db_path, name)
    problem = refused(filled)
    assert problem.inspection.state == DatabaseState.CORRUPT
    assert inspect_database(filled.db_path, full_check=True).state == DatabaseState.CORRUPT


def test_sqlite_file_of_another_app_is_refused(profile):
    make_foreign_sqlite(profile.db_path)
    problem = refused(profile)
    assert problem.inspection.state == DatabaseState.NOT_FIELDAPP
    assert "not a FieldApp database" in str(problem) and "notes" in str(problem)
    assert dump_table(profile.db_path, "notes") == [(1, "shopping list")]


def test_lookalike_without_fieldapp_marker_is_refused(profile):
    profile.ensure_dirs()
    conn = sqlite3.connect(profile.db_path)
    conn.executescript("CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('0001');"
                       "CREATE TABLE profile_meta (key TEXT PRIMARY KEY, value TEXT);")
    conn.close()
    assert refused(profile).inspection.state == DatabaseState.NOT_FIELDAPP


def test_newer_schema_is_refused(filled):
    conn = sqlite3.connect(filled.db_path)
    conn.execute("UPDATE alembic_version SET version_num = 'zz99'")
    conn.commit()
    conn.close()
    problem = refused(filled)
    assert problem.inspection.state == DatabaseState.NEWER_SCHEMA
    assert problem.inspection.revision == "zz99"
    assert "newer FieldApp" in str(problem)
    assert read_revision(filled.db_path) == "zz99"


def test_unreadable_file_is_not_called_damaged(filled, monkeypatch):
    def locked(path, **kwargs):
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = 5  # SQLITE_BUSY
        raise error

    monkeypatch.setattr(migrate, "connect_read_only", locked)
    problem = refused(filled)
    assert problem.inspection.state == DatabaseState.UNREADABLE
    assert "could not be read" in str(problem) and "damaged" not in str(problem)


def test_refusal_offers_the_backups_newest_first(filled):
    older = backup_database(filled, "manual")
    newer = backup_database(filled, "manual")
    damage_page(filled.db_path, "customers")
    problem = refused(filled)
    assert problem.backups == [newer, older]
    assert str(newer) in str(problem)  # the message says which file to copy back
    assert problem.message.params["backup"] == str(newer)


def test_refusal_without_backups_says_so(filled):
    damage_page(filled.db_path, "customers")
    problem = refused(filled)
    assert problem.backups == []
    assert "no backup" in str(problem)


def test_inspection_never_writes_the_file(filled):
    before = digest(filled.db_path)
    for full in (True, False):
        assert inspect_database(filled.db_path, full_check=full).state == DatabaseState.CURRENT
    assert digest(filled.db_path) == before


def test_empty_file_counts_as_new(profile):
    profile.ensure_dirs()
    profile.db_path.touch()
    assert inspect_database(profile.db_path).state == DatabaseState.MISSING
    open_profile_database(profile).dispose()
    assert inspect_database(profile.db_path).state == DatabaseState.CURRENT


def test_folder_with_url_characters_in_its_name(tmp_path):
    profile = Profile(tmp_path / "a#b?c%20d 张三")
    engine = open_profile_database(profile)
    engine.dispose()
    assert profile.db_path.stat().st_size > 0
    assert inspect_database(profile.db_path).state == DatabaseState.CURRENT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a#b?c%20d 张三"]  # no stray database elsewhere


# --- backup before upgrade, restore on failure ------------------------------------------

def test_old_schema_is_backed_up_then_upgraded(old):
    before = dump_table(old.db_path, "customers")
    engine = open_profile_database(old)
    engine.dispose()
    assert read_revision(old.db_path) == head_revision()
    [backup] = list_backups(old)
    assert backup.name.startswith("fieldapp-") and backup.name.endswith("-before-upgrade-from-0001.sqlite3")
    assert read_revision(backup) == "0001"
    assert dump_table(backup, "customers") == before
    # a self-contained single file: rollback journal mode, no -wal/-shm next to it, no leftovers
    assert backup.read_bytes()[18:20] == b"\x01\x01"
    assert sorted(p.name for p in old.backup_dir.iterdir()) == [backup.name]


def _add_failing_migration(tmp_path: Path, monkeypatch, body: str) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_broken.py").write_text(
        '"""A migration that fails half-way (test only)."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = '9999'\ndown_revision = {head_revision()!r}\nbranch_labels = None\ndepends_on = None\n\n"
        f"def upgrade():\n{body}\n\ndef downgrade():\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    assert head_revision() == "9999"


def test_failing_migration_restores_the_backup_and_tells_the_user(filled, tmp_path, monkeypatch):
    before = {t: dump_table(filled.db_path, t) for t in ("customers", "change_journal", "customer_search")}
    current = read_revision(filled.db_path)
    _add_failing_migration(tmp_path, monkeypatch, (
        "    op.add_column('customers', sa.Column('colour', sa.Text))\n"
        "    op.execute(\"UPDATE customers SET store_name = 'overwritten'\")\n"
        "    op.execute('DELETE FROM change_journal')\n"
        "    raise RuntimeError('migration 9999 exploded')"))
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(filled)
    message = str(info.value)
    assert "migration 9999 exploded" in message and "restored" in message
    [backup] = list_backups(filled)
    assert str(backup) in message
    assert read_revision(filled.db_path) == current
    for table, rows in before.items():
        assert dump_table(filled.db_path, table) == rows
    assert "colour" not in {r[1] for r in sqlite3.connect(filled.db_path).execute("PRAGMA table_info(customers)")}
    assert not side_file(filled.db_path, "-wal").exists() or side_file(filled.db_path, "-wal").stat().st_size == 0
    # the real app (without the broken migration) still opens it
    monkeypatch.undo()
    open_profile_database(filled).dispose()


def test_failure_after_a_partial_commit_is_undone_from_the_backup(old, monkeypatch):
    """Even if an upgrade step committed something before failing, the backup puts everything back."""
    before = {t: dump_table(old.db_path, t) for t in ("customers", "change_journal", "purchase_history")}

    def half_done(engine):
        with write_transaction(engine) as conn:
            conn.execute(text("DELETE FROM purchase_history"))
            conn.execute(text("UPDATE customers SET owner = 'lost'"))
        raise RuntimeError("step 3 of 5 failed")

    monkeypatch.setattr(migrate, "_prepare_schema", half_done)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(old)
    assert "step 3 of 5 failed" in str(info.value) and "restored" in str(info.value)
    assert read_revision(old.db_path) == "0001"
    for table, rows in before.items():
        assert dump_table(old.db_path, table) == rows
    assert inspect_database(old.db_path).state == DatabaseState.OLD_SCHEMA


def test_failed_restore_tells_where_the_backup_is(old, monkeypatch):
    def broken_upgrade(engine):
        raise RuntimeError("upgrade failed")

    def broken_restore(backup, profile):
        raise OSError("device not ready")

    monkeypatch.setattr(migrate, "_prepare_schema", broken_upgrade)
    monkeypatch.setattr(migrate, "restore_backup", broken_restore)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(old)
    [backup] = list_backups(old)
    assert "device not ready" in str(info.value) and str(backup) in str(info.value)
    assert "Do not use FieldApp" in str(info.value)


def test_no_upgrade_without_a_backup(old, monkeypatch):
    before = digest(old.db_path)

    def no_space(profile, reason):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migrate, "backup_database", no_space)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(old)
    assert "could not back it up" in str(info.value) and "No space left" in str(info.value)
    assert digest(old.db_path) == before
    assert read_revision(old.db_path) == "0001"


# --- backups and WAL ------------------------------------------------------------------------

def _hold_wal(profile: Profile) -> sqlite3.Connection:
    """A connection that keeps later commits in the -wal (it prevents the close-time checkpoint)."""
    holder = sqlite3.connect(profile.db_path)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return holder


def test_backup_includes_changes_still_in_the_wal(filled):
    holder = _hold_wal(filled)
    try:
        engine = create_sqlite_engine(filled.db_path)
        with write_transaction(engine) as conn:
            conn.execute(text("UPDATE customers SET notes = 'only in the WAL'"))
        engine.dispose()
        assert side_file(filled.db_path, "-wal").stat().st_size > 0
        backup = backup_database(filled, "test")
    finally:
        holder.close()
    notes = {row[0] for row in sqlite3.connect(backup).execute("SELECT notes FROM customers")}
    assert notes == {"only in the WAL"}


def test_restore_discards_the_stale_wal(filled, tmp_path):
    backup = backup_database(filled, "good")
    holder = _hold_wal(filled)
    try:
        engine = create_sqlite_engine(filled.db_path)
        with write_transaction(engine) as conn:
            conn.execute(text("DELETE FROM purchase_history"))
            conn.execute(text("UPDATE customers SET owner = 'wal-only'"))
        engine.dispose()
        crashed = Profile(tmp_path / "crashed")
        snapshot_with_wal(filled, crashed)  # as a crash leaves it: the bad changes sit in the -wal
    finally:
        holder.close()
    restore_backup(backup, crashed)
    assert not side_file(crashed.db_path, "-wal").exists()
    assert inspect_database(crashed.db_path).state == DatabaseState.CURRENT
    assert dump_table(crashed.db_path, "purchase_history") == dump_table(backup, "purchase_history") != []
    assert "wal-only" not in {r[0] for r in sqlite3.connect(crashed.db_path).execute("SELECT owner FROM customers")}
    assert not list(crashed.data_dir.glob("*.restoring"))


def test_failed_backup_leaves_nothing_behind(profile):
    profile.ensure_dirs()
    make_foreign_sqlite(profile.db_path)
    with open(profile.db_path, "r+b") as fh:  # valid header, damaged content
        fh.seek(4096)
        fh.write(garbage(2000))
    with pytest.raises(sqlite3.DatabaseError):
        backup_database(profile, "test")
    assert list(profile.backup_dir.iterdir()) == []


def test_backup_reason_is_made_safe_for_a_file_name(filled):
    backup = backup_database(filled, "../../etc/passwd 升级")
    assert backup.parent == filled.backup_dir
    assert "/" not in backup.name[len("fieldapp-"):] and backup.exists()


def _fake_upgrade_backup(profile: Profile, year: int, n: int) -> Path:
    path = profile.backup_dir / f"fieldapp-{year}0101T0000{n:02d}000000Z-before-upgrade-from-0001.sqlite3"
    shutil.copyfile(profile.db_path, path)
    return path


def test_rolling_backups_keep_the_newest(filled):
    filled.ensure_dirs()
    fakes = [_fake_upgrade_backup(filled, 2020, n) for n in range(12)]
    manual = filled.backup_dir / "copied-by-it.sqlite3"
    shutil.copyfile(filled.db_path, manual)
    os.utime(manual, (0, 0))  # very old, but not an upgrade backup: never pruned
    removed = prune_backups(filled)
    assert sorted(removed) == fakes[:2]
    assert set(list_backups(filled)) == {*fakes[2:], manual}
    assert list_backups(filled)[0] == fakes[-1]


def test_upgrade_prunes_old_upgrade_backups(old):
    fakes = [_fake_upgrade_backup(old, 2021, n) for n in range(MAX_UPGRADE_BACKUPS)]
    open_profile_database(old).dispose()
    backups = list_backups(old)
    assert len(backups) == MAX_UPGRADE_BACKUPS
    assert fakes[0] not in backups  # the oldest went
    assert read_revision(backups[0]) == "0001" and backups[0] not in fakes  # the new one is kept, newest first
