"""Conflict records: listing the open ones in the caller's scope, and resolving one.

Resolving writes the chosen values as a new server version of the row (with
the same authorisation and validation as a pushed update, based on the current
version), marks the record resolved, and returns the row. Every client then
pulls the resolution like any other change.
"""

from __future__ import annotations

from sqlalchemy import Engine, or_, select, update

from fieldapp.core.protocol import (
    ConflictField,
    ConflictList,
    ConflictRecord,
    Mutation,
    MutationOp,
    ResolveRequest,
    RowChange,
)

from .core.config import Settings
from .core.db import read_transaction, write_transaction
from . import audit
from .audit import AuditEvent
from .errors import ApiError
from .models import conflicts, users
from .push import Batch, Rejected, apply_delete, apply_update
from .rows import lock_counter
from .scope import Principal, visible_customers_query

MAX_LISTED = 500


def _record(row, username: str | None) -> ConflictRecord:
    m = row._mapping
    return ConflictRecord(
        id=m["id"], entity=m["entity"], row_id=m["row_id"], kind=m["kind"],
        fields=[ConflictField(**f) for f in (m["fields"] or [])], version=int(m["version"]),
        created_at=m["created_at"].isoformat() + "Z", status=m["status"], username=username,
        client_id=m["client_id"], seq=m["seq"])


def _visible_clause(principal: Principal, settings: Settings):
    if principal.is_admin:
        return None
    clause = conflicts.c.customer_id.in_(visible_customers_query(principal, settings.today()))
    if principal.is_lead:  # templates are the leads' to fix
        clause = or_(clause, conflicts.c.customer_id.is_(None))
    return clause


def list_conflicts(engine: Engine, settings: Settings, principal: Principal) -> ConflictList:
    stmt = (select(conflicts, users.c.username).outerjoin(users, users.c.id == conflicts.c.user_id)
            .where(conflicts.c.status == "open").order_by(conflicts.c.created_at, conflicts.c.id).limit(MAX_LISTED))
    clause = _visible_clause(principal, settings)
    if clause is not None:
        stmt = stmt.where(clause)
    with read_transaction(engine) as conn:
        return ConflictList(conflicts=[_record(r, r.username) for r in conn.execute(stmt)])


def resolve(engine: Engine, settings: Settings, principal: Principal, conflict_id: str,
            req: ResolveRequest) -> RowChange:
    if not isinstance(req.values, dict):
        raise ApiError(422, "invalid_body", "values must be an object of field: value.")
    now = settings.now()
    with write_transaction(engine) as conn:
        lock_counter(conn)
        stmt = select(conflicts).where(conflicts.c.id == conflict_id[:100])
        clause = _visible_clause(principal, settings)
        if clause is not None:
            stmt = stmt.where(clause)
        record = conn.execute(stmt).mappings().first()
        if record is None:
            raise ApiError(404, "not_found", "No such conflict in your scope.")
        if record["status"] != "open":
            raise ApiError(409, "already_resolved", "Someone already resolved this conflict.")
        batch = Batch(conn, principal, None, settings, now)  # type: ignore[arg-type]
        row = batch.get(record["entity"], record["row_id"])
        if row is None or not batch.visible(row):
            raise ApiError(404, "not_found", "No such conflict in your scope.")
        try:
            if req.deleted is True and not row.deleted:
                m = Mutation(seq=0, entity=row.entity, row_id=row.row_id, op=MutationOp.DELETE,
                             base_version=row.version, changes={"deleted": [False, True]})
                apply_delete(batch, m)
            else:
                changes = {k: [row.values.get(k), v] for k, v in req.values.items()}
                if req.deleted is False and row.deleted:
                    changes["deleted"] = [True, False]
                if changes or row.deleted:
                    m = Mutation(seq=0, entity=row.entity, row_id=row.row_id, op=MutationOp.UPDATE,
                                 base_version=row.version, changes=changes)
                    if changes:
                        apply_update(batch, m)
        except Rejected as rej:
            raise ApiError(422, "rejected", rej.reason) from None
        batch.commit_mutation()
        batch.flush()
        conn.execute(update(conflicts).where(conflicts.c.id == record["id"]).values(
            status="resolved", resolved_at=now, resolved_by=principal.user_id))
        final = batch.get(row.entity, row.row_id)
        audit.record(conn, AuditEvent.CONFLICT_RESOLVED, at=now, actor=principal, target=record["id"],
                     detail={"entity": final.entity, "row_id": final.row_id, "version": final.version,
                             "kind": record["kind"], "fields": sorted(req.values)[:50],
                             "deleted": final.deleted})
    return RowChange(final.entity, final.row_id, final.version, final.deleted, dict(final.values))
