"""An in-memory stand-in for the sync server, speaking the protocol's dataclasses.

For fast unit tests of the client engine (the end-to-end tests use the real
server). Implements the contract's essentials: per-(client, seq) stored
outcomes, field merge with :mod:`fieldapp.core.merge`, cursor pages, revoked
rows, digest and resumable photos. Scope: every row is visible unless its id
is in ``hidden`` (then it is revoked on the next pull).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from fieldapp.core.merge import merge_update
from fieldapp.core.protocol import (
    DigestResponse,
    MutationOutcome,
    OutcomeStatus,
    PhotoStatus,
    PullResponse,
    PushResponse,
    RowChange,
    RowRef,
    Role,
    ScopeDigest,
    UserInfo,
)
from fieldapp.sync import errors as E


@dataclass
class Row:
    entity: str
    row_id: str
    version: int
    deleted: bool
    values: dict[str, Any]
    seq: int


@dataclass
class FakeServer:
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    outcomes: dict[tuple[str, int], MutationOutcome] = field(default_factory=dict)
    change_seq: int = 0
    hidden: set[tuple[str, str]] = field(default_factory=set)
    revoked_at: dict[tuple[str, str], int] = field(default_factory=dict)
    photos: dict[str, bytearray] = field(default_factory=dict)
    photo_sizes: dict[str, int] = field(default_factory=dict)
    push_calls: int = 0
    applied_mutations: int = 0
    min_cursor: int = 0          # cursors older than this -> full_resync_required
    reject_entities: set[str] = field(default_factory=set)

    # --- server-side helpers for tests ------------------------------------------

    def put(self, entity: str, row_id: str, values: dict[str, Any], deleted: bool = False) -> Row:
        self.change_seq += 1
        row = self.rows.get((entity, row_id))
        if row is None:
            row = Row(entity, row_id, 1, deleted, dict(values), self.change_seq)
            self.rows[(entity, row_id)] = row
        else:
            row.values.update(values)
            row.version += 1
            row.deleted = deleted
            row.seq = self.change_seq
        return row

    def hide(self, entity: str, row_id: str) -> None:
        self.change_seq += 1
        self.hidden.add((entity, row_id))
        self.revoked_at[(entity, row_id)] = self.change_seq

    def visible(self) -> dict[tuple[str, str], Row]:
        return {k: r for k, r in self.rows.items() if k not in self.hidden}

    # --- protocol ----------------------------------------------------------------------

    def push(self, client_id: str, mutations) -> PushResponse:
        self.push_calls += 1
        out = []
        for m in mutations:
            key = (client_id, m.seq)
            if key in self.outcomes:
                out.append(self.outcomes[key])
                continue
            outcome = self._apply(m)
            self.outcomes[key] = outcome
            out.append(outcome)
        return PushResponse(outcomes=out)

    def _apply(self, m) -> MutationOutcome:
        if m.entity in self.reject_entities:
            return MutationOutcome(seq=m.seq, status=OutcomeStatus.REJECTED, reason="not allowed")
        self.applied_mutations += 1
        row = self.rows.get((m.entity, m.row_id))
        op = m.op.value
        if row is None:
            if op != "insert":
                return MutationOutcome(seq=m.seq, status=OutcomeStatus.REJECTED, reason="unknown row")
            values = {k: v[1] for k, v in m.changes.items()}
            row = self.put(m.entity, m.row_id, values)
            return MutationOutcome(seq=m.seq, status=OutcomeStatus.APPLIED, version=row.version,
                                   values=dict(row.values))
        changes = {k: v for k, v in m.changes.items() if k != "deleted"}
        current = {**row.values}
        result = merge_update(m.entity, current, row.version, m.base_version, changes)
        deleted = row.deleted
        if "deleted" in m.changes:
            deleted = bool(m.changes["deleted"][1])
        self.put(m.entity, m.row_id, result.values, deleted=deleted)
        row = self.rows[(m.entity, m.row_id)]
        conflict_id = f"c{self.change_seq}" if result.conflicts else None
        return MutationOutcome(seq=m.seq, status=result.status, version=row.version, values=dict(row.values),
                               conflict_id=conflict_id)

    def pull(self, client_id: str, cursor: str | None, limit: int | None = None) -> PullResponse:
        start = int(cursor or 0)
        limit = limit or 2000
        if cursor is not None and start < self.min_cursor:
            return PullResponse(changes=[], revoked=[], cursor=str(start), has_more=False,
                                full_resync_required=True)
        events: list[tuple[int, Any]] = []
        for key, row in self.visible().items():
            if row.seq > start:
                events.append((row.seq, RowChange(row.entity, row.row_id, row.version, row.deleted,
                                                  dict(row.values))))
        if start:
            for key, seq in self.revoked_at.items():
                if seq > start and key in self.hidden:
                    events.append((seq, RowRef(*key)))
        events.sort(key=lambda e: e[0])
        page = events[:limit]
        has_more = len(events) > limit
        new_cursor = str(page[-1][0]) if page else str(max(start, self.change_seq))
        if not has_more:
            new_cursor = str(self.change_seq)
        return PullResponse(changes=[e for _, e in page if isinstance(e, RowChange)],
                            revoked=[e for _, e in page if isinstance(e, RowRef)],
                            cursor=new_cursor, has_more=has_more)

    def digest(self) -> DigestResponse:
        by_entity: dict[str, list[str]] = {}
        for (entity, row_id), row in self.visible().items():
            by_entity.setdefault(entity, []).append(f"{row_id}:{row.version}:{1 if row.deleted else 0}\n")
        out = []
        for entity, lines in sorted(by_entity.items()):
            h = hashlib.sha256()
            for line in sorted(lines):
                h.update(line.encode())
            out.append(ScopeDigest(entity, len(lines), h.hexdigest()))
        return DigestResponse(digests=out)

    def photo_status(self, sha: str) -> PhotoStatus:
        data = self.photos.get(sha, bytearray())
        size = self.photo_sizes.get(sha, 0)
        complete = bool(size) and len(data) == size and hashlib.sha256(data).hexdigest() == sha
        return PhotoStatus(sha, size, len(data), complete)

    def put_photo_chunk(self, sha: str, offset: int, total: int, chunk: bytes) -> PhotoStatus:
        data = self.photos.setdefault(sha, bytearray())
        self.photo_sizes[sha] = total
        if offset == len(data):
            data.extend(chunk)
        return self.photo_status(sha)


class FakeClient:
    """Quacks like :class:`fieldapp.sync.http.SyncClient` over a :class:`FakeServer`, with faults.

    ``fail`` maps an operation name (push/pull/digest/photo_put) to a list of
    actions consumed one per call: ``"before"`` raises Offline before the server
    sees the call, ``"after"`` lets the server process it and then raises
    Offline (a lost reply), ``None`` passes.
    """

    def __init__(self, server: FakeServer):
        self.server = server
        self.token_store = None
        self.device_id = None
        self.user = UserInfo(id="u1", username="u1", display_name="U1", role=Role.MANAGER)
        self.fail: dict[str, list[str | None]] = {}
        self.calls: list[str] = []
        self.pull_limit_seen: list[int | None] = []

    def _call(self, op: str, fn, *args):
        self.calls.append(op)
        plan = self.fail.get(op)
        action = plan.pop(0) if plan else None
        if action == "before":
            raise E.Offline("connection cut (test)")
        result = fn(*args)
        if action == "after":
            raise E.Offline("reply lost (test)")
        return result

    def push(self, client_id, mutations):
        return self._call("push", self.server.push, client_id, mutations)

    def pull(self, client_id, cursor, limit=None):
        self.pull_limit_seen.append(limit)
        return self._call("pull", self.server.pull, client_id, cursor, limit)

    def digest(self):
        return self._call("digest", self.server.digest)

    def photo_status(self, sha):
        return self._call("photo_status", self.server.photo_status, sha)

    def put_photo_chunk(self, sha, offset, total, chunk):
        return self._call("photo_put", self.server.put_photo_chunk, sha, offset, total, chunk)
