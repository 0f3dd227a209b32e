"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production).

Two kinds of transaction:

- :func:`write_transaction`: every transaction that writes synced rows. On
  SQLite it starts with ``BEGIN IMMEDIATE`` (the database write lock); on
  PostgreSQL the caller locks the single change-counter row first
  (:func:`fieldsync.rows.lock_counter`). Either way writers of synced rows are
  serialised, so server change sequence numbers are allocated in commit order —
  the property the pull cursor relies on (see docs/sync-protocol.md).
- :func:`read_transaction`: a consistent snapshot for pulls and digests
  (``REPEATABLE READ`` on PostgreSQL; a read transaction in WAL mode on SQLite).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    # Transaction control goes to the "begin" listener (pysqlite's implicit BEGIN cannot be IMMEDIATE).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")  # an acknowledged push survives a power cut
    cur.execute("PRAGMA busy_timeout = 30000")  # several workers share the file
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("fieldsync_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def create_db_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine with the settings FieldSync needs on either database."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20,
                               connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the one installed
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that may write synced rows; committed on success, rolled back on error."""
    with engine.connect() as conn:
        conn = conn.execution_options(fieldsync_write=True)
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only consistent snapshot."""
    with engine.connect() as conn:
        if not is_sqlite(conn):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
