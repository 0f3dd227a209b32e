"""Push: apply a client's batch of mutations exactly once, each with its own outcome.

Exactly once
    ``applied_mutations`` (primary key ``(client_id, seq)``) stores the outcome
    of every mutation handled — applied, merged, conflict or rejected — in the
    same transaction as its effect. A replayed mutation (the batch sent again
    after a lost reply, or sent twice at the same time) gets the stored outcome
    and is not applied again. Concurrent pushes are serialised by the writers'
    lock (:func:`fieldsync.rows.lock_counter`), so the second one sees the
    first one's records; the primary key is the backstop.

One transaction, no poison pill
    A batch is validated and merged in memory and written with a few
    statements in one transaction. If writing fails anyway (a database error
    no validation foresaw), the transaction is rolled back and the batch is
    redone one mutation at a time, each in a savepoint: the bad one is
    rejected and recorded, the others still apply.

Rejections carry ``reason = "<code>: <message>"``; codes are listed in
docs/sync-protocol.md. Rows outside the caller's scope are reported exactly
like rows that do not exist (``not_found``), so nothing about them leaks.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from fieldapp.core.entities import ChecklistItem, ChecklistTemplate, ItemKind
from fieldapp.core.merge import merge_update
from fieldapp.core.protocol import (
    MAX_MUTATIONS_PER_PUSH,
    Mutation,
    MutationOp,
    MutationOutcome,
    OutcomeStatus,
    PushRequest,
    PushResponse,
    Role,
    to_wire,
)
from fieldapp.core.review import ACTORS, ReviewAction, ReviewerRole, ReviewEvent, check_event, derive_status
from fieldapp.core.scoring import validate_template

from .clients import ensure_client
from .cover import cover_problem, write_cover_table
from .core.config import Settings
from .core.db import write_transaction
from .core.logs import log_event
from .errors import ApiError
from .fields import ASSIGNMENT_FIELDS, ENTITY_FIELDS, IMMUTABLE_FIELDS, PARENT_FIELD, InvalidValue, coerce, \
    cover_scope_key, default_values, owner_scope_key, try_coerce
from .models import applied_mutations, conflicts, sync_rows, users
from .rows import StoredRow, get_rows, insert_many, lock_counter, new_row, save_rows
from .scope import Principal, ScopeCache
from .serialize import outcome_to_wire
from .team import apply_backup_changes

MAX_ROW_ID = 100
# Who may write which entity through push (everyone else: read_only_entity).
WRITERS = {
    "purchase": {Role.ADMIN},
    "checklist_template": {Role.LEAD, Role.ADMIN},
    "cover_period": {Role.LEAD, Role.ADMIN},
    "team_member": {Role.LEAD, Role.ADMIN},
}
# Append-only entities: inserted, never changed or deleted (a new event/period is recorded instead).
NO_UPDATE = {"visit_review": "review events cannot be changed; record a new comment instead"}
NO_DELETE = {"visit_review": "review events cannot be deleted; record a new comment instead",
             "cover_period": "a cover period is not deleted; set cancelled instead",
             "team_member": "team members are managed on the server"}


class Rejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.reason = f"{code}: {message}"


NOT_IN_SCOPE = "no such record in your scope"


@dataclass
class _Pending:
    rows: dict[tuple[str, str], StoredRow]
    order: list[tuple[str, str]]
    applied: list[dict]
    conflicts: list[dict]


class Batch:
    """In-memory unit of work over the rows a batch touches.

    Reads see this batch's own writes; :meth:`flush` writes them all. Each
    mutation works in a pending overlay that is dropped if it is rejected.
    """

    def __init__(self, conn: Connection, principal: Principal, client_id: str, settings: Settings, now: datetime):
        self.conn = conn
        self.principal = principal
        self.client_id = client_id
        self.settings = settings
        self.now = now
        self.scope = ScopeCache(conn, principal, settings.today())
        self.cache: dict[tuple[str, str], StoredRow | None] = {}
        self.dirty: dict[tuple[str, str], StoredRow] = {}
        self.dirty_order: list[tuple[str, str]] = []
        self.applied: list[dict] = []
        self.conflict_rows: list[dict] = []
        self.pending = _Pending({}, [], [], [])

    # -- reads --------------------------------------------------------------
    def preload(self, keys: set[tuple[str, str]]) -> None:
        missing = {k for k in keys if k not in self.cache}
        if not missing:
            return
        found = get_rows(self.conn, missing)
        for key in missing:
            self.cache[key] = found.get(key)

    def get(self, entity: str, row_id: str) -> StoredRow | None:
        key = (entity, row_id)
        if key in self.pending.rows:
            return self.pending.rows[key]
        if key in self.dirty:
            return self.dirty[key]
        if key not in self.cache:
            self.preload({key})
        return self.cache[key]

    def batch_rows(self, entity: str) -> list[StoredRow]:
        """Rows of ``entity`` written earlier in this batch (flushed or not), latest first wins."""
        out = {k: r for k, r in self.dirty.items() if k[0] == entity}
        out.update({k: r for k, r in self.pending.rows.items() if k[0] == entity})
        return list(out.values())

    def visible(self, row: StoredRow) -> bool:
        if row.entity == "checklist_template":
            return True
        return self.scope.customer_visible(row.customer_id)

    # -- writes -------------------------------------------------------------
    def put(self, row: StoredRow) -> None:
        key = (row.entity, row.row_id)
        if key not in self.pending.rows:
            self.pending.order.append(key)
        self.pending.rows[key] = row

    def record(self, m: Mutation, outcome: MutationOutcome, *, keep_mutation: bool = False) -> None:
        self.pending.applied.append(dict(
            client_id=self.client_id, seq=m.seq, user_id=self.principal.user_id, entity=str(m.entity)[:100],
            row_id=str(m.row_id)[:MAX_ROW_ID], status=outcome.status.value, outcome=outcome_to_wire(outcome),
            mutation=to_wire(m) if keep_mutation else None, created_at=self.now))

    def add_conflict(self, row: StoredRow, m: Mutation, kind: str, fields: list[dict]) -> str:
        conflict_id = str(uuid.uuid4())
        self.pending.conflicts.append(dict(
            id=conflict_id, entity=row.entity, row_id=row.row_id, customer_id=row.customer_id,
            client_id=self.client_id, seq=m.seq, user_id=self.principal.user_id, kind=kind, fields=fields,
            version=row.version, status="open", created_at=self.now))
        return conflict_id

    def commit_mutation(self) -> None:
        p = self.pending
        for key in p.order:
            if key not in self.dirty:
                self.dirty_order.append(key)
            self.dirty[key] = p.rows[key]
            if p.rows[key].entity in ("customer", "cover_period") and p.rows[key].is_new:
                self.scope.add_customer(p.rows[key].customer_id)
        self.applied.extend(p.applied)
        self.conflict_rows.extend(p.conflicts)
        self.pending = _Pending({}, [], [], [])

    def abort_mutation(self) -> None:
        self.pending = _Pending({}, [], [], [])

    def reset(self) -> None:
        """Forget everything unflushed and every cached read (after a savepoint rollback)."""
        self.abort_mutation()
        self.cache.clear()
        self.dirty, self.dirty_order, self.applied, self.conflict_rows = {}, [], [], []

    def flush(self) -> None:
        rows = [self.dirty[k] for k in self.dirty_order]
        saved = save_rows(self.conn, rows, self.now)
        for row in saved:
            self.cache[(row.entity, row.row_id)] = row
        # Side tables that mirror synced rows (same transaction): the scope's cover periods,
        # the users' AB partners.
        write_cover_table(self.conn, saved, self.now)
        apply_backup_changes(self.conn, saved, self.now)
        insert_many(self.conn, applied_mutations, self.applied)
        insert_many(self.conn, conflicts, self.conflict_rows)
        self.dirty, self.dirty_order, self.applied, self.conflict_rows = {}, [], [], []


# --- one mutation ------------------------------------------------------------


def _validated_changes(m: Mutation) -> tuple[dict[str, tuple[Any, Any]], bool | None]:
    """Coerced ``{field: (old, new)}`` and the requested ``deleted`` flag (if any)."""
    spec = ENTITY_FIELDS[m.entity]
    if not isinstance(m.changes, dict):
        raise Rejected("bad_changes", "changes must map field names to [old, new]")
    out: dict[str, tuple[Any, Any]] = {}
    deleted: bool | None = None
    for name, pair in m.changes.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise Rejected("bad_changes", f"{name}: expected [old, new]")
        old, new = pair
        if name == "deleted":
            if not isinstance(new, bool):
                raise Rejected("invalid_value", "deleted must be true or false")
            deleted = new
            continue
        if name not in spec:
            raise Rejected("unknown_field", f"{m.entity} has no field {name!r}")
        try:
            new = coerce(m.entity, name, new)
        except InvalidValue as exc:
            raise Rejected("invalid_value", str(exc)) from None
        out[name] = (try_coerce(m.entity, name, old), new)
    return out, deleted


def _check_writable(batch: Batch, m: Mutation) -> None:
    if m.entity not in ENTITY_FIELDS:
        raise Rejected("unknown_entity", f"unknown entity {str(m.entity)[:40]!r}")
    allowed = WRITERS.get(m.entity)
    if allowed is not None and batch.principal.role not in allowed:
        raise Rejected("read_only_entity", f"{m.entity} records cannot be changed from FieldApp")
    if not isinstance(m.row_id, str) or not m.row_id.strip() or len(m.row_id) > MAX_ROW_ID:
        raise Rejected("invalid_row_id", f"row_id must be 1 to {MAX_ROW_ID} characters")


def _outcome(m: Mutation, status: OutcomeStatus, row: StoredRow, **kw) -> MutationOutcome:
    return MutationOutcome(seq=m.seq, status=status, version=row.version, values=dict(row.values), **kw)


def _parent(batch: Batch, entity: str, values: dict[str, Any]) -> StoredRow | None:
    field = PARENT_FIELD.get(entity)
    if field is None:
        return None
    parent_entity = "customer" if field == "customer_id" else "visit"
    parent = batch.get(parent_entity, values[field])
    if parent is None or not batch.visible(parent):
        raise Rejected("not_found", f"{parent_entity} {values[field]} is not in your scope")
    return parent


def _check_assignment(batch: Batch, name: str, value: Any) -> None:
    p = batch.principal
    if name == "manager_id" and not batch.scope.manager_visible(value):
        if p.role == Role.MANAGER:
            raise Rejected("forbidden_value", "manager_id must be you or a manager you cover")
        raise Rejected("forbidden_value", "manager_id must be a member of your team")


def apply_insert(batch: Batch, m: Mutation) -> MutationOutcome:
    changes, deleted = _validated_changes(m)
    if deleted:
        raise Rejected("invalid_value", "an insert cannot create a deleted record")
    existing = batch.get(m.entity, m.row_id)
    if existing is not None:
        if existing.created_by_client == batch.client_id and batch.visible(existing):
            # The same insert journaled again (e.g. restored outbox): idempotent.
            return _outcome(m, OutcomeStatus.APPLIED, existing)
        raise Rejected("duplicate_id", "this id is already used by another record")
    values = default_values(m.entity)
    for name, (_old, new) in changes.items():
        values[name] = new
    missing = sorted(n for n, s in ENTITY_FIELDS[m.entity].items() if s.required and n not in changes)
    if missing:
        raise Rejected("missing_field", f"an insert of {m.entity} needs {', '.join(missing)}")
    p = batch.principal
    parent = _parent(batch, m.entity, values)
    customer_id: str | None = None
    if m.entity == "customer":
        if values.get("manager_id") is None and p.role != Role.ADMIN:
            values["manager_id"] = p.user_id  # a new customer belongs to whoever created it
        if p.role != Role.ADMIN:
            _check_assignment(batch, "manager_id", values["manager_id"])
        customer_id = m.row_id
    elif parent is not None:
        customer_id = parent.customer_id
    if m.entity == "attendance":
        if values.get("manager_id") is None and p.role != Role.ADMIN:
            values["manager_id"] = p.user_id
        if values.get("manager_id") is None:
            raise Rejected("missing_field", "an attendance record needs manager_id")
        customer_id = owner_scope_key(values["manager_id"])
        if not batch.scope.customer_visible(customer_id):
            raise Rejected("forbidden_value", "attendance can only be recorded for yourself or your team")
    if m.entity == "visit" and p.role == Role.MANAGER:
        if values.get("manager_id") is None:
            values["manager_id"] = p.user_id
        elif values["manager_id"] != p.user_id:
            raise Rejected("forbidden_value", "a visit's manager_id must be you")
    if m.entity == "follow_up" and values.get("visit_id"):
        _check_follow_up_visit(batch, values["visit_id"], customer_id)
    if m.entity == "visit_review":
        _check_review(batch, values, parent)
    if m.entity == "cover_period":
        customer_id = cover_scope_key(m.row_id)
        _check_cover(batch, m.row_id, values)
    if m.entity == "checklist_template":
        _check_template(batch, values)
    if m.entity == "team_member":
        raise Rejected("read_only_entity", "team members are created on the server (fieldsync user add)")
    row = new_row(m.entity, m.row_id, values, customer_id, client_id=batch.client_id, user_id=p.user_id)
    batch.put(row)
    return _outcome(m, OutcomeStatus.APPLIED, row)


def _check_follow_up_visit(batch: Batch, visit_id: str, customer_id: str | None) -> None:
    visit = batch.get("visit", visit_id)
    if visit is None or visit.customer_id != customer_id:
        raise Rejected("invalid_value", "visit_id must be a visit of the same customer")


def _is_visit_author(batch: Batch, answer: StoredRow) -> bool:
    visit = batch.get("visit", answer.values.get("visit_id"))
    return visit is not None and visit.values.get("manager_id") == batch.principal.user_id


def apply_update(batch: Batch, m: Mutation) -> MutationOutcome:
    existing = batch.get(m.entity, m.row_id)
    if existing is None or not batch.visible(existing):
        raise Rejected("not_found", NOT_IN_SCOPE)
    if m.entity in NO_UPDATE:
        raise Rejected("invalid_op", NO_UPDATE[m.entity])
    changes, deleted = _validated_changes(m)
    if deleted is True:
        raise Rejected("invalid_op", "to delete a record send op 'delete'")
    p = batch.principal
    # Fields that decide scope or authorship: unchangeable (or lead/admin only).
    for name in list(changes):
        old, new = changes[name]
        current = existing.values.get(name)
        if name in IMMUTABLE_FIELDS.get(m.entity, ()) and new != current:
            raise Rejected("read_only_field", f"{name} cannot be changed after the record is created")
        if m.entity == "customer" and name in ASSIGNMENT_FIELDS and new != current:
            if p.role == Role.MANAGER:
                raise Rejected("read_only_field", f"only a lead or an admin can change {name}")
            if p.role == Role.LEAD and name == "manager_id":
                _check_assignment(batch, name, new)
    if m.entity == "follow_up" and changes.get("visit_id", (None, None))[1] is not None:
        _check_follow_up_visit(batch, changes["visit_id"][1], existing.customer_id)
    if m.entity == "team_member":
        _check_team_member_update(batch, existing, changes)
    current_for_client = existing.is_current_for(batch.client_id, m.base_version)
    if existing.deleted:
        if deleted is False and current_for_client:
            merged = {**existing.values, **{k: new for k, (_o, new) in changes.items()}}
            row = existing.next_version(merged, deleted=False, client_id=batch.client_id, user_id=p.user_id)
            batch.put(row)
            return _outcome(m, OutcomeStatus.APPLIED, row)
        # Deleted on the server after the client last saw it: the tombstone stays,
        # the client's values are kept in a conflict record (restorable by resolving).
        fields = [dict(field=k, base=o, server=existing.values.get(k), client=n, merged=existing.values.get(k),
                       resolution="server_kept") for k, (o, n) in changes.items()]
        conflict_id = batch.add_conflict(existing, m, "deleted_on_server", fields)
        return _outcome(m, OutcomeStatus.CONFLICT, existing, conflict_id=conflict_id,
                        reason="deleted_on_server: the record was deleted on the server; your changes are kept "
                               "in the conflict record")
    base = existing.version if current_for_client else m.base_version
    author_wins = m.entity == "checklist_answer" and _is_visit_author(batch, existing)
    result = merge_update(m.entity, existing.values, existing.version, base,
                          {k: [o, n] for k, (o, n) in changes.items()}, author_wins=author_wins)
    row = existing
    if result.changed and m.entity == "cover_period":
        _check_cover(batch, m.row_id, result.values)
    if result.changed:
        row = existing.next_version(result.values, deleted=False, client_id=batch.client_id, user_id=p.user_id)
        batch.put(row)
    if result.conflicts:
        fields = [dict(field=c.field, base=c.base, server=c.server, client=c.client, merged=c.merged,
                       resolution=c.resolution.value) for c in result.conflicts]
        conflict_id = batch.add_conflict(row, m, "fields", fields)
        names = ", ".join(c.field for c in result.conflicts)
        return _outcome(m, OutcomeStatus.CONFLICT, row, conflict_id=conflict_id,
                        reason=f"conflict: changed on both sides: {names}")
    return _outcome(m, result.status, row)


def apply_delete(batch: Batch, m: Mutation) -> MutationOutcome:
    existing = batch.get(m.entity, m.row_id)
    if existing is None or not batch.visible(existing):
        raise Rejected("not_found", NOT_IN_SCOPE)
    if m.entity in NO_DELETE:
        raise Rejected("invalid_op", NO_DELETE[m.entity])
    if existing.deleted:
        return _outcome(m, OutcomeStatus.APPLIED, existing)
    if not existing.is_current_for(batch.client_id, m.base_version):
        # Someone changed the record after this client saw it: keep it (their work is
        # not silently thrown away) and record the conflict; deleting again settles it.
        fields = [dict(field="deleted", base=False, server=False, client=True, merged=False,
                       resolution="server_kept")]
        conflict_id = batch.add_conflict(existing, m, "changed_on_server", fields)
        return _outcome(m, OutcomeStatus.CONFLICT, existing, conflict_id=conflict_id,
                        reason="changed_on_server: the record changed on the server after you saw it; "
                               "it was kept")
    row = existing.next_version(dict(existing.values), deleted=True, client_id=batch.client_id,
                                user_id=batch.principal.user_id)
    batch.put(row)
    return _outcome(m, OutcomeStatus.APPLIED, row)


# --- lead workspace: review events, cover periods, templates, team members ---------------


def _visit_events(batch: Batch, visit_id: str) -> list[StoredRow]:
    """The visit's review events: stored ones and those of this batch."""
    r = sync_rows.c
    keys = {("visit_review", row_id) for (row_id,) in batch.conn.execute(
        select(r.row_id).where(r.entity == "visit_review", r.parent_id == visit_id))}
    batch.preload(keys)
    rows = {(row.entity, row.row_id): row for row in (batch.get(*k) for k in keys) if row is not None}
    for row in batch.batch_rows("visit_review"):
        rows[(row.entity, row.row_id)] = row
    return [row for row in rows.values() if not row.deleted and row.values.get("visit_id") == visit_id]


def reviewer_role(batch: Batch, visit: StoredRow) -> ReviewerRole:
    """How the caller relates to a visit (see fieldapp.core.review)."""
    p = batch.principal
    makers = {visit.values.get("manager_id"), visit.values.get("on_behalf_of")} - {None}
    if p.user_id in makers:
        return ReviewerRole.MANAGER
    if p.role == Role.ADMIN:
        return ReviewerRole.ADMIN
    if p.role == Role.LEAD and any(batch.scope.manager_visible(m) for m in makers):
        return ReviewerRole.LEAD
    return ReviewerRole.OTHER


def _check_review(batch: Batch, values: dict[str, Any], visit: StoredRow | None) -> None:
    """Authorise a review event against the visit's current review status; set author and position."""
    assert visit is not None  # PARENT_FIELD: the visit exists in scope
    p = batch.principal
    if values.get("customer_id") != visit.customer_id:
        raise Rejected("invalid_value", "customer_id must be the customer of the visit")
    if values.get("author_id") is None:
        values["author_id"] = p.user_id
    elif values["author_id"] != p.user_id:
        raise Rejected("forbidden_value", "a review event's author_id must be you")
    events = _visit_events(batch, visit.row_id)
    status = derive_status(ReviewEvent(e.row_id, visit.row_id, ReviewAction(e.values["action"]),
                                       position=e.values.get("position")) for e in events)
    action = ReviewAction(values["action"])
    role = reviewer_role(batch, visit)
    problems = check_event(action, role, status, values.get("text") or "",
                           visit_completed=visit.values.get("status") == "completed",
                           own_visit=visit.values.get("manager_id") == p.user_id)
    if problems:
        code = "forbidden" if role not in ACTORS[action] else "review_refused"
        raise Rejected(code, " ".join(msg.render() for msg in problems))
    values["position"] = max((int(e.values.get("position") or 0) for e in events), default=0) + 1


def _check_cover(batch: Batch, cover_id: str, values: dict[str, Any]) -> None:
    p = batch.principal
    if p.role != Role.ADMIN:
        for name in ("manager_id", "backup_id"):
            if not batch.scope.manager_visible(values.get(name)):
                raise Rejected("forbidden_value", f"{name} must be a member of your team")
    pending = [dict(r.values, id=r.row_id, cancelled=bool(r.values.get("cancelled")) or r.deleted)
               for r in batch.batch_rows("cover_period")]
    problem = cover_problem(batch.conn, cover_id, values, pending)
    if problem:
        raise Rejected(*problem)


def _check_template(batch: Batch, values: dict[str, Any]) -> None:
    """A published template version: valid (core.scoring.validate_template) and the next version of its code."""
    items = values.get("items")
    problems: list[str] = []
    parsed: list[ChecklistItem] = []
    if not isinstance(items, list):
        raise Rejected("invalid_value", "items must be a list of checklist items")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise Rejected("invalid_value", f"item {number} must be an object")
        try:
            parsed.append(ChecklistItem(key=str(item.get("key") or ""), label_zh=str(item.get("label_zh") or ""),
                                        label_en=str(item.get("label_en") or ""),
                                        kind=ItemKind(item.get("kind") or "pass_fail"),
                                        weight=item.get("weight", 1.0),
                                        photo_required=bool(item.get("photo_required", False)),
                                        required=bool(item.get("required", True))))
        except ValueError:
            raise Rejected("invalid_value", f"item {number} has an unknown kind {item.get('kind')!r}") from None
    template = ChecklistTemplate(code=values["code"], name_zh=values["name_zh"], name_en=values["name_en"],
                                 version=values["template_version"], items=parsed)
    problems = [msg.render() for msg in validate_template(template)]
    if problems:
        raise Rejected("invalid_template", " ".join(problems))
    r = sync_rows.c
    versions = [int(v["template_version"]) for (v,) in batch.conn.execute(
        select(r["values"]).where(r.entity == "checklist_template"))
        if v.get("code") == values["code"]]
    versions += [int(row.values["template_version"]) for row in batch.batch_rows("checklist_template")
                 if row.values.get("code") == values["code"]]
    latest = max(versions, default=0)
    if int(values["template_version"]) != latest + 1:
        raise Rejected("invalid_template", f"the latest version of template {values['code']} is {latest}; "
                       f"publish this one as version {latest + 1}")


def _check_team_member_update(batch: Batch, existing: StoredRow, changes: dict[str, tuple[Any, Any]]) -> None:
    for name, (_old, new) in changes.items():
        if name != "backup_id" and new != existing.values.get(name):
            raise Rejected("read_only_field", f"{name} of a team member is managed on the server")
    if "backup_id" not in changes:
        return
    new = changes["backup_id"][1]
    if batch.principal.role != Role.ADMIN and not batch.scope.manager_visible(existing.row_id):
        raise Rejected("forbidden_value", "you can only assign backups within your team")
    if new is None:
        return
    if new == existing.row_id:
        raise Rejected("forbidden_value", "a manager cannot be their own backup")
    known = batch.conn.execute(select(users.c.id).where(users.c.id == new)).first()
    if known is None or (batch.principal.role != Role.ADMIN and not batch.scope.manager_visible(new)):
        raise Rejected("forbidden_value", "the backup must be a member of your team")


_APPLY = {MutationOp.INSERT: apply_insert, MutationOp.UPDATE: apply_update, MutationOp.DELETE: apply_delete}


def apply_mutation(batch: Batch, m: Mutation) -> MutationOutcome:
    """Apply one mutation into the batch's pending overlay, record and return its outcome."""
    try:
        _check_writable(batch, m)
        outcome = _APPLY[MutationOp(m.op)](batch, m)
        batch.record(m, outcome)
        batch.commit_mutation()
        return outcome
    except Rejected as rej:
        batch.abort_mutation()
        outcome = MutationOutcome(seq=m.seq, status=OutcomeStatus.REJECTED, reason=rej.reason)
    except Exception as exc:  # a server bug must not block the client's queue: reject, keep the payload
        batch.abort_mutation()
        log_event("push_mutation_error", logging.ERROR, exc_info=exc, client_id=batch.client_id, seq=m.seq)
        outcome = _internal_error(m)
    batch.record(m, outcome, keep_mutation=True)
    batch.commit_mutation()
    return outcome


def _internal_error(m: Mutation) -> MutationOutcome:
    return MutationOutcome(seq=m.seq, status=OutcomeStatus.REJECTED,
                           reason="internal_error: the server could not apply this change; it was kept for IT")


# --- the batch -----------------------------------------------------------------


def _stored_outcomes(conn: Connection, client_id: str, seqs: list[int]) -> dict[int, MutationOutcome]:
    from fieldapp.core.protocol import from_wire

    out: dict[int, MutationOutcome] = {}
    unique = sorted(set(seqs))
    for i in range(0, len(unique), 500):
        chunk = unique[i:i + 500]
        for r in conn.execute(select(applied_mutations.c.seq, applied_mutations.c.outcome).where(
                applied_mutations.c.client_id == client_id, applied_mutations.c.seq.in_(chunk))):
            out[int(r.seq)] = from_wire(MutationOutcome, r.outcome)
    return out


def _preload_keys(mutations: list[Mutation]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for m in mutations:
        if isinstance(m.row_id, str) and m.entity in ENTITY_FIELDS:
            keys.add((m.entity, m.row_id))
            field = PARENT_FIELD.get(m.entity)
            if field and isinstance(m.changes, dict):
                pair = m.changes.get(field)
                if isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[1], str):
                    keys.add(("customer" if field == "customer_id" else "visit", pair[1]))
    return keys


def _run(conn: Connection, settings: Settings, principal: Principal, request: PushRequest,
         now: datetime, safe: bool) -> list[MutationOutcome]:
    lock_counter(conn)
    ensure_client(conn, request.client_id, principal, now)
    stored = _stored_outcomes(conn, request.client_id, [m.seq for m in request.mutations])
    batch = Batch(conn, principal, request.client_id, settings, now)
    todo = [m for m in request.mutations if m.seq not in stored]
    batch.preload(_preload_keys(todo))
    outcomes: list[MutationOutcome] = []
    for m in request.mutations:
        if m.seq in stored:  # replay (or the same seq twice in this batch)
            outcomes.append(stored[m.seq])
            continue
        if not safe:
            outcome = apply_mutation(batch, m)
        else:
            savepoint = conn.begin_nested()
            try:
                outcome = apply_mutation(batch, m)
                batch.flush()
                savepoint.commit()
            except Exception as exc:
                savepoint.rollback()
                batch.reset()
                log_event("push_mutation_write_error", logging.ERROR, exc_info=exc, client_id=request.client_id,
                          seq=m.seq)
                outcome = _internal_error(m)
                batch.record(m, outcome, keep_mutation=True)
                batch.commit_mutation()
                batch.flush()
        stored[m.seq] = outcome
        outcomes.append(outcome)
    batch.flush()
    return outcomes


def push(engine: Engine, settings: Settings, principal: Principal, request: PushRequest) -> PushResponse:
    if len(request.mutations) > MAX_MUTATIONS_PER_PUSH:
        raise ApiError(413, "too_many_mutations",
                       f"At most {MAX_MUTATIONS_PER_PUSH} mutations per push; send the rest in another batch.")
    now = settings.now()
    try:
        with write_transaction(engine) as conn:
            outcomes = _run(conn, settings, principal, request, now, safe=False)
    except ApiError:
        raise
    except Exception as exc:
        log_event("push_batch_retry_safe", logging.WARNING, exc_info=exc, client_id=request.client_id)
        with write_transaction(engine) as conn:
            outcomes = _run(conn, settings, principal, request, now, safe=True)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status.value] = counts.get(o.status.value, 0) + 1
    log_event("push", client_id=request.client_id, user=principal.username, mutations=len(outcomes), **counts)
    return PushResponse(outcomes=outcomes)
