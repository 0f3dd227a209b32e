"""AB cover periods: one rule for the CLI and for pushed ``cover_period`` rows, one source for the scope.

A cover period exists twice on the server, kept in step in the same transaction:

- the synced row ``cover_period`` (``sync_rows``; row id = cover id), which laptops pull
  (scope key ``cover:<id>``: the manager, the backup, their leads and admins see it);
- the row of ``cover_periods`` with the same id, which the scope reads
  (:mod:`fieldsync.scope`: the backup sees the manager's customers while it runs).

A lead records one offline and pushes it (:mod:`fieldsync.push`), or IT runs
``fieldsync cover add`` (:func:`create_cover`); both are validated by
:func:`cover_problem`: A and B cannot be away at the same time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, and_, or_, select, update

from .fields import cover_scope_key
from .models import cover_periods, users
from .rows import StoredRow, lock_counter, new_row, save_rows


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return {r.id: (r.display_name or r.username) for r in conn.execute(
        select(users.c.id, users.c.username, users.c.display_name).where(users.c.id.in_(ids)))}


def cover_problem(conn: Connection, cover_id: str, values: Mapping[str, Any],
                  pending: Iterable[Mapping[str, Any]] = ()) -> tuple[str, str] | None:
    """Why this cover period cannot be recorded: ``(code, sentence)``, or None.

    Codes: ``invalid_value`` (the period itself is wrong), ``overlapping_leave``
    (A and B would be away at the same time).

    ``values``: manager_id, backup_id, start_date, end_date, cancelled. ``pending``:
    cover periods written earlier in the same unit of work, not yet in the table
    (dicts with ``id`` and the same keys); they override table rows of the same id.
    A cancelled period is never in the way and never refused for clashing.
    """
    a, b = values.get("manager_id"), values.get("backup_id")
    start, end = _as_date(values["start_date"]), _as_date(values["end_date"])
    if a == b:
        return "invalid_value", "a manager cannot cover for themselves: choose another backup"
    if end < start:
        return "invalid_value", f"the cover period ends ({end}) before it starts ({start})"
    known = _names(conn, [a, b])
    missing = [x for x in (a, b) if x not in known]
    if missing:
        return "invalid_value", f"no such user: {', '.join(missing)}"
    if values.get("cancelled"):
        return None
    cp = cover_periods.c
    candidates: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(cp.id, cp.manager_id, cp.backup_id, cp.start_date, cp.end_date).where(
            cp.cancelled.is_(False), cp.id != cover_id, cp.start_date <= end, cp.end_date >= start,
            or_(cp.manager_id.in_([a, b]), cp.backup_id == a))):
        candidates[r.id] = dict(r._mapping)
    for p in pending:
        if p["id"] == cover_id:
            continue
        candidates.pop(p["id"], None)
        if not p.get("cancelled") and _as_date(p["start_date"]) <= end and _as_date(p["end_date"]) >= start:
            candidates[p["id"]] = dict(p)
    # Report the most telling clash first: B on leave, then A's own leave, then A covering someone.
    for kind in ("backup_away", "already_away", "covering"):
        for c in sorted(candidates.values(), key=lambda c: str(c["start_date"])):
            s, e = _as_date(c["start_date"]), _as_date(c["end_date"])
            if not (s <= end and e >= start):
                continue
            if kind == "backup_away" and c["manager_id"] == b:
                return "overlapping_leave", (f"{known[b]} is on leave from {s} to {e}: {known[a]} and {known[b]} "
                                             "cannot be away at the same time; choose another backup or other dates")
            if kind == "already_away" and c["manager_id"] == a:
                return "overlapping_leave", (f"{known[a]} already has a cover period from {s} to {e}; "
                                             "change or cancel that one")
            if kind == "covering" and c["backup_id"] == a:
                other = _names(conn, [c["manager_id"]]).get(c["manager_id"], c["manager_id"])
                return "overlapping_leave", (f"{known[a]} covers {other} from {s} to {e} and cannot be on leave "
                                             "then; arrange that cover first")
    return None


def write_cover_table(conn: Connection, rows: Iterable[StoredRow], now: datetime) -> None:
    """Bring ``cover_periods`` in step with saved ``cover_period`` rows (the scope reads the table)."""
    for row in rows:
        if row.entity != "cover_period":
            continue
        v = row.values
        fields = dict(manager_id=v["manager_id"], backup_id=v["backup_id"], start_date=_as_date(v["start_date"]),
                      end_date=_as_date(v["end_date"]), reason=v.get("reason") or "",
                      cancelled=bool(v.get("cancelled")) or row.deleted)
        done = conn.execute(update(cover_periods).where(cover_periods.c.id == row.row_id).values(**fields))
        if not done.rowcount:
            conn.execute(cover_periods.insert().values(id=row.row_id, created_at=now, **fields))


def create_cover(conn: Connection, manager_id: str, backup_id: str, start: date, end: date, now: datetime, *,
                 reason: str = "", user_id: str | None = None, cover_id: str | None = None) -> str:
    """Record a cover period as server tooling (``fieldsync cover add``): validated, synced, in scope.

    Raises ``ValueError`` with the reason when refused. The caller holds a write transaction.
    """
    lock_counter(conn)
    cover_id = cover_id or str(uuid.uuid4())
    values = dict(manager_id=manager_id, backup_id=backup_id, start_date=start.isoformat(),
                  end_date=end.isoformat(), reason=reason, cancelled=False)
    problem = cover_problem(conn, cover_id, values)
    if problem:
        raise ValueError(problem[1])
    rows = save_rows(conn, [new_row("cover_period", cover_id, values, cover_scope_key(cover_id), client_id=None,
                                    user_id=user_id)], now)
    write_cover_table(conn, rows, now)
    return cover_id


def covered_managers_clause(backup_id: str, today: date):
    """WHERE clause on ``cover_periods``: periods in which ``backup_id`` covers someone today."""
    cp = cover_periods.c
    return and_(cp.backup_id == backup_id, cp.start_date <= today, cp.end_date >= today, cp.cancelled.is_(False))
