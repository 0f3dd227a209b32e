"""The one write path of synced rows: versions, server change sequence, derived columns.

Server change sequence (``server_seq``)
---------------------------------------
Every new row version gets a value of a single counter row (``sync_counter``).
A writing transaction locks that row before it reads or writes any synced row
(:func:`lock_counter`: ``SELECT ... FOR UPDATE`` on PostgreSQL; the
``BEGIN IMMEDIATE`` write lock on SQLite) and keeps the lock until it commits.
So two writers never interleave: sequence numbers are handed out in commit
order, and once a reader sees a row with seq *s*, every row with a smaller seq
is already committed and visible. A pull cursor therefore never skips a row
that "committed late" — with this lock there is no such row
(docs/sync-protocol.md, "Cursor"). The price is that writes of synced rows are
serialised; one push batch is processed in memory and written with a handful of
statements, so the lock is held for milliseconds.

Runs of one client
------------------
A client journals several edits of a row while offline, all with the same base
version (the last server version it saw). ``last_client_id`` and
``run_base_version`` record that the versions after ``run_base_version`` were
all written by ``last_client_id``; a later mutation of that client whose base
is at least ``run_base_version`` has seen everything that matters and is
applied as if its base were current — its own earlier edits are not conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Connection, bindparam, insert, select, update

from .models import sync_counter, sync_rows

COUNTER_ID = 1


def lock_counter(conn: Connection) -> int:
    """Take the writers' lock (see module doc) and return the current sequence value."""
    stmt = select(sync_counter.c.value).where(sync_counter.c.id == COUNTER_ID)
    if conn.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return int(conn.execute(stmt).scalar_one())


def current_seq(conn: Connection) -> int:
    return int(conn.execute(select(sync_counter.c.value).where(sync_counter.c.id == COUNTER_ID)).scalar_one())


def allocate_seqs(conn: Connection, count: int = 1) -> int:
    """Reserve ``count`` consecutive sequence numbers; returns the first. Caller holds the lock."""
    last = conn.execute(update(sync_counter).where(sync_counter.c.id == COUNTER_ID)
                        .values(value=sync_counter.c.value + count)
                        .returning(sync_counter.c.value)).scalar_one()
    return int(last) - count + 1


@dataclass
class StoredRow:
    """One synced row as the server holds it (latest version)."""

    entity: str
    row_id: str
    version: int
    deleted: bool
    values: dict[str, Any]
    customer_id: str | None
    server_seq: int = 0
    created_by_client: str | None = None
    last_client_id: str | None = None
    run_base_version: int = 0
    updated_by: str | None = None
    is_new: bool = field(default=False, compare=False)  # not yet in the database

    def is_current_for(self, client_id: str | None, base_version: int) -> bool:
        """Has the client seen every version not written by itself? (see module doc)"""
        if base_version == self.version:
            return True
        return (client_id is not None and self.last_client_id == client_id
                and self.run_base_version <= base_version <= self.version)

    def next_version(self, values: dict[str, Any], *, deleted: bool, client_id: str | None,
                     user_id: str | None) -> "StoredRow":
        same_run = client_id is not None and client_id == self.last_client_id
        return replace(self, version=self.version + 1, deleted=deleted, values=values,
                       last_client_id=client_id, updated_by=user_id,
                       run_base_version=self.run_base_version if same_run else self.version)


def new_row(entity: str, row_id: str, values: dict[str, Any], customer_id: str | None, *,
            client_id: str | None, user_id: str | None) -> StoredRow:
    return StoredRow(entity, row_id, 1, False, values, customer_id, 0, client_id, client_id, 0, user_id,
                     is_new=True)


_ROW_COLS = (sync_rows.c.entity, sync_rows.c.row_id, sync_rows.c.version, sync_rows.c.deleted,
             sync_rows.c["values"], sync_rows.c.customer_id, sync_rows.c.server_seq,
             sync_rows.c.created_by_client, sync_rows.c.last_client_id, sync_rows.c.run_base_version,
             sync_rows.c.updated_by)


def _stored(r) -> StoredRow:
    m = r._mapping
    return StoredRow(m["entity"], m["row_id"], int(m["version"]), bool(m["deleted"]), dict(m["values"]),
                     m["customer_id"], int(m["server_seq"]), m["created_by_client"], m["last_client_id"],
                     int(m["run_base_version"]), m["updated_by"])


def get_row(conn: Connection, entity: str, row_id: str) -> StoredRow | None:
    r = conn.execute(select(*_ROW_COLS).where(sync_rows.c.entity == entity, sync_rows.c.row_id == row_id)).first()
    return _stored(r) if r is not None else None


def get_rows(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredRow]:
    """Rows by (entity, row_id), fetched in a few queries."""
    by_entity: dict[str, set[str]] = {}
    for entity, row_id in keys:
        by_entity.setdefault(entity, set()).add(row_id)
    out: dict[tuple[str, str], StoredRow] = {}
    for entity, ids in by_entity.items():
        ids_list = sorted(ids)
        for i in range(0, len(ids_list), 500):
            chunk = ids_list[i:i + 500]
            for r in conn.execute(select(*_ROW_COLS).where(sync_rows.c.entity == entity,
                                                           sync_rows.c.row_id.in_(chunk))):
                out[(entity, r.row_id)] = _stored(r)
    return out


def derived_columns(row: StoredRow) -> dict[str, Any]:
    """Columns computed from a row's values (scope, references, photo)."""
    v = row.values
    out = {"customer_id": row.customer_id, "parent_id": None, "manager_id": None, "photo_sha256": None}
    if row.entity == "customer":
        out["manager_id"] = v.get("manager_id")
    elif row.entity in ("purchase", "visit", "follow_up"):
        out["parent_id"] = v.get("customer_id")
    elif row.entity in ("checklist_answer", "visit_note", "attachment", "visit_review"):
        out["parent_id"] = v.get("visit_id")
        if row.entity == "attachment":
            out["photo_sha256"] = v.get("sha256")
    return out


def save_rows(conn: Connection, rows: list[StoredRow], now: datetime) -> list[StoredRow]:
    """Write rows (new or changed versions) in order, each with a fresh server_seq.

    The caller holds the counter lock. Returns the rows with their seq set.
    """
    if not rows:
        return []
    first = allocate_seqs(conn, len(rows))
    inserts, updates, saved = [], [], []
    for i, row in enumerate(rows):
        row.server_seq = first + i  # in place: the caller hands its rows over
        params = dict(entity=row.entity, row_id=row.row_id, version=row.version, deleted=row.deleted,
                      values=row.values, server_seq=row.server_seq, updated_at=now, updated_by=row.updated_by,
                      last_client_id=row.last_client_id, run_base_version=row.run_base_version,
                      **derived_columns(row))
        if row.is_new:
            inserts.append(dict(params, created_at=now, created_by_client=row.created_by_client))
        else:
            updates.append({("b_" + k): v for k, v in params.items()})
    for row in rows:
        row.is_new = False
        saved.append(row)
    if inserts:
        insert_many(conn, sync_rows, inserts)
    if updates:
        cols = [k[2:] for k in updates[0] if k not in ("b_entity", "b_row_id")]
        stmt = (update(sync_rows)
                .where(sync_rows.c.entity == bindparam("b_entity"), sync_rows.c.row_id == bindparam("b_row_id"))
                .values({c: bindparam("b_" + c) for c in cols}))
        conn.execute(stmt, updates)
    return saved


def insert_many(conn: Connection, table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows with one executemany (pipelined by psycopg; a multi-row VALUES statement
    costs more to compile than it saves)."""
    if rows:
        conn.execute(insert(table), rows)


def save_row(conn: Connection, row: StoredRow, now: datetime) -> StoredRow:
    return save_rows(conn, [row], now)[0]
