"""Schema migrations: fresh creation, upgrading a filled old database, no drift from store/schema.py."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from fieldapp.store import migrate
from fieldapp.store.customers import CustomerQuery, search_customer_ids
from fieldapp.store.db import create_sqlite_engine, write_transaction
from fieldapp.store.journal import pending_count
from fieldapp.store.migrate import (
    DatabaseProblem,
    DatabaseState,
    alembic_config,
    current_revision,
    head_revision,
    inspect_database,
    list_backups,
    open_profile_database,
)
from fieldapp.store.schema import metadata

from .dbtools import create_database_at, dump_table, fill_customer_data, read_revision

OLD_REVISIONS = [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()
                 if r.revision != head_revision()]
# Tables of revision 0001 filled by fill_customer_data, compared row by row across the upgrade.
KEPT_TABLES = ["customers", "purchase_history", "checklist_templates", "change_journal", "profile_meta",
               "customer_search"]


def test_revision_chain_is_linear_and_starts_at_0001():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert "0001" in OLD_REVISIONS


def test_new_profile_is_created_at_head_with_marker(profile):
    engine = open_profile_database(profile)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            meta = dict(conn.execute(text("SELECT key, value FROM profile_meta")).all())
            mode = conn.execute(text("PRAGMA journal_mode")).scalar_one()
    finally:
        engine.dispose()
    assert meta["application"] == "fieldapp"
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["client_id"])
    assert mode == "wal"
    assert inspect_database(profile.db_path).state == DatabaseState.CURRENT
    assert list_backups(profile) == []  # nothing to back up


def test_opening_twice_keeps_client_id(profile):
    def client_id():
        engine = open_profile_database(profile)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT value FROM profile_meta WHERE key = 'client_id'")).scalar_one()
        finally:
            engine.dispose()

    assert client_id() == client_id()


def test_failed_creation_leaves_no_half_made_database(profile, monkeypatch):
    def broken(conn):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrate, "_ensure_profile_meta", broken)
    with pytest.raises(DatabaseProblem) as info:
        open_profile_database(profile)
    assert "Creating the database" in str(info.value) and "disk on fire" in str(info.value)
    # schema and marker are one transaction: no tables without the FieldApp marker survive
    assert inspect_database(profile.db_path).state == DatabaseState.MISSING
    monkeypatch.undo()
    open_profile_database(profile).dispose()
    assert inspect_database(profile.db_path).state == DatabaseState.CURRENT


@pytest.mark.parametrize("revision", OLD_REVISIONS)
def test_filled_old_database_is_backed_up_and_upgraded_keeping_every_row(profile, revision):
    engine = create_database_at(profile, revision)
    fill_customer_data(engine)
    engine.dispose()
    before = {table: dump_table(profile.db_path, table) for table in KEPT_TABLES}
    assert len(before["customers"]) == 5 and len(before["purchase_history"]) == 5
    assert inspect_database(profile.db_path).state == DatabaseState.OLD_SCHEMA

    engine = open_profile_database(profile)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert pending_count(conn) == len(before["change_journal"]) - 3
            assert search_customer_ids(conn, CustomerQuery(text="3号便利")) == ["cust-3"]
            assert search_customer_ids(conn, CustomerQuery(text="张0")) == []  # cust-0 was deleted
    finally:
        engine.dispose()
    for table, rows in before.items():
        after = dump_table(profile.db_path, table)
        if table == "profile_meta":  # missing defaults (e.g. created_at) may be added, nothing changed
            assert set(rows) <= set(after), table
        else:
            assert after == rows, table

    [backup] = list_backups(profile)
    assert f"before-upgrade-from-{revision}" in backup.name
    assert read_revision(backup) == revision
    assert dump_table(backup, "customers") == before["customers"]
    assert dump_table(backup, "change_journal") == before["change_journal"]


def test_upgrade_keeps_changes_that_were_only_in_the_wal(profile, tmp_path):
    """A crash can leave committed changes in the -wal only: the backup and the upgrade must keep them."""
    from fieldapp.store.profile import Profile

    from .dbtools import snapshot_with_wal

    engine = create_database_at(profile, "0001")
    engine.dispose()
    holder = sqlite3.connect(profile.db_path)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()  # joins the WAL: no one else is "last"
    engine = create_sqlite_engine(profile.db_path)
    fill_customer_data(engine)
    engine.dispose()
    crashed = Profile(tmp_path / "crashed")
    snapshot_with_wal(profile, crashed)  # main file without the customers, -wal with them
    holder.close()
    main_only = tmp_path / "main-only.sqlite3"
    shutil.copyfile(crashed.db_path, main_only)
    assert dump_table(main_only, "customers") == []  # the test really has the rows only in the WAL

    engine = open_profile_database(crashed)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 5
    finally:
        engine.dispose()
    [backup] = list_backups(crashed)
    assert len(dump_table(backup, "customers")) == 5


# --- the SQLAlchemy tables in store/schema.py match what the migrations build -----------------

def _is_fts(name: str | None) -> bool:
    return bool(name) and (name == "customer_search" or name.startswith("customer_search_"))


def _include(obj, name, type_, reflected, compare_to) -> bool:
    # The FTS5 table is created with raw SQL and has no SQLAlchemy Table.
    table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not _is_fts(table_name)


def _compare_server_default(context, inspected_column, metadata_column, inspected_default, metadata_default,
                            rendered_metadata_default):
    # Alembic's SQLite comparison does not unquote an empty string default ('' vs ""), a false positive.
    def norm(value):
        if value is None:
            return None
        value = re.sub(r"^\((.*)\)$", r"\1", str(value))
        return re.sub(r"^\"?'(.*)'\"?$", r"\1", value)

    if norm(inspected_default) == norm(rendered_metadata_default):
        return False
    return None  # let alembic decide


def schema_diffs(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": _compare_server_default, "include_object": _include})
        return compare_metadata(context, metadata)


def test_schema_py_matches_migrated_database(engine):
    assert schema_diffs(engine) == []


def test_drift_check_notices_a_difference(engine):
    """Guard for the guard: an index the migrations did not build is reported."""
    with write_transaction(engine) as conn:
        conn.execute(text("DROP INDEX ix_customers_route"))
    diffs = schema_diffs(engine)
    assert any(d[0] == "add_index" and d[1].name == "ix_customers_route" for d in diffs)


def test_downgrade_to_base_and_upgrade_again(engine, profile):
    config = alembic_config()
    with write_transaction(engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars())
    assert tables <= {"alembic_version", "sqlite_sequence"}
    with write_transaction(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert current_revision(engine) == head_revision()
    assert schema_diffs(engine) == []


def test_step_down_and_up_keeps_customer_data(profile):
    engine = open_profile_database(profile)
    fill_customer_data(engine)
    engine.dispose()
    before = {t: dump_table(profile.db_path, t) for t in ("customers", "change_journal", "purchase_history")}
    engine = create_sqlite_engine(profile.db_path)
    config = alembic_config()
    try:
        for target in OLD_REVISIONS:  # newest first: one step down at a time
            with write_transaction(engine) as conn:
                config.attributes["connection"] = conn
                command.downgrade(config, target)
            assert current_revision(engine) == target
        with write_transaction(engine) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert schema_diffs(engine) == []
    finally:
        engine.dispose()
    for table, rows in before.items():
        assert dump_table(profile.db_path, table) == rows
