"""Sync clients: a client id (one profile on one laptop) is bound to the user who first used it.

A client id names the outbox whose ``(client_id, seq)`` pairs make pushes
exactly-once, and the scope snapshot of pulls; letting a second user reuse it
would hand them the first user's stored outcomes, so the server refuses
(409 ``client_bound_to_other_user``): a profile belongs to one user.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .errors import ApiError
from .models import clients
from .scope import Principal

MAX_CLIENT_ID = 100


def dialect_insert(conn: Connection, table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def check_client_id(client_id: str) -> None:
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > MAX_CLIENT_ID:
        raise ApiError(422, "invalid_client_id", f"client_id must be 1 to {MAX_CLIENT_ID} characters.")


def ensure_client(conn: Connection, client_id: str, principal: Principal, now: datetime) -> dict:
    """Register the client on first use; refuse a client id that belongs to another user."""
    check_client_id(client_id)
    conn.execute(dialect_insert(conn, clients).values(
        client_id=client_id, user_id=principal.user_id, created_at=now, last_seen_at=now,
        scope_epoch=0, pruned_epoch=0).on_conflict_do_nothing(index_elements=["client_id"]))
    # UPDATE first: it locks the client's row (PostgreSQL), so concurrent requests of one
    # client are serialised and the SELECT below sees the latest committed epoch.
    conn.execute(update(clients).where(clients.c.client_id == client_id,
                                       clients.c.user_id == principal.user_id).values(last_seen_at=now))
    row = conn.execute(select(clients).where(clients.c.client_id == client_id)).mappings().one()
    if row["user_id"] != principal.user_id:
        raise ApiError(409, "client_bound_to_other_user",
                       "This FieldApp profile belongs to another user. Sign in as that user, "
                       "or use a separate profile (--data-dir) for each user.")
    return dict(row)
