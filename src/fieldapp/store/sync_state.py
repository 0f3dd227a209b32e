"""The local side of sync: applying server rows, the pull cursor, acknowledgements, conflicts.

Everything here runs inside a transaction the caller opened (see
:func:`sync_transaction`), so a page of pulled changes and its cursor, or a push
batch's outcomes and the matching journal acknowledgements, land together or
not at all. Nothing here speaks HTTP; :mod:`fieldapp.sync.engine` drives it.

Rules (docs/sync-protocol.md):
- a row with unsent local edits is never overwritten: it takes the server's
  version, and the server's values for the fields without pending local
  changes; pending fields keep the local value (the journal re-applies them on
  the server when it is pushed);
- a server row whose version is older than the local one is ignored (a replayed
  push outcome must not roll back what a later pull brought);
- a revoked row (left the user's scope) is physically removed unless it, or a
  row referring to it, holds unsent edits;
- ``customers.search_key`` and the ``customer_search`` FTS entry follow every
  change of a customer row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import Boolean, Connection, Date, Engine, Float, Integer, Table, bindparam, func, select, text, update

from fieldapp.core.protocol import MutationOutcome, OutcomeStatus, RowChange, RowRef

from .customers import SEARCHED_FIELDS, search_document
from .journal import utc_now
from .schema import (
    LOCAL_ONLY_COLUMNS,
    SYNCED_TABLES,
    change_journal,
    customers,
    profile_meta,
    sync_conflicts,
    sync_state,
)

# sync_state keys
SERVER_URL = "server_url"
USERNAME = "username"
CA_BUNDLE = "ca_bundle"
USER_ID = "user_id"
DISPLAY_NAME = "display_name"
ROLE = "role"
TEAM_ID = "team_id"
CURSOR = "pull_cursor"
LAST_SYNC_AT = "last_sync_at"
LAST_STATUS = "last_status"
LAST_MESSAGE = "last_message"
RESYNC_PENDING = "resync_pending"  # a full re-pull was started and has not finished


@contextmanager
def sync_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for applying server data, with foreign keys off.

    Pulled rows arrive in server change order, so a visit may come before the
    customer it refers to (the customer changed later); the final state is
    consistent, an intermediate page need not be. Foreign keys are switched off
    on this connection only, before BEGIN, where SQLite honours the pragma, and
    switched back on afterwards: the engine pools connections, and a pooled
    connection left without foreign keys would let later writes skip the checks.
    """
    with engine.execution_options(sqlite_immediate=True).connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                yield conn
        finally:
            # Outside any transaction again (committed or rolled back): the pragma takes effect.
            raw.execute("PRAGMA foreign_keys = ON")


# --- key/value state -----------------------------------------------------------


def get_state(conn: Connection, key: str, default: str | None = None) -> str | None:
    value = conn.execute(select(sync_state.c.value).where(sync_state.c.key == key)).scalar()
    return default if value is None else value


def set_state(conn: Connection, key: str, value: str | None) -> None:
    conn.execute(sync_state.delete().where(sync_state.c.key == key))
    if value is not None:
        conn.execute(sync_state.insert().values(key=key, value=str(value)))


def client_id(conn: Connection) -> str:
    """The profile's client id: the protocol's ``client_id`` and the device id of its tokens."""
    value = conn.execute(select(profile_meta.c.value).where(profile_meta.c.key == "client_id")).scalar()
    if value is None:
        value = str(uuid.uuid4())
        conn.execute(profile_meta.insert().values(key="client_id", value=value))
    return value


@dataclass
class SyncSettings:
    """Where and as whom this profile syncs. Never holds a password or token."""

    server_url: str | None = None
    username: str | None = None
    ca_bundle: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    role: str | None = None
    team_id: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.server_url and self.username)


_SETTING_KEYS = {"server_url": SERVER_URL, "username": USERNAME, "ca_bundle": CA_BUNDLE, "user_id": USER_ID,
                 "display_name": DISPLAY_NAME, "role": ROLE, "team_id": TEAM_ID}


def load_settings(conn: Connection) -> SyncSettings:
    rows = dict(conn.execute(select(sync_state.c.key, sync_state.c.value)
                             .where(sync_state.c.key.in_(list(_SETTING_KEYS.values())))).all())
    return SyncSettings(**{attr: rows.get(key) for attr, key in _SETTING_KEYS.items()})


def save_settings(conn: Connection, settings: SyncSettings) -> None:
    for attr, key in _SETTING_KEYS.items():
        set_state(conn, key, getattr(settings, attr))


def get_cursor(conn: Connection) -> str | None:
    return get_state(conn, CURSOR)


def set_cursor(conn: Connection, cursor: str | None) -> None:
    set_state(conn, CURSOR, cursor)


def has_synced_data(conn: Connection) -> bool:
    """True once anything came from or went to a server (a cursor, or a row with a server version)."""
    if get_cursor(conn) is not None:
        return True
    for table in SYNCED_TABLES.values():
        if conn.execute(select(table.c.id).where(table.c.version > 0).limit(1)).first() is not None:
            return True
    return False


# --- values ---------------------------------------------------------------------


def synced_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in LOCAL_ONLY_COLUMNS and c.name != "id"]


def _to_date(value: Any) -> Any:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _to_int(value: Any) -> Any:
    return int(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else value


def _to_float(value: Any) -> Any:
    return float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else value


_CONVERTERS: dict[str, dict[str, Any]] = {}


def column_converters(table: Table) -> dict[str, Any]:
    """Per synced column: a function turning its wire value into what the column type accepts, or None."""
    cached = _CONVERTERS.get(table.name)
    if cached is None:
        cached = {}
        for name in synced_columns(table):
            col_type = table.c[name].type
            if isinstance(col_type, Date):
                cached[name] = _to_date
            elif isinstance(col_type, Boolean):
                cached[name] = bool
            elif isinstance(col_type, Integer):
                cached[name] = _to_int
            elif isinstance(col_type, Float):
                cached[name] = _to_float
            else:
                cached[name] = None
        _CONVERTERS[table.name] = cached
    return cached


def value_from_wire(table: Table, name: str, value: Any) -> Any:
    """A wire (JSON) value converted to what the column's SQLAlchemy type accepts."""
    if value is None:
        return None
    convert = column_converters(table).get(name)
    return convert(value) if convert is not None else value


def value_to_wire(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- pending local edits -----------------------------------------------------------


def pending_fields_map(conn: Connection, keys: Iterable[tuple[str, str]] | None = None
                       ) -> dict[tuple[str, str], set[str]]:
    """(entity, row_id) -> fields with unsent local changes (``deleted`` included).

    With ``keys``, only those rows are looked up (by the journal's row index).
    """
    out: dict[tuple[str, str], set[str]] = {}
    base = select(change_journal.c.entity, change_journal.c.row_id, change_journal.c.changes).where(
        change_journal.c.acked_at.is_(None))
    if keys is None:
        for entity, row_id, changes in conn.execute(base):
            out.setdefault((entity, row_id), set()).update(json.loads(changes))
        return out
    wanted = set(keys)
    row_ids = sorted({row_id for _entity, row_id in wanted})
    for start in range(0, len(row_ids), 500):
        stmt = base.where(change_journal.c.row_id.in_(row_ids[start:start + 500]))
        for entity, row_id, changes in conn.execute(stmt):
            if (entity, row_id) in wanted:
                out.setdefault((entity, row_id), set()).update(json.loads(changes))
    return out


# --- applying server rows -------------------------------------------------------------


@dataclass
class ApplyCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_local: int = 0   # rows where some fields kept their unsent local value
    stale: int = 0        # server version older than the local one: ignored
    skipped: int = 0      # unknown entity, or tombstone of a row never seen
    removed: int = 0      # revoked rows removed
    kept_revoked: int = 0  # revoked rows kept because they hold unsent edits

    @property
    def applied(self) -> int:
        return self.inserted + self.updated

    def add(self, other: "ApplyCounts") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _CustomerIndex:
    """Allocates ``search_key`` values and keeps ``customer_search`` in step within one transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._next: int | None = None

    def next_key(self) -> int:
        if self._next is None:
            self._next = int(self.conn.execute(
                select(func.coalesce(func.max(customers.c.search_key), 0))).scalar_one())
        self._next += 1
        return self._next

    def reindex(self, search_key: int, values: Mapping[str, Any] | None) -> None:
        self.conn.execute(text("DELETE FROM customer_search WHERE rowid = :k"), {"k": search_key})
        if values is not None:
            self.conn.execute(text("INSERT INTO customer_search (rowid, doc) VALUES (:k, :doc)"),
                              {"k": search_key, "doc": search_document(dict(values))})

    def add_many(self, rows: list[tuple[int, Mapping[str, Any]]]) -> None:
        if rows:
            self.conn.execute(text("INSERT INTO customer_search (rowid, doc) VALUES (:k, :doc)"),
                              [{"k": k, "doc": search_document(dict(v))} for k, v in rows])


def _required_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns
            if not c.nullable and c.server_default is None and c.name not in LOCAL_ONLY_COLUMNS
            and c.name != "id"}


def apply_changes(conn: Connection, changes: Iterable[RowChange],
                  pending: Mapping[tuple[str, str], set[str]] | None = None, *,
                  insert_missing: bool = True) -> ApplyCounts:
    """Apply server rows (a pull page, or push outcomes) in the caller's transaction.

    ``pending`` is :func:`pending_fields_map` for these rows; computed when omitted.
    ``insert_missing=False``: rows not on this laptop are skipped (push outcomes:
    a row removed meanwhile must not come back).
    """
    changes = list(changes)
    counts = ApplyCounts()
    if pending is None:
        pending = pending_fields_map(conn, {(c.entity, c.row_id) for c in changes})
    # Last change per row wins within one call (a page never repeats a row, but be safe).
    by_entity: dict[str, dict[str, RowChange]] = {}
    for change in changes:
        if change.entity not in SYNCED_TABLES:
            counts.skipped += 1
            continue
        by_entity.setdefault(change.entity, {})[change.row_id] = change
    index = _CustomerIndex(conn)
    for entity, rows in by_entity.items():
        _apply_entity(conn, entity, rows, pending, counts, index, insert_missing)
    return counts


def _apply_entity(conn: Connection, entity: str, rows: dict[str, RowChange],
                  pending: Mapping[tuple[str, str], set[str]], counts: ApplyCounts, index: _CustomerIndex,
                  insert_missing: bool = True) -> None:
    table = SYNCED_TABLES[entity]
    is_customer = table is customers
    columns = synced_columns(table)
    converters = column_converters(table)
    required = _required_columns(table)
    ids = list(rows)
    current: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
        for row in conn.execute(stmt, {"ids": chunk}).mappings():
            current[row["id"]] = dict(row)
    inserts: list[dict[str, Any]] = []
    index_rows: list[tuple[int, Mapping[str, Any]]] = []
    # Updates grouped by the set of columns they write: one executemany per group
    # (after a push, thousands of rows typically change only their version).
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    now = utc_now()
    for row_id, change in rows.items():
        raw = change.values or {}
        values = {}
        for k, v in raw.items():
            if k in converters:
                convert = converters[k]
                values[k] = convert(v) if convert is not None and v is not None else v
        mine = pending.get((entity, row_id), set())
        old = current.get(row_id)
        if old is None:
            if not insert_missing or not required.issubset(values):
                # A tombstone (or partial row) of something this laptop never had: nothing to show.
                counts.skipped += 1
                continue
            row = {c: values.get(c) for c in columns if c in values}
            row.update(id=row_id, version=int(change.version), deleted=bool(change.deleted),
                       created_at=str(raw.get("created_at") or now),
                       updated_at=str(raw.get("updated_at") or now))
            if is_customer:
                row["search_key"] = index.next_key()
                if not row["deleted"]:
                    index_rows.append((row["search_key"], row))
            inserts.append(row)
            counts.inserted += 1
            continue
        if int(old["version"]) > int(change.version):
            counts.stale += 1
            continue
        new_values = {k: v for k, v in values.items() if k not in mine}
        kept = [k for k in values if k in mine]
        deleted = bool(old["deleted"]) if "deleted" in mine else bool(change.deleted)
        if "deleted" in mine and bool(change.deleted) != bool(old["deleted"]):
            kept.append("deleted")
        diff = {k: v for k, v in new_values.items() if value_to_wire(old[k]) != value_to_wire(v)}
        if kept:
            counts.kept_local += 1
        if not diff and deleted == bool(old["deleted"]) and int(old["version"]) == int(change.version):
            counts.unchanged += 1
            continue
        params = {"version": int(change.version), "deleted": deleted, **diff}
        if raw.get("updated_at"):
            params["updated_at"] = str(raw["updated_at"])
        updates.setdefault(tuple(sorted(params)), []).append({"b_id": row_id, **{f"b_{k}": v
                                                                                for k, v in params.items()}})
        counts.updated += 1
        if is_customer and (set(diff) & set(SEARCHED_FIELDS) or deleted != bool(old["deleted"])):
            merged = {**old, **diff}
            index.reindex(old["search_key"], None if deleted else merged)
    for cols, batch in updates.items():
        stmt = update(table).where(table.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        conn.execute(stmt, batch)
    if inserts:
        # executemany needs the same keys in every row
        keys = sorted({k for r in inserts for k in r})
        conn.execute(table.insert(), [{k: r.get(k) for k in keys} for r in inserts])
        if is_customer:
            index.add_many(index_rows)


# --- revocations ---------------------------------------------------------------------


def _referencing(table: Table) -> list[tuple[Table, Any]]:
    """(child table, child column) pairs with a foreign key to ``table.id``."""
    refs = []
    for child in SYNCED_TABLES.values():
        for fk in child.foreign_keys:
            if fk.column.table is table:
                refs.append((child, fk.parent))
    return refs


def removal_order() -> dict[str, int]:
    """Entity -> rank for removing revoked rows: children before parents.

    Derived from the foreign keys between synced tables, so a new child entity
    (e.g. visit reviews) is ordered correctly without a list to maintain.
    """
    depth: dict[str, int] = {}

    def walk(entity: str, seen: frozenset[str]) -> int:
        if entity not in depth:
            table = SYNCED_TABLES[entity]
            parents = [name for name, other in SYNCED_TABLES.items()
                       if other is not table and name not in seen
                       and any(fk.column.table is other for fk in table.foreign_keys)]
            depth[entity] = 1 + max((walk(p, seen | {entity}) for p in parents), default=0)
        return depth[entity]

    for name in SYNCED_TABLES:
        walk(name, frozenset())
    return {name: -d for name, d in depth.items()}


def remove_rows(conn: Connection, refs: Iterable[RowRef],
                pending: Mapping[tuple[str, str], set[str]] | None = None) -> ApplyCounts:
    """Remove rows that left the user's scope, unless they (or rows referring to them) hold unsent edits."""
    counts = ApplyCounts()
    refs = [r for r in refs if r.entity in SYNCED_TABLES]
    if pending is None:
        pending = pending_fields_map(conn)
    order = removal_order()
    index = _CustomerIndex(conn)
    for ref in sorted(refs, key=lambda r: order.get(r.entity, 0)):
        table = SYNCED_TABLES[ref.entity]
        if (ref.entity, ref.row_id) in pending:
            counts.kept_revoked += 1
            continue
        if any(conn.execute(select(col).where(col == ref.row_id).limit(1)).first() is not None
               for _child, col in _referencing(table)):
            counts.kept_revoked += 1
            continue
        if table is customers:
            key = conn.execute(select(customers.c.search_key).where(customers.c.id == ref.row_id)).scalar()
            if key is not None:
                index.reindex(key, None)
        result = conn.execute(table.delete().where(table.c.id == ref.row_id))
        counts.removed += result.rowcount or 0
    return counts


def prune_unseen(conn: Connection, entities: Iterable[str], seen: Mapping[str, set[str]]) -> ApplyCounts:
    """After a full re-pull: remove server-known rows of ``entities`` the server no longer sent."""
    refs = []
    for entity in entities:
        table = SYNCED_TABLES[entity]
        for (row_id,) in conn.execute(select(table.c.id).where(table.c.version > 0)):
            if row_id not in seen.get(entity, set()):
                refs.append(RowRef(entity, row_id))
    return remove_rows(conn, refs)


# --- push acknowledgements -------------------------------------------------------------


@dataclass
class OutcomeCounts:
    applied: int = 0
    merged: int = 0
    conflicts: int = 0
    rejected: int = 0
    unknown: int = 0  # outcomes for seqs we did not send
    already_acked: int = 0  # acknowledged meanwhile by another sync of this profile (e.g. the CLI and the GUI)
    conflict_ids: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return self.applied + self.merged + self.conflicts + self.rejected


def record_outcomes(conn: Connection, entries: list[dict[str, Any]],
                    outcomes: Iterable[MutationOutcome]) -> OutcomeCounts:
    """Acknowledge pushed journal entries and apply what the server answered, in the caller's transaction.

    ``entries`` are the journal rows that were sent (as from
    :func:`fieldapp.store.journal.pending_entries`). For each outcome: the entry
    is marked acknowledged with its outcome; the server's values and version are
    applied to the local row (fields with later unsent edits keep their local
    value); conflicts and rejections are recorded in ``sync_conflicts`` with the
    local values, so nothing the user typed is lost. After a clean ``applied``,
    later unsent entries of the same row that were based on the same version
    are rebased on the new version (they were made on top of this change).
    """
    counts = OutcomeCounts()
    by_seq = {int(e["seq"]): e for e in entries}
    now = utc_now()
    todo: list[tuple[Mapping[str, Any], MutationOutcome]] = []
    for outcome in sorted(outcomes, key=lambda o: o.seq):
        entry = by_seq.get(int(outcome.seq))
        if entry is None:
            counts.unknown += 1
        else:
            todo.append((entry, outcome))
    if not todo:
        return counts
    # Acknowledge every entry at once (one statement); entries another sync of this
    # profile acknowledged meanwhile are left alone.
    seqs = [int(e["seq"]) for e, _ in todo]
    still: set[int] = set()
    for start in range(0, len(seqs), 500):
        still.update(conn.execute(select(change_journal.c.seq).where(
            change_journal.c.seq.in_(seqs[start:start + 500]), change_journal.c.acked_at.is_(None))).scalars())
    mine = [(e, o) for e, o in todo if int(e["seq"]) in still]
    counts.already_acked += len(todo) - len(mine)
    if not mine:
        return counts
    conn.execute(update(change_journal).where(change_journal.c.seq == bindparam("b_seq")).values(
        acked_at=now, outcome=bindparam("b_outcome")), [
        {"b_seq": int(o.seq), "b_outcome": json.dumps(
            {"status": o.status.value, "version": o.version, "reason": o.reason, "conflict_id": o.conflict_id},
            ensure_ascii=False)} for _e, o in mine])
    # What stays unsent after this batch (edits made meanwhile, or beyond the batch).
    pending = pending_fields_map(conn, {(e["entity"], e["row_id"]) for e, _ in mine})
    rows: list[RowChange] = []
    last_with_values: dict[tuple[str, str], int] = {}
    version_only: list[tuple[Mapping[str, Any], MutationOutcome]] = []
    rejected: list[Mapping[str, Any]] = []
    for entry, outcome in mine:
        key = (entry["entity"], entry["row_id"])
        status = outcome.status
        if status == OutcomeStatus.APPLIED:
            counts.applied += 1
            if outcome.version is not None and key in pending:
                conn.execute(update(change_journal).where(
                    change_journal.c.acked_at.is_(None), change_journal.c.entity == key[0],
                    change_journal.c.row_id == key[1], change_journal.c.seq > outcome.seq,
                    change_journal.c.base_version == int(entry["base_version"])).values(
                    base_version=int(outcome.version)))
        elif status == OutcomeStatus.MERGED:
            counts.merged += 1
        elif status == OutcomeStatus.CONFLICT:
            counts.conflicts += 1
            if outcome.conflict_id:
                counts.conflict_ids.append(outcome.conflict_id)
        else:
            counts.rejected += 1
        if status in (OutcomeStatus.CONFLICT, OutcomeStatus.REJECTED):
            _record_problem(conn, entry, outcome)
        if key[0] not in SYNCED_TABLES:
            continue
        if outcome.values is not None and outcome.version is not None:
            deleted = server_deleted_after(entry, outcome)
            values = {k: v for k, v in outcome.values.items() if k != "deleted"}
            rows.append(RowChange(key[0], key[1], int(outcome.version), bool(deleted), values))
            last_with_values[key] = int(outcome.seq)
        elif status == OutcomeStatus.REJECTED:
            rejected.append(entry)
        elif status == OutcomeStatus.APPLIED and outcome.version is not None:
            version_only.append((entry, outcome))
    if rows:
        # In seq order, so a row's last outcome (its highest version) is what stays.
        apply_changes(conn, rows, pending, insert_missing=False)
    for entry, outcome in version_only:
        _apply_outcome_row(conn, entry, outcome)
    for entry in rejected:
        # A later outcome of the same row in this batch carries the server's values: nothing to revert.
        if last_with_values.get((entry["entity"], entry["row_id"]), -1) < int(entry["seq"]):
            _revert_rejected(conn, entry)
    return counts


def server_deleted_after(entry: Mapping[str, Any], outcome: MutationOutcome) -> bool | None:
    """Whether the server row is a tombstone after this outcome (the outcome's values omit the flag).

    A delete that was applied (or merged) deleted the row; a delete in conflict
    was refused because someone changed the row meanwhile — the row stays. An
    update in conflict with reason ``deleted_on_server`` hit a tombstone.
    Inserts and other updates leave a live row. None: unknown (rejected).
    """
    explicit = outcome.values.get("deleted") if outcome.values else None
    if isinstance(explicit, bool):
        return explicit
    status = outcome.status
    if status == OutcomeStatus.REJECTED:
        return None
    if entry["op"] == "delete":
        return status != OutcomeStatus.CONFLICT
    if status == OutcomeStatus.CONFLICT and (outcome.reason or "").startswith("deleted_on_server"):
        return True
    return False


def _apply_outcome_row(conn: Connection, entry: Mapping[str, Any], outcome: MutationOutcome) -> None:
    if entry["entity"] not in SYNCED_TABLES or outcome.version is None:
        return
    table = SYNCED_TABLES[entry["entity"]]
    current = conn.execute(select(table.c.version, table.c.deleted).where(
        table.c.id == entry["row_id"])).first()
    if current is None:
        return
    deleted = server_deleted_after(entry, outcome)
    if deleted is None:
        deleted = bool(current.deleted)
    if outcome.values is not None:
        values = {k: v for k, v in outcome.values.items() if k != "deleted"}
        apply_changes(conn, [RowChange(entry["entity"], entry["row_id"], int(outcome.version), deleted, values)])
    elif outcome.status == OutcomeStatus.APPLIED and int(outcome.version) > int(current.version):
        # Applied as sent on the version we had: the server row now equals ours.
        conn.execute(update(table).where(table.c.id == entry["row_id"]).values(version=int(outcome.version)))


def _revert_rejected(conn: Connection, entry: Mapping[str, Any]) -> None:
    """Put back the values the user saw before a refused change (they stay in ``sync_conflicts``).

    Only for rows the server knows (version > 0) and only fields without later
    unsent edits; a refused insert keeps its local row (version 0), so nothing
    typed disappears before the user has seen the refusal.
    """
    if entry["entity"] not in SYNCED_TABLES or entry["op"] == "insert":
        return
    table = SYNCED_TABLES[entry["entity"]]
    current = conn.execute(select(table).where(table.c.id == entry["row_id"])).mappings().first()
    if current is None or int(current["version"]) == 0:
        return
    later = pending_fields_map(conn, {(entry["entity"], entry["row_id"])}).get(
        (entry["entity"], entry["row_id"]), set())
    columns = set(synced_columns(table))
    values: dict[str, Any] = {}
    for name, pair in entry["changes"].items():
        if name in later or not isinstance(pair, list) or len(pair) != 2:
            continue
        if name == "deleted":
            values["deleted"] = bool(pair[0])
        elif name in columns:
            values[name] = value_from_wire(table, name, pair[0])
    if not values:
        return
    conn.execute(update(table).where(table.c.id == entry["row_id"]).values(**values))
    if table is customers:
        merged = {**current, **values}
        _CustomerIndex(conn).reindex(current["search_key"], None if merged["deleted"] else merged)


def _record_problem(conn: Connection, entry: Mapping[str, Any], outcome: MutationOutcome) -> None:
    server_values = outcome.values or {}
    fields_doc = {name: {"base": pair[0], "local": pair[1], "server": server_values.get(name)}
                  for name, pair in entry["changes"].items()}
    conn.execute(sync_conflicts.insert().values(
        id=str(uuid.uuid4()), kind="conflict" if outcome.status == OutcomeStatus.CONFLICT else "rejected",
        server_conflict_id=outcome.conflict_id, seq=int(entry["seq"]), entity=entry["entity"],
        row_id=entry["row_id"], fields=json.dumps(fields_doc, ensure_ascii=False, sort_keys=True),
        reason=outcome.reason, server_version=outcome.version, created_at=utc_now()))


# --- conflicts the user must look at -------------------------------------------------------


@dataclass
class LocalConflict:
    id: str
    kind: str
    server_conflict_id: str | None
    seq: int | None
    entity: str
    row_id: str
    fields: dict[str, dict[str, Any]]
    reason: str | None
    server_version: int | None
    created_at: str
    resolved_at: str | None = None
    resolution: str | None = None


def _to_conflict(row: Mapping[str, Any]) -> LocalConflict:
    return LocalConflict(**{**dict(row), "fields": json.loads(row["fields"])})


def open_conflicts(conn: Connection) -> list[LocalConflict]:
    rows = conn.execute(select(sync_conflicts).where(sync_conflicts.c.resolved_at.is_(None))
                        .order_by(sync_conflicts.c.created_at, sync_conflicts.c.seq)).mappings().all()
    return [_to_conflict(r) for r in rows]


def open_conflict_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(sync_conflicts)
                            .where(sync_conflicts.c.resolved_at.is_(None))).scalar_one())


def get_conflict(conn: Connection, conflict_id: str) -> LocalConflict | None:
    row = conn.execute(select(sync_conflicts).where(sync_conflicts.c.id == conflict_id)).mappings().first()
    return _to_conflict(row) if row is not None else None


def mark_conflict_resolved(conn: Connection, conflict_id: str, resolution: str) -> None:
    conn.execute(update(sync_conflicts).where(sync_conflicts.c.id == conflict_id).values(
        resolved_at=utc_now(), resolution=resolution))


# --- integrity ------------------------------------------------------------------------------


def local_digest(conn: Connection, entity: str) -> tuple[int, str]:
    """(count, checksum) of the server-known rows of ``entity``, as :class:`ScopeDigest` defines them.

    Rows never acknowledged by a server (version 0) are not on the server and
    are left out.
    """
    table = SYNCED_TABLES[entity]
    lines = sorted(f"{row_id}:{version}:{1 if deleted else 0}\n" for row_id, version, deleted in conn.execute(
        select(table.c.id, table.c.version, table.c.deleted).where(table.c.version > 0)))
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
    return len(lines), digest.hexdigest()
