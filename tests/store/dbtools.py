"""Helpers for store and doctor tests: databases at old revisions, damaged files, row dumps."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from fieldapp.store.customers import save_customer
from fieldapp.store.db import create_sqlite_engine, write_transaction
from fieldapp.store.journal import write_row
from fieldapp.store.migrate import APP_MARKER_KEY, APP_MARKER_VALUE, alembic_config, side_file
from fieldapp.store.profile import Profile
from tests.conftest import make_customer


def create_database_at(profile: Profile, revision: str) -> Engine:
    """A FieldApp database at ``revision`` (as an older FieldApp left it), with its marker and client id."""
    profile.ensure_dirs()
    engine = create_sqlite_engine(profile.db_path)
    config = alembic_config()
    with write_transaction(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.execute(text("INSERT INTO profile_meta (key, value) VALUES (:k, :v), ('client_id', 'client-0001')"),
                     {"k": APP_MARKER_KEY, "v": APP_MARKER_VALUE})
    return engine


def fill_customer_data(engine: Engine, n: int = 5) -> None:
    """Customers (with search entries), purchases, a template, a deleted customer, some acked journal entries.

    Uses only tables of revision 0001, so it works on any revision.
    """
    with write_transaction(engine) as conn:
        for i in range(n):
            save_customer(conn, make_customer(
                id=f"cust-{i}", code=f"C{i:04d}", store_name=f"张记{i}号便利店", owner=f"张{i}",
                phone=f"1381234{i:04d}", address=f"长沙县黄兴镇{i}号"))
            write_row(conn, "purchase", f"purch-{i}", {
                "customer_id": f"cust-{i}", "month": "2026-10", "brand": "芙蓉王", "cartons": 3 + i,
                "amount_yuan": 690.0 + i})
        write_row(conn, "checklist_template", "tpl-1", {
            "code": "counter", "name_zh": "柜台整理", "name_en": "Counter arrangement", "template_version": 1,
            "items": [{"key": "clean", "label_zh": "柜台整洁", "label_en": "Counter clean"}]})
        from fieldapp.store.customers import delete_customer

        delete_customer(conn, "cust-0")
        # The first half of the journal was acknowledged by the server; the rest is pending.
        conn.execute(text("UPDATE change_journal SET acked_at = '2026-11-01T00:00:00+00:00', outcome = 'applied' "
                          "WHERE seq <= 3"))


def dump_table(path: Path, table: str) -> list[tuple]:
    """Every row of ``table``, ordered, read with plain sqlite3 (independent of the app's code)."""
    conn = sqlite3.connect(path)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        return conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def read_revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def root_page(path: Path, name: str) -> tuple[int, int]:
    """(rootpage, page_size) of a table or index, so a test can damage exactly that page."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        return page, page_size
    finally:
        conn.close()


def damage_page(path: Path, name: str) -> None:
    """Overwrite the root page of table/index ``name`` with a fixed garbage pattern."""
    page, page_size = root_page(path, name)
    garbage = bytes((i * 37 + 11) % 256 for i in range(page_size))
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(garbage)


def make_foreign_sqlite(path: Path) -> None:
    """A valid SQLite file of some other application."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('shopping list')")
    conn.commit()
    conn.close()


def snapshot_with_wal(profile: Profile, dest: Profile) -> None:
    """Copy ``profile``'s database *and its -wal* as a crash would leave them (changes only in the WAL).

    Call while a connection with ``wal_autocheckpoint = 0`` holds the changes uncheckpointed.
    """
    dest.ensure_dirs()
    shutil.copyfile(profile.db_path, dest.db_path)
    shutil.copyfile(side_file(profile.db_path, "-wal"), side_file(dest.db_path, "-wal"))

