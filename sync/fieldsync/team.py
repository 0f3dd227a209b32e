"""The synced, mostly read-only entity ``team_member``: the users a laptop needs the names of.

One row per user (row id = user id), written by the server from the ``users``
table: user name, display name, role, team, AB partner (``backup_id``) and
whether the account is active. Scope key ``m:<user id>`` (see
:mod:`fieldsync.scope`): a lead sees their team's members, a manager sees
themself, their AB partner and whoever they share a cover period with, an
admin everyone.

The rows are brought in step with ``users`` at the start of every pull run
(:func:`refresh_team_members`; a cheap comparison, a write only when something
changed), so user administration done with the CLI reaches the laptops on
their next sync without any hook in the administration code.

A lead (or an admin) may change one field through push: ``backup_id`` (assign a
manager's AB partner); :func:`apply_backup_changes` copies it to ``users``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Connection, select, update

from .fields import member_scope_key
from .models import sync_rows, users
from .rows import StoredRow, get_rows, lock_counter, new_row, save_rows


def _desired(conn: Connection) -> dict[str, dict[str, Any]]:
    u = users.c
    return {r.id: {"username": r.username, "display_name": r.display_name or "", "role": r.role,
                   "team_id": r.team_id, "backup_id": r.backup_id, "active": not r.disabled}
            for r in conn.execute(select(u.id, u.username, u.display_name, u.role, u.team_id, u.backup_id,
                                         u.disabled))}


def _stale(conn: Connection, desired: dict[str, dict[str, Any]]) -> list[str]:
    have = {r.row_id: r._mapping["values"] for r in conn.execute(
        select(sync_rows.c.row_id, sync_rows.c["values"]).where(sync_rows.c.entity == "team_member"))}
    return [uid for uid, values in desired.items() if have.get(uid) != values]


def refresh_team_members(conn: Connection, now: datetime) -> int:
    """Write the ``team_member`` rows that differ from ``users``; returns how many. Caller: a write transaction."""
    if not _stale(conn, _desired(conn)):
        return 0
    lock_counter(conn)  # then look again under the writers' lock: another request may have done it
    desired = _desired(conn)
    stale = _stale(conn, desired)
    existing = get_rows(conn, [("team_member", uid) for uid in stale])
    rows: list[StoredRow] = []
    for uid in stale:
        row = existing.get(("team_member", uid))
        if row is None:
            rows.append(new_row("team_member", uid, desired[uid], member_scope_key(uid), client_id=None,
                                user_id=None))
        else:
            rows.append(row.next_version(desired[uid], deleted=False, client_id=None, user_id=None))
    save_rows(conn, rows, now)
    return len(rows)


def apply_backup_changes(conn: Connection, rows: Iterable[StoredRow], now: datetime) -> None:
    """Copy pushed ``team_member.backup_id`` values to ``users`` (same transaction as the rows)."""
    for row in rows:
        if row.entity == "team_member":
            conn.execute(update(users).where(users.c.id == row.row_id).values(
                backup_id=row.values.get("backup_id"), updated_at=now))
