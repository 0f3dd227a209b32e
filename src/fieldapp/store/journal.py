"""The change journal (sync outbox) and the one write path that feeds it.

:func:`write_row` and :func:`tombstone_row` are the only functions that modify
synced tables on behalf of the user. Each computes the changed fields, writes
the row and appends a journal entry on the *same* connection, so both land in
one transaction or neither does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping

from sqlalchemy import Connection, Table, func, select

from .schema import LOCAL_ONLY_COLUMNS, SYNCED_TABLES, change_journal


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def to_wire(value: Any) -> Any:
    """A JSON-safe form of a column value (dates as ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class WriteResult:
    entity: str
    row_id: str
    op: str  # insert | update | delete | none
    changed: tuple[str, ...]
    seq: int | None


def _table(entity: str) -> Table:
    try:
        return SYNCED_TABLES[entity]
    except KeyError:
        raise ValueError(f"unknown synced entity {entity!r}") from None


def _journal(conn: Connection, entity: str, row_id: str, op: str, base_version: int,
             changes: Mapping[str, tuple[Any, Any]]) -> int:
    payload = json.dumps({k: [to_wire(o), to_wire(n)] for k, (o, n) in changes.items()},
                         ensure_ascii=False, sort_keys=True)
    result = conn.execute(change_journal.insert().values(
        entity=entity, row_id=row_id, op=op, base_version=base_version, changes=payload, created_at=utc_now()))
    return int(result.inserted_primary_key[0])


def write_row(conn: Connection, entity: str, row_id: str, values: Mapping[str, Any],
              *, extra_local: Mapping[str, Any] | None = None) -> WriteResult:
    """Insert or update one synced row and journal the changed fields.

    ``values`` are synced columns only; ``extra_local`` are local-only columns
    (e.g. ``search_key``) that are written but never journaled. An update that
    changes nothing writes nothing and returns ``op="none"``.
    """
    table = _table(entity)
    synced = {k: v for k, v in values.items() if k not in LOCAL_ONLY_COLUMNS and k != "id"}
    unknown = set(synced) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{entity}: unknown columns {sorted(unknown)}")
    current = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    now = utc_now()
    if current is None:
        conn.execute(table.insert().values(id=row_id, created_at=now, updated_at=now, deleted=False, version=0,
                                           **synced, **(extra_local or {})))
        changes = {k: (None, v) for k, v in synced.items()}
        seq = _journal(conn, entity, row_id, "insert", 0, changes)
        return WriteResult(entity, row_id, "insert", tuple(sorted(changes)), seq)
    changes = {k: (current[k], v) for k, v in synced.items() if to_wire(current[k]) != to_wire(v)}
    revive = bool(current["deleted"])
    if not changes and not revive and not extra_local:
        return WriteResult(entity, row_id, "none", (), None)
    conn.execute(table.update().where(table.c.id == row_id).values(
        updated_at=now, deleted=False, **{k: new for k, (_old, new) in changes.items()}, **(extra_local or {})))
    if not changes and not revive:
        return WriteResult(entity, row_id, "none", (), None)
    if revive:
        changes["deleted"] = (True, False)
    seq = _journal(conn, entity, row_id, "update", int(current["version"]), changes)
    return WriteResult(entity, row_id, "update", tuple(sorted(changes)), seq)


def tombstone_row(conn: Connection, entity: str, row_id: str) -> WriteResult:
    """Mark a row deleted (kept as a tombstone so the delete can sync) and journal it."""
    table = _table(entity)
    current = conn.execute(select(table.c.deleted, table.c.version).where(table.c.id == row_id)).first()
    if current is None or current.deleted:
        return WriteResult(entity, row_id, "none", (), None)
    conn.execute(table.update().where(table.c.id == row_id).values(deleted=True, updated_at=utc_now()))
    seq = _journal(conn, entity, row_id, "delete", int(current.version), {"deleted": (False, True)})
    return WriteResult(entity, row_id, "delete", ("deleted",), seq)


def pending_count(conn: Connection) -> int:
    """Journal entries not yet acknowledged by the server."""
    return int(conn.execute(select(func.count()).select_from(change_journal)
                            .where(change_journal.c.acked_at.is_(None))).scalar_one())


def pending_entries(conn: Connection, limit: int = 500) -> list[dict[str, Any]]:
    rows = conn.execute(select(change_journal).where(change_journal.c.acked_at.is_(None))
                        .order_by(change_journal.c.seq).limit(limit)).mappings().all()
    return [dict(r, changes=json.loads(r["changes"])) for r in rows]
