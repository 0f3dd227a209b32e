"""Pull: pages of changes after an opaque cursor, scope grants and revocations, digests.

The cursor
    ``base64url(JSON)`` of: the server instance, a hash of the client id, and
    four numbers — ``base`` (every change up to this seq, for the customers of
    the ``from`` snapshot, has been delivered), ``pos`` (the scan position of
    the current run: rows up to here have been delivered), ``from`` and ``to``
    (scope epochs, below). A run goes from ``from`` to ``to`` in pages; a run
    within one epoch starts at ``pos = base``, a run across epochs at
    ``pos = 0`` because the granted customers' rows are older than ``base``.
    Clients store the cursor and send it back; they never look inside.

No row committed late is skipped
    Server change sequence numbers are allocated under a lock held until commit
    (:mod:`fieldsync.rows`), so they become visible in order. A page reads the
    counter and the rows in one snapshot; when nothing is left it moves ``pos``
    to the counter value it saw: every seq up to that value was committed
    before the snapshot and is in it.

Scope snapshots (per client)
    ``client_scope`` records, per client, which customers it has been sent, in
    numbered epochs. When the user's live scope differs from the latest
    snapshot, a new epoch is created; pulling from epoch ``from`` to ``to``
    sends every row of the customers *granted* in between (whatever their seq
    — they are older than the cursor), and lists every row of the customers
    *revoked* in ``revoked``. Until the client comes back with a cursor at
    ``to``, it may repeat the request any number of times and get the same
    answer: nothing is marked as delivered on the server, the cursor is the
    only acknowledgement.

Pages are closed under references: a child row (visit, answer, note, ...) is
never sent before its parent, so a client can apply a page with foreign keys
on. Changes are ordered parents first; revocations children first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Text, and_, cast, delete, false, insert, literal, or_, select, \
    update

from fieldapp.core.protocol import (
    MAX_CHANGES_PER_PULL,
    DigestResponse,
    PullRequest,
    PullResponse,
    RowChange,
    RowRef,
    ScopeDigest,
)

from .clients import ensure_client
from .core.config import Settings
from .core.db import read_transaction, write_transaction
from .core.logs import log_event
from .errors import ApiError
from .fields import ENTITY_FIELDS
from .models import client_scope, clients, server_meta, sync_rows
from .rows import current_seq
from .scope import Principal, row_in_scope_clause, visible_customers_query
from .serialize import RawJson
from .team import refresh_team_members

ENTITY_RANK = {name: i for i, name in enumerate(
    ("team_member", "cover_period", "customer", "checklist_template", "purchase", "visit", "follow_up",
     "checklist_answer", "visit_note", "attachment", "visit_review", "attendance"))}
CURSOR_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    instance: str
    client: str
    base: int
    pos: int
    from_epoch: int
    to_epoch: int

    def encode(self) -> str:
        raw = json.dumps({"v": CURSOR_VERSION, "i": self.instance, "c": self.client, "b": self.base,
                          "p": self.pos, "f": self.from_epoch, "t": self.to_epoch}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            if len(text) > 1000:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = json.loads(raw)
            if data.get("v") != CURSOR_VERSION:
                raise ValueError("version")
            cur = cls(str(data["i"]), str(data["c"]), int(data["b"]), int(data["p"]), int(data["f"]),
                      int(data["t"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ApiError(422, "invalid_cursor", "The cursor is not one this server issued. "
                           "Pull again without a cursor.") from None
        if min(cur.base, cur.pos, cur.from_epoch, cur.to_epoch) < 0 or cur.from_epoch > cur.to_epoch \
                or (cur.from_epoch == cur.to_epoch and cur.pos < cur.base):
            raise ApiError(422, "invalid_cursor", "The cursor is not one this server issued.")
        return cur


def client_tag(client_id: str) -> str:
    return hashlib.sha256(client_id.encode()).hexdigest()[:12]


def server_meta_value(conn: Connection, key: str, default: str = "") -> str:
    value = conn.execute(select(server_meta.c.value).where(server_meta.c.key == key)).scalar()
    return value if value is not None else default


# --- scope snapshots -------------------------------------------------------------


def _snapshot(client_id: str, epoch: int):
    cs = client_scope.c
    return select(cs.customer_id).where(cs.client_id == client_id, cs.added_epoch <= epoch,
                                        or_(cs.removed_epoch.is_(None), cs.removed_epoch > epoch))


def _open_snapshot(client_id: str):
    cs = client_scope.c
    return select(cs.customer_id).where(cs.client_id == client_id, cs.removed_epoch.is_(None))


def _scope_changed(conn: Connection, client_id: str, live) -> bool:
    """Does the live scope (a subquery of scope keys) differ from the client's latest snapshot?"""
    key = live.c[0]
    added = select(key).where(key.not_in(_open_snapshot(client_id))).limit(1)
    if conn.execute(added).first() is not None:
        return True
    removed = _open_snapshot(client_id).where(client_scope.c.customer_id.not_in(select(key))).limit(1)
    return conn.execute(removed).first() is not None


def _new_epoch(conn: Connection, client_id: str, epoch: int, live) -> int:
    """Record the live scope as the client's next snapshot, in two statements whatever its size."""
    new = epoch + 1
    key = live.c[0]
    conn.execute(insert(client_scope).from_select(
        ["client_id", "customer_id", "added_epoch"],
        select(literal(client_id, Text), key, literal(new, Integer)).where(key.not_in(_open_snapshot(client_id)))))
    conn.execute(update(client_scope).where(
        client_scope.c.client_id == client_id, client_scope.c.removed_epoch.is_(None),
        client_scope.c.customer_id.not_in(select(key))).values(removed_epoch=new))
    conn.execute(update(clients).where(clients.c.client_id == client_id).values(scope_epoch=new))
    return new


def _prune(conn: Connection, client_id: str, acked_epoch: int, pruned_epoch: int) -> None:
    """Forget snapshot entries no epoch >= ``acked_epoch`` needs (the client acknowledged it)."""
    if acked_epoch <= pruned_epoch:
        return
    conn.execute(delete(client_scope).where(client_scope.c.client_id == client_id,
                                            client_scope.c.removed_epoch <= acked_epoch))
    conn.execute(update(clients).where(clients.c.client_id == client_id).values(pruned_epoch=acked_epoch))


# --- pull ----------------------------------------------------------------------------


def _raise_foreign() -> PullResponse:
    raise ApiError(409, "client_bound_to_other_user",
                   "This FieldApp profile belongs to another user. Sign in as that user, "
                   "or use a separate profile (--data-dir) for each user.")


def _full_resync() -> PullResponse:
    return PullResponse(changes=[], revoked=[], cursor="", has_more=False, full_resync_required=True)


def pull(engine: Engine, settings: Settings, principal: Principal, request: PullRequest) -> PullResponse:
    if request.limit < 1:
        raise ApiError(422, "invalid_limit", "limit must be at least 1.")
    limit = min(request.limit, MAX_CHANGES_PER_PULL)
    today = settings.today()
    cursor = Cursor.decode(request.cursor) if request.cursor else None

    run_start = cursor is None or (cursor.from_epoch == cursor.to_epoch and cursor.base == cursor.pos)
    # Phase 1: register the client, validate the cursor, and — between runs — open a new
    # scope epoch if the user's scope changed (a short write transaction). Pages within a
    # run only read.
    with (write_transaction(engine) if run_start else read_transaction(engine)) as conn:
        if run_start:
            # Team members follow the users table (CLI changes reach the laptops). First, so that the
            # writers' lock, when needed, is taken before the client's row: the same order as a push.
            refresh_team_members(conn, settings.now())
            client = ensure_client(conn, request.client_id, principal, settings.now())
        else:
            client = conn.execute(select(clients).where(clients.c.client_id == request.client_id)).mappings().first()
            if client is None or client["user_id"] != principal.user_id:
                return _full_resync() if client is None else _raise_foreign()
        instance = server_meta_value(conn, "instance_id")
        purged = int(server_meta_value(conn, "purged_through_seq", "0"))
        epoch = int(client["scope_epoch"])
        if cursor is not None:
            stale = (cursor.instance != instance[:12] or cursor.client != client_tag(request.client_id)
                     or cursor.base < purged or cursor.to_epoch > epoch
                     or (cursor.from_epoch != 0 and cursor.from_epoch < int(client["pruned_epoch"]))
                     or cursor.pos > current_seq(conn))
            if stale:
                log_event("pull_full_resync", client_id=request.client_id, user=principal.username)
                return _full_resync()
        if run_start:
            live = visible_customers_query(principal, today).subquery("live")
            if epoch == 0 or _scope_changed(conn, request.client_id, live):
                epoch = _new_epoch(conn, request.client_id, epoch, live)
            from_epoch = cursor.from_epoch if cursor else 0
            base = cursor.base if cursor else 0
            to_epoch = epoch
            # A transition run scans from the start: granted customers' rows are older than the cursor.
            pos = base if from_epoch == to_epoch else 0
            _prune(conn, request.client_id, from_epoch, int(client["pruned_epoch"]))
        else:
            base, pos, from_epoch, to_epoch = cursor.base, cursor.pos, cursor.from_epoch, cursor.to_epoch

    # Phase 2 (one consistent snapshot): the page.
    with read_transaction(engine) as conn:
        counter = current_seq(conn)
        page = _scan(conn, principal, today, request.client_id, base, pos, from_epoch, to_epoch, limit)
        has_more = len(page) > limit
        page = page[:limit]
        changes_rows = [r for r in page if not r["revoked"]]
        revoked_rows = [r for r in page if r["revoked"]]
        last_seq = page[-1]["server_seq"] if page else pos
        if has_more:
            next_cursor = Cursor(instance[:12], client_tag(request.client_id), base, last_seq, from_epoch, to_epoch)
        else:
            done = max(last_seq, counter, base)
            next_cursor = Cursor(instance[:12], client_tag(request.client_id), done, done, to_epoch, to_epoch)
        changes_rows = _close_over_parents(conn, changes_rows, last_seq)

    changes_rows.sort(key=lambda r: (ENTITY_RANK.get(r["entity"], 99), r["server_seq"]))
    revoked_rows.sort(key=lambda r: (-ENTITY_RANK.get(r["entity"], 99), r["server_seq"]))
    response = PullResponse(
        # Values stay JSON text from the database to the wire (RawJson): no decode, no re-encode.
        changes=[RowChange(r["entity"], r["row_id"], int(r["version"]), bool(r["deleted"]), RawJson(r["values"]))
                 for r in changes_rows],
        revoked=[RowRef(r["entity"], r["row_id"]) for r in revoked_rows],
        cursor=next_cursor.encode(),
        has_more=has_more,
    )
    log_event("pull", level=logging.DEBUG if not page else logging.INFO, client_id=request.client_id,
              user=principal.username, changes=len(response.changes), revoked=len(response.revoked),
              has_more=has_more)
    return response


_SCAN_COLS = (sync_rows.c.entity, sync_rows.c.row_id, sync_rows.c.version, sync_rows.c.deleted,
              cast(sync_rows.c["values"], Text).label("values"), sync_rows.c.customer_id, sync_rows.c.parent_id,
              sync_rows.c.server_seq)


def _scan(conn: Connection, principal: Principal, today: date, client_id: str, base: int, pos: int,
          from_epoch: int, to_epoch: int, limit: int) -> list[dict[str, Any]]:
    """The next rows of the run after ``pos``, in seq order, each flagged ``revoked`` or not."""
    r = sync_rows.c
    template = and_(r.entity == "checklist_template", r.customer_id.is_(None))
    live = [] if principal.is_admin else [r.customer_id.in_(visible_customers_query(principal, today))]
    snap_to = _snapshot(client_id, to_epoch)
    if from_epoch == to_epoch:
        where = and_(r.server_seq > pos, or_(template, and_(r.customer_id.in_(snap_to), *live)))
        flag = false()
    else:
        snap_from = _snapshot(client_id, from_epoch)
        granted_or_new = or_(r.server_seq > base, r.customer_id.not_in(snap_from))
        changes = and_(r.customer_id.in_(snap_to), *live, granted_or_new)
        if from_epoch == 0:  # snapshot 0 is empty: nothing to revoke
            flag = false()
            where = and_(r.server_seq > pos, or_(and_(template, r.server_seq > base), changes))
        else:
            revoked = and_(r.customer_id.in_(snap_from), r.customer_id.not_in(snap_to))
            flag = and_(revoked, r.entity != "checklist_template")
            where = and_(r.server_seq > pos, or_(and_(template, r.server_seq > base), changes, revoked))
    stmt = select(*_SCAN_COLS, flag.label("revoked")).where(where).order_by(r.server_seq).limit(limit + 1)
    return [dict(row._mapping) for row in conn.execute(stmt)]


_PARENT_ENTITY = {"purchase": "customer", "visit": "customer", "follow_up": "customer",
                  "checklist_answer": "visit", "visit_note": "visit", "attachment": "visit",
                  "visit_review": "visit"}


def _close_over_parents(conn: Connection, rows: list[dict[str, Any]], last_seq: int) -> list[dict[str, Any]]:
    """Add the parents a page's rows reference that the client cannot have yet.

    A parent the client may lack has a seq above this page (it would only come in a
    later page); send its current version now as well (sent twice: harmless).
    """
    have = {(r["entity"], r["row_id"]) for r in rows}
    out = list(rows)
    frontier = rows
    for _depth in range(2):  # answer -> visit -> customer
        wanted: set[tuple[str, str]] = set()
        for r in frontier:
            parent_entity = _PARENT_ENTITY.get(r["entity"])
            if parent_entity and r["parent_id"]:
                wanted.add((parent_entity, r["parent_id"]))
            if r["entity"] == "follow_up":
                visit_id = json.loads(r["values"]).get("visit_id")
                if visit_id:
                    wanted.add(("visit", visit_id))
        wanted -= have
        if not wanted:
            break
        found: list[dict[str, Any]] = []
        by_entity: dict[str, list[str]] = {}
        for entity, row_id in wanted:
            by_entity.setdefault(entity, []).append(row_id)
        for entity, ids in by_entity.items():
            for i in range(0, len(ids), 500):
                stmt = select(*_SCAN_COLS).where(sync_rows.c.entity == entity,
                                                 sync_rows.c.row_id.in_(ids[i:i + 500]),
                                                 sync_rows.c.server_seq > last_seq)
                found.extend(dict(row._mapping, revoked=False) for row in conn.execute(stmt))
        for r in found:
            have.add((r["entity"], r["row_id"]))
        out.extend(found)
        frontier = found
    return out


# --- digest -----------------------------------------------------------------------


def digest(engine: Engine, settings: Settings, principal: Principal) -> DigestResponse:
    """Per entity: count and checksum of the rows in the caller's scope (see protocol.ScopeDigest)."""
    lines: dict[str, list[str]] = {e: [] for e in ENTITY_FIELDS}
    with read_transaction(engine) as conn:
        stmt = select(sync_rows.c.entity, sync_rows.c.row_id, sync_rows.c.version, sync_rows.c.deleted).where(
            row_in_scope_clause(principal, settings.today()))
        for r in conn.execute(stmt):
            lines.setdefault(r.entity, []).append(f"{r.row_id}:{int(r.version)}:{1 if r.deleted else 0}\n")
    out = []
    for entity in ENTITY_FIELDS:
        entity_lines = sorted(lines.get(entity, []))
        h = hashlib.sha256()
        for line in entity_lines:
            h.update(line.encode())
        out.append(ScopeDigest(entity, len(entity_lines), h.hexdigest()))
    return DigestResponse(digests=out)


def scope_digest_of(rows: list[tuple[str, int, bool]]) -> str:
    """The checksum of ``(row_id, version, deleted)`` tuples — the same formula as the server's."""
    h = hashlib.sha256()
    for line in sorted(f"{rid}:{int(v)}:{1 if d else 0}\n" for rid, v, d in rows):
        h.update(line.encode())
    return h.hexdigest()
