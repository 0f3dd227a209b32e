"""Visit review in the local store: review events, derived status, the review queue, corrections.

The rules are :mod:`fieldapp.core.review` (pure); this module reads and writes
them. A review event (entity ``visit_review``) is appended with
:func:`~fieldapp.store.journal.write_row`, so it is journaled and syncs like any
other change — a lead can approve or return visits offline, a manager can
resubmit offline. Events are never changed or deleted.

The review status of a visit is **derived** from its events, never stored on
the visit: the server orders events (``position``), events not yet accepted
follow in the order they were recorded here, and an event the server refused
(it stays here with version 0 and no unsent journal entry; the refusal is in
``sync_conflicts``) does not count. Both laptops therefore show the same history
once they have synced.

Who is asking: the functions take a :class:`Reviewer` (the signed-in user; see
:func:`current_reviewer`). The laptop checks the rules before recording an
event so the user gets an immediate answer; the server checks them again with
its own knowledge of teams and of events recorded elsewhere.

Conventions as in :mod:`fieldapp.store.visits`: plain functions on a
Connection, writes inside the caller's write transaction, refusals as
:class:`ReviewRefused` carrying translatable messages, never on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, func, select

from fieldapp.core.entities import VisitStatus, new_id
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.protocol import Role
from fieldapp.core.review import (
    TRANSITIONS,
    ReviewAction,
    ReviewerRole,
    ReviewEvent,
    ReviewStatus,
    allowed_actions,
    check_event,
    derive_status,
    ordered,
    status_after,
)

from .journal import write_row
from .schema import change_journal, checklist_answers, customers, team_members, visit_reviews, visits
from .sync_state import load_settings
from .visits import VisitError, dt_to_text, get_visit, missing_for_check_out, rescore_visit

CTX = "Review"

#: Local state of an event: the server has it / waiting to be sent / the server refused it.
ACCEPTED, PENDING, REFUSED = "accepted", "pending", "refused"


class ReviewRefused(VisitError):
    """A review action refused on this laptop; ``messages`` say why."""


@dataclass(frozen=True)
class Reviewer:
    """The signed-in user who records review events."""

    user_id: str
    role: Role = Role.MANAGER
    team_id: str | None = None


def current_reviewer(conn: Connection) -> Reviewer | None:
    """The user this profile is signed in as (from the sync settings); ``None`` before the first sign-in."""
    settings = load_settings(conn)
    if not settings.user_id:
        return None
    try:
        role = Role(settings.role or Role.MANAGER.value)
    except ValueError:
        role = Role.MANAGER
    return Reviewer(settings.user_id, role, settings.team_id)


@dataclass(frozen=True)
class ReviewLine:
    """One line of a visit's review history, as the review panel shows it."""

    event: ReviewEvent
    status: ReviewStatus      # the visit's status after this event
    state: str                # ACCEPTED | PENDING | REFUSED
    author_name: str          # display name from team members ("" when unknown)
    created_at: str           # when it was recorded (the recording laptop's clock; informative only)


@dataclass(frozen=True)
class ReviewQueueRow:
    """One visit of the review queue."""

    visit_id: str
    customer_id: str
    store_name: str
    manager_id: str | None
    manager_name: str
    on_behalf_of: str | None
    check_in_at: str | None
    check_out_at: str | None
    score: float | None
    failed_items: int
    status: ReviewStatus
    events: int               # number of review events (comments included)


def _msg(text: str, **params: Any) -> Message:
    return Message(CTX, text, params)


def _row_to_event(row: Any) -> ReviewEvent:
    return ReviewEvent(id=row["id"], visit_id=row["visit_id"], action=ReviewAction(row["action"]),
                       author_id=row["author_id"], text=row["text"] or "",
                       created_at_client=row["created_at_client"], position=row["position"])


def _pending_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for start in range(0, len(ids), 500):
        out.update(conn.execute(select(change_journal.c.row_id).where(
            change_journal.c.entity == "visit_review", change_journal.c.acked_at.is_(None),
            change_journal.c.row_id.in_(list(ids[start:start + 500])))).scalars())
    return out


def _events_with_state(conn: Connection, visit_ids: Sequence[str] | None) -> dict[str, list[tuple[Any, str]]]:
    """visit id -> [(row, state)] in history order."""
    stmt = select(visit_reviews).where(visit_reviews.c.deleted.is_(False))
    if visit_ids is not None:
        if not visit_ids:
            return {}
        stmt = stmt.where(visit_reviews.c.visit_id.in_(list(visit_ids)))
    rows = conn.execute(stmt.order_by(visit_reviews.c.visit_id, visit_reviews.c.created_at_client,
                                      visit_reviews.c.created_at, visit_reviews.c.id)).mappings().all()
    unaccepted = [r["id"] for r in rows if r["position"] is None]
    pending = _pending_ids(conn, unaccepted) if unaccepted else set()
    by_visit: dict[str, list[tuple[Any, str]]] = {}
    for r in rows:
        state = ACCEPTED if r["position"] is not None else (PENDING if r["id"] in pending else REFUSED)
        by_visit.setdefault(r["visit_id"], []).append((r, state))
    for visit_id, items in by_visit.items():
        accepted = sorted((x for x in items if x[1] == ACCEPTED), key=lambda x: (x[0]["position"], x[0]["id"]))
        by_visit[visit_id] = accepted + [x for x in items if x[1] != ACCEPTED]
    return by_visit


def _fold(items: Iterable[tuple[Any, str]]) -> ReviewStatus:
    return derive_status(ordered(_row_to_event(r) for r, state in items if state != REFUSED))


# --- reading ------------------------------------------------------------------------------


def review_events(conn: Connection, visit_id: str) -> list[ReviewEvent]:
    """The visit's review events that count (accepted and unsent), in history order."""
    return [_row_to_event(r) for r, state in _events_with_state(conn, [visit_id]).get(visit_id, [])
            if state != REFUSED]


def review_status(conn: Connection, visit_id: str) -> ReviewStatus:
    """The visit's derived review status (``new`` when nobody reviewed it yet)."""
    return _fold(_events_with_state(conn, [visit_id]).get(visit_id, []))


def review_statuses(conn: Connection, visit_ids: Sequence[str] | None = None) -> dict[str, ReviewStatus]:
    """Derived status per visit (visits without events are not listed: they are ``new``)."""
    return {vid: _fold(items) for vid, items in _events_with_state(conn, visit_ids).items()}


def member_names(conn: Connection) -> dict[str, str]:
    """user id -> display name (user name when there is none), from the synced team members."""
    return {r.id: (r.display_name or r.username) for r in conn.execute(
        select(team_members.c.id, team_members.c.display_name, team_members.c.username))}


def review_history(conn: Connection, visit_id: str) -> list[ReviewLine]:
    """Every review event of the visit in history order, with the status after it and its sync state.

    Refused events are listed (state ``refused``, the status unchanged) so the
    user sees what did not go through; they do not count.
    """
    names = member_names(conn)
    status = ReviewStatus.NEW
    lines = []
    for row, state in _events_with_state(conn, [visit_id]).get(visit_id, []):
        event = _row_to_event(row)
        if state != REFUSED:
            new, allowed_from = TRANSITIONS[event.action]
            if new is not None and status in allowed_from:
                status = new
        lines.append(ReviewLine(event, status, state, names.get(event.author_id or "", ""),
                                row["created_at_client"]))
    return lines


def review_queue(conn: Connection, *, manager_id: str | None = None,
                 statuses: Iterable[ReviewStatus | str] | None = None, first: date | None = None,
                 last: date | None = None, customer_id: str | None = None, limit: int | None = None
                 ) -> list[ReviewQueueRow]:
    """Checked-out visits to review, newest check-in first, with their derived status.

    Filters: the visit's manager (``manager_id`` matches the manager who made it
    or the one it was made on behalf of), review statuses, check-in date range
    (local dates, inclusive), customer. ``failed_items`` counts failed
    checklist answers.
    """
    v = visits.c
    failed = (select(checklist_answers.c.visit_id, func.count().label("n"))
              .where(checklist_answers.c.result == "fail", checklist_answers.c.deleted.is_(False))
              .group_by(checklist_answers.c.visit_id).subquery())
    stmt = (select(v.id, v.customer_id, v.manager_id, v.on_behalf_of, v.check_in_at, v.check_out_at, v.score,
                   customers.c.store_name, func.coalesce(failed.c.n, 0).label("failed"))
            .select_from(visits.outerjoin(customers, customers.c.id == v.customer_id)
                         .outerjoin(failed, failed.c.visit_id == v.id))
            .where(v.deleted.is_(False), v.status == VisitStatus.COMPLETED.value))
    if manager_id is not None:
        stmt = stmt.where((v.manager_id == manager_id) | (v.on_behalf_of == manager_id))
    if customer_id is not None:
        stmt = stmt.where(v.customer_id == customer_id)
    if first is not None:
        stmt = stmt.where(func.substr(v.check_in_at, 1, 10) >= first.isoformat())
    if last is not None:
        stmt = stmt.where(func.substr(v.check_in_at, 1, 10) <= last.isoformat())
    rows = conn.execute(stmt.order_by(v.check_in_at.desc(), v.id)).all()
    events = _events_with_state(conn, [r.id for r in rows]) if rows else {}
    wanted = {ReviewStatus(s) for s in statuses} if statuses is not None else None
    names = member_names(conn)
    out = []
    for r in rows:
        items = events.get(r.id, [])
        status = _fold(items)
        if wanted is not None and status not in wanted:
            continue
        owner = r.on_behalf_of or r.manager_id
        out.append(ReviewQueueRow(r.id, r.customer_id, r.store_name or "", r.manager_id,
                                  names.get(owner or "", ""), r.on_behalf_of, r.check_in_at, r.check_out_at,
                                  r.score, int(r.failed), status, len(items)))
        if limit is not None and len(out) >= limit:
            break
    return out


def returned_visits(conn: Connection, manager_id: str) -> list[ReviewQueueRow]:
    """The manager's visits returned for correction (flag them; open with :func:`reopen_for_correction`)."""
    return review_queue(conn, manager_id=manager_id, statuses=[ReviewStatus.RETURNED])


# --- who may do what ---------------------------------------------------------------------


def reviewer_role(conn: Connection, visit: Any, reviewer: Reviewer) -> ReviewerRole:
    """How ``reviewer`` relates to ``visit`` as far as this laptop knows (the server decides finally).

    A lead counts as the visit's lead when the team members synced here put the
    visit's manager in the lead's team — or when nothing is known about that
    manager yet (the server will check).
    """
    makers = {visit.manager_id, visit.on_behalf_of} - {None}
    if reviewer.user_id in makers:
        return ReviewerRole.MANAGER
    if reviewer.role == Role.ADMIN:
        return ReviewerRole.ADMIN
    if reviewer.role == Role.LEAD:
        teams = {r.id: r.team_id for r in conn.execute(select(team_members.c.id, team_members.c.team_id).where(
            team_members.c.id.in_(list(makers))))} if makers else {}
        if not teams or any(t == reviewer.team_id and t is not None for t in teams.values()):
            return ReviewerRole.LEAD
    return ReviewerRole.OTHER


def available_actions(conn: Connection, visit_id: str, reviewer: Reviewer) -> list[ReviewAction]:
    """The review actions the reviewer may take on the visit now (for the buttons); empty when none."""
    visit = get_visit(conn, visit_id)
    if visit is None or visit.status is not VisitStatus.COMPLETED:
        return []
    role = reviewer_role(conn, visit, reviewer)
    actions = allowed_actions(review_status(conn, visit_id), role)
    if visit.manager_id == reviewer.user_id and role is not ReviewerRole.ADMIN:
        actions = [a for a in actions if a not in (ReviewAction.APPROVE, ReviewAction.RETURN)]
    return actions


# --- writing ------------------------------------------------------------------------------


def _require(conn: Connection, visit_id: str):
    visit = get_visit(conn, visit_id)
    if visit is None:
        raise ReviewRefused(_msg(QT_TRANSLATE_NOOP("Review", "This visit no longer exists on this laptop.")))
    return visit


def record_review_event(conn: Connection, visit_id: str, action: ReviewAction | str, text: str,
                        reviewer: Reviewer, now: datetime, *, event_id: str | None = None) -> ReviewEvent:
    """Append a review event (journaled) after checking the rules; see :func:`fieldapp.core.review.check_event`.

    Raises :class:`ReviewRefused` (nothing written) when the action is not
    allowed: wrong role, wrong status, visit still in progress, missing reason.
    """
    visit = _require(conn, visit_id)
    action = ReviewAction(action)
    role = reviewer_role(conn, visit, reviewer)
    status = review_status(conn, visit_id)
    problems = check_event(action, role, status, text or "", visit_completed=visit.status is VisitStatus.COMPLETED,
                           own_visit=visit.manager_id == reviewer.user_id)
    if problems:
        raise ReviewRefused(problems)
    event = ReviewEvent(id=event_id or new_id(), visit_id=visit_id, action=action, author_id=reviewer.user_id,
                        text=(text or "").strip(), created_at_client=dt_to_text(now.replace(microsecond=0)))
    write_row(conn, "visit_review", event.id, {
        "visit_id": visit_id, "customer_id": visit.customer_id, "author_id": reviewer.user_id,
        "action": action.value, "text": event.text, "created_at_client": event.created_at_client})
    return event


def comment_on_visit(conn: Connection, visit_id: str, text: str, reviewer: Reviewer, now: datetime) -> ReviewEvent:
    """A comment by the lead or the manager; the status does not change."""
    return record_review_event(conn, visit_id, ReviewAction.COMMENT, text, reviewer, now)


def approve_visit(conn: Connection, visit_id: str, reviewer: Reviewer, now: datetime, text: str = "") -> ReviewEvent:
    """The lead approves the visit (optionally with a remark)."""
    return record_review_event(conn, visit_id, ReviewAction.APPROVE, text, reviewer, now)


def return_visit(conn: Connection, visit_id: str, reason: str, reviewer: Reviewer, now: datetime) -> ReviewEvent:
    """The lead returns the visit to its manager for correction; ``reason`` is required."""
    return record_review_event(conn, visit_id, ReviewAction.RETURN, reason, reviewer, now)


def resubmit_visit(conn: Connection, visit_id: str, reviewer: Reviewer, now: datetime,
                   text: str = "") -> ReviewEvent:
    """The manager sends a corrected visit back: re-checks completeness, re-scores, appends ``resubmit``.

    Refused (nothing written) when the visit is not returned, the reviewer is not
    its manager, or the corrected checklist is incomplete (the messages list what
    is missing, as at check-out).
    """
    visit = _require(conn, visit_id)
    missing = missing_for_check_out(conn, visit_id)
    if missing:
        raise ReviewRefused(missing)
    problems = check_event(ReviewAction.RESUBMIT, reviewer_role(conn, visit, reviewer), review_status(conn, visit_id),
                           text or "", visit_completed=visit.status is VisitStatus.COMPLETED)
    if problems:
        raise ReviewRefused(problems)
    rescore_visit(conn, visit_id)
    return record_review_event(conn, visit_id, ReviewAction.RESUBMIT, text, reviewer, now)


def status_if(conn: Connection, visit_id: str, action: ReviewAction | str) -> ReviewStatus:
    """The status the visit would have after ``action`` (for confirmation texts)."""
    return status_after(review_status(conn, visit_id), ReviewAction(action))


__all__ = [
    "ACCEPTED", "PENDING", "REFUSED", "ReviewLine", "ReviewQueueRow", "ReviewRefused", "Reviewer",
    "approve_visit", "available_actions", "comment_on_visit", "current_reviewer", "member_names",
    "record_review_event", "resubmit_visit", "return_visit", "returned_visits", "review_events", "review_history",
    "review_queue", "review_status", "review_statuses", "reviewer_role", "status_if",
]
