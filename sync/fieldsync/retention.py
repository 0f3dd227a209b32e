"""Retention: tombstones and push records are kept at least TOMBSTONE_RETENTION_DAYS (180).

A client offline for longer may have missed deletes that are no longer
recorded, so a cursor older than the newest purged tombstone
(``server_meta.purged_through_seq``) gets ``full_resync_required``: the client
pushes its outbox first, then pulls everything again.

A tombstone still referenced by a row (a visit's customer, an answer's visit,
a follow-up's visit) is kept: clients apply pages with foreign keys on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, select, update

from fieldapp.core.protocol import TOMBSTONE_RETENTION_DAYS

from .core.config import Settings
from .core.db import write_transaction
from .core.logs import log_event
from .models import applied_mutations, server_meta, sync_rows
from .rows import lock_counter


@dataclass
class PurgeResult:
    days: int
    tombstones: int
    push_records: int


def purge(engine: Engine, settings: Settings, days: int | None = None) -> PurgeResult:
    days = max(days or TOMBSTONE_RETENTION_DAYS, TOMBSTONE_RETENTION_DAYS)
    cutoff = settings.now() - timedelta(days=days)
    removed = 0
    r = sync_rows.c
    with write_transaction(engine) as conn:
        lock_counter(conn)
        max_seq = 0
        for _round in range(4):  # children first, then the parents they no longer hold
            candidates = {(x.entity, x.row_id): int(x.server_seq) for x in conn.execute(
                select(r.entity, r.row_id, r.server_seq).where(r.deleted.is_(True), r.updated_at < cutoff))}
            if not candidates:
                break
            referenced: set[str] = set()
            for x in conn.execute(select(r.entity, r.row_id, r.parent_id, r.customer_id, r["values"])):
                if x.parent_id:
                    referenced.add(x.parent_id)
                if x.entity != "customer" and x.customer_id:
                    referenced.add(x.customer_id)
                if x.entity == "follow_up" and x._mapping["values"].get("visit_id"):
                    referenced.add(x._mapping["values"]["visit_id"])
            doomed = [k for k in candidates if k[1] not in referenced]
            if not doomed:
                break
            for entity, row_id in doomed:
                conn.execute(delete(sync_rows).where(r.entity == entity, r.row_id == row_id))
                max_seq = max(max_seq, candidates[(entity, row_id)])
            removed += len(doomed)
        if max_seq:
            current = int(conn.execute(select(server_meta.c.value).where(
                server_meta.c.key == "purged_through_seq")).scalar() or 0)
            conn.execute(update(server_meta).where(server_meta.c.key == "purged_through_seq")
                         .values(value=str(max(current, max_seq))))
        records = conn.execute(delete(applied_mutations).where(applied_mutations.c.created_at < cutoff)).rowcount
    log_event("purge", days=days, tombstones=removed, push_records=records)
    return PurgeResult(days, removed, records)
