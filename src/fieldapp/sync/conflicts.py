"""Settling what a sync left for the user: conflicts (both values kept) and refused changes.

For the GUI's conflicts view (run on a worker: these call the server):

- :func:`resolve` a conflict: keep the server's values, take mine, or give
  values field by field. The server writes the choice as a new version of the
  row (``POST /api/v1/conflicts/{id}/resolve``); the returned row is applied
  here at once (fields with unsent local edits keep them), and every other
  laptop pulls it like any change.
- :func:`dismiss` a refused change (the server will not take it as it is): the
  record is closed; optionally a never-synced local row is discarded.

The local record (``sync_conflicts``) keeps the user's values until then, so
nothing typed is lost by a conflict or a refusal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.protocol import ConflictList, ResolveRequest, RowChange, from_wire
from fieldapp.store import sync_state as ss
from fieldapp.store.schema import SYNCED_TABLES, customers

from . import errors as E
from .http import SyncClient

KEEP_SERVER = "server"
KEEP_MINE = "mine"
CUSTOM = "custom"

MSG_NOT_A_CONFLICT = QT_TRANSLATE_NOOP("Sync", "This record is a refused change, not a conflict: it can only be "
                                               "dismissed.")
MSG_UNKNOWN = QT_TRANSLATE_NOOP("Sync", "No such conflict on this laptop.")


def server_conflicts(client: SyncClient) -> ConflictList:
    """Open conflicts in the user's scope on the server (a lead sees the team's)."""
    return from_wire(ConflictList, client.list_conflicts())


def _request_for(conflict: ss.LocalConflict, choice: str, values: dict[str, Any] | None) -> ResolveRequest:
    reason = conflict.reason or ""
    if choice == KEEP_SERVER:
        return ResolveRequest(values={})
    if choice == KEEP_MINE:
        if reason.startswith("changed_on_server"):  # my delete was refused: delete it after all
            return ResolveRequest(values={}, deleted=True)
        mine = {name: f.get("local") for name, f in conflict.fields.items() if name != "deleted"}
        return ResolveRequest(values=mine, deleted=False if reason.startswith("deleted_on_server") else None)
    if choice == CUSTOM:
        return ResolveRequest(values=dict(values or {}))
    raise ValueError(f"unknown choice {choice!r}")


def resolve(engine: Engine, client: SyncClient, conflict_id: str, choice: str,
            values: dict[str, Any] | None = None) -> RowChange | None:
    """Settle a local conflict record through the server; returns the row as the server now has it.

    Raises :class:`SyncError` subclasses (e.g. :class:`Offline`: try again when online).
    If someone else already settled it (409) or it left the user's scope (404),
    the local record is closed and None is returned; the next pull brings the row.
    """
    with engine.connect() as conn:
        conflict = ss.get_conflict(conn, conflict_id)
    if conflict is None:
        raise E.RequestRejected(Message("Sync", MSG_UNKNOWN))
    if conflict.kind != "conflict" or not conflict.server_conflict_id:
        raise E.RequestRejected(Message("Sync", MSG_NOT_A_CONFLICT))
    request = _request_for(conflict, choice, values)
    try:
        data = client.resolve_conflict(conflict.server_conflict_id, {"values": request.values,
                                                                      "deleted": request.deleted})
    except E.RequestRejected as exc:
        if exc.status in (404, 409):
            with ss.sync_transaction(engine) as conn:
                ss.mark_conflict_resolved(conn, conflict_id, "resolved_elsewhere" if exc.status == 409 else "gone")
            return None
        raise
    row = from_wire(RowChange, data)
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [row])
        ss.mark_conflict_resolved(conn, conflict_id, choice)
    return row


def dismiss(engine: Engine, conflict_id: str, *, discard_local_row: bool = False) -> None:
    """Close a record without the server (refused changes). ``discard_local_row`` removes a row the
    server never accepted (version 0, nothing pending) — e.g. a visit for a customer outside the scope."""
    with ss.sync_transaction(engine) as conn:
        conflict = ss.get_conflict(conn, conflict_id)
        if conflict is None:
            raise E.RequestRejected(Message("Sync", MSG_UNKNOWN))
        if discard_local_row and conflict.entity in SYNCED_TABLES:
            table = SYNCED_TABLES[conflict.entity]
            version = conn.execute(select(table.c.version).where(table.c.id == conflict.row_id)).scalar()
            pending = ss.pending_fields_map(conn, {(conflict.entity, conflict.row_id)})
            if version == 0 and not pending:
                if table is customers:
                    key = conn.execute(select(customers.c.search_key).where(
                        customers.c.id == conflict.row_id)).scalar()
                    if key is not None:
                        conn.exec_driver_sql("DELETE FROM customer_search WHERE rowid = ?", (key,))
                conn.execute(table.delete().where(table.c.id == conflict.row_id))
        ss.mark_conflict_resolved(conn, conflict_id, "dismissed")
