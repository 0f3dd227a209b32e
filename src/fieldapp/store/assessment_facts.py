"""The assessment's inputs from the local database: :class:`~fieldapp.core.assessment.AssessmentFacts`.

On a team lead's laptop the database holds the team's synced records; on a
manager's laptop, the manager's own. :func:`build_assessment_facts` reads what
the dashboard needs for a range of days in a handful of set-based queries (one
per kind of fact, read as plain tuples from the driver), never one query per
visit or customer.

Where each fact comes from, and what the schema cannot tell
-------------------------------------------------------------
- **Customers**: live rows, current class, manager, backup and status. There is
  no history of assignments: a customer reassigned last week counts for its new
  manager over the whole period.
- **Visits**: live visits checked in from ``first - rules.lookback_days`` to
  ``last`` (the coverage needs one interval of history), with the keys of their
  items answered *fail* and whether their note records a complaint.
- **synced_at** of a visit: the schema has no "synced at" column. For a visit
  made **on this laptop** it is the acknowledgement time (``change_journal.acked_at``)
  of the journal entry that completed it (status set to ``completed`` at
  check-out), unless the server rejected that change. For a visit **pulled from
  the server** (every other manager's visit on the lead's laptop) it is ``None``:
  the server knows when it received the row (``sync_rows.created_at``) but does
  not send it, and the local ``created_at`` of a pulled row is when *this* laptop
  received it. So on the lead's laptop the late-sync figure only covers the
  lead's own visits, and the others appear as "sync time unknown". Needed for
  the real figure: the pull protocol carries the server's first-received time of
  a row (e.g. ``RowChange.server_created_at``), and a migration adds a local
  ``synced_at`` column to ``visits`` that :mod:`fieldapp.store.sync_state`
  fills on insert (and :func:`~fieldapp.store.sync_state.record_outcomes` on ack).
- **Follow-ups**: live rows that can matter for the range (due on or after
  ``first``, still open, without a due date, or changed since ``first``).
  ``closed_on``: for a follow-up closed **on this laptop**, the local date of the
  journal entry that set it done/cancelled (exact). For one closed elsewhere it
  is ``None`` (the figure counts it as "closed, date unknown"): the schema has no
  closing time, and ``updated_at`` is not updated when a pulled change is
  applied, so it cannot stand in. Needed: a synced ``closed_at`` column on
  ``follow_ups`` (a migration) set by ``close_follow_up``.
  ``created_on``: the check-in date of the visit that created it, else the local
  date of ``created_at`` (for a pulled row: when it arrived here, an upper bound).
  ``is_complaint``: it was created in a visit whose note records a complaint
  (the same rule as the planner's open complaint).
- **Planned visits**: the manager's saved day plans (``profile_meta``, see
  :mod:`fieldapp.store.day_plans`) for days in the range, credited to
  ``plan_owner_id`` (default: the signed-in user, ``sync_state.user_id``). Day
  plans are local and never synced, so a lead's laptop has no plans of the
  team's managers and their planned-vs-actual figures are empty (``planned``
  0, shares ``None``). Needed: a synced ``planned_visits`` table (manager,
  customer, day) written when a plan becomes fixed.
- **Checklist items**: every template version's items, the newest version's
  labels and order first, so failed keys of older versions are still named.

Dates: journal times are UTC; they are turned into local dates with ``tz``
(default: the computer's time zone). Visit times keep their own offsets.

Threading: plain functions; call them on the DB worker, on a read connection.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, tzinfo
from typing import Iterable

from sqlalchemy import Connection

from fieldapp.core.assessment import (
    DEFAULT_ASSESSMENT_RULES,
    AssessmentFacts,
    AssessmentRules,
    CustomerFact,
    FollowUpFact,
    PlannedFact,
    VisitFact,
)
from fieldapp.core.entities import ChecklistItem, CustomerClass, CustomerStatus, FollowUpStatus, VisitStatus

from .day_plans import KEY_PREFIX, decode_day_plan
from .sync_state import USER_ID, get_state
from .templates import parse_items

_CLASSES = {member.value: member for member in CustomerClass}
_STATUSES = {member.value: member for member in CustomerStatus}
_VISIT_STATUSES = {member.value: member for member in VisitStatus}
_FOLLOW_UP_STATUSES = {member.value: member for member in FollowUpStatus}

_CUSTOMERS = """
    SELECT id, customer_class, manager_id, backup_manager_id, status FROM customers WHERE deleted = 0
"""

# The visits of the range, read in table order (NOT INDEXED: a scan of the table beats walking the
# partial index ix_visits_live_customer and looking every row up). The class comes from the customers read.
_VISITS = """
    SELECT v.id, v.manager_id, v.on_behalf_of, v.customer_id, v.check_in_at, v.check_out_at, v.score, v.status,
           v.created_at
    FROM visits v NOT INDEXED
    WHERE v.deleted = 0 AND v.check_in_at >= ? AND v.check_in_at < ?
"""

# When the server acknowledged the check-out of a visit made here: journal entries acknowledged since
# the range began (a range scan of ix_change_journal_pending; "+entity" keeps SQLite on that index
# rather than walking every visit entry of the journal's whole history).
_SYNCED = """
    SELECT row_id, MIN(acked_at) FROM change_journal
    WHERE acked_at >= ? AND +entity = 'visit' AND json_extract(changes, '$.status[1]') = 'completed'
          AND COALESCE(json_extract(outcome, '$.status'), '') != 'rejected'
    GROUP BY row_id
"""

# Failed answers and complaint notes: one scan of their partial index (ix_checklist_answers_failed,
# ix_visit_notes_complaints), each row's visit checked by primary key.
_FAILED = """
    SELECT a.visit_id, a.item_key FROM checklist_answers a JOIN visits v ON v.id = a.visit_id
    WHERE a.result = 'fail' AND a.deleted = 0 AND v.check_in_at >= ? AND v.check_in_at < ?
"""

_COMPLAINTS = """
    SELECT n.visit_id FROM visit_notes n JOIN visits v ON v.id = n.visit_id
    WHERE n.deleted = 0 AND n.complaints != '' AND TRIM(n.complaints) != ''
          AND v.check_in_at >= ? AND v.check_in_at < ?
"""

_FOLLOW_UPS = """
    SELECT f.id, f.customer_id, f.owner_id, f.visit_id, f.due_date, f.status, f.created_at, v.check_in_at,
           (SELECT MAX(j.created_at) FROM change_journal j
             WHERE j.entity = 'follow_up' AND j.row_id = f.id
               AND json_extract(j.changes, '$.status[1]') IN ('done', 'cancelled')) AS closed_here
    FROM follow_ups f LEFT JOIN visits v ON v.id = f.visit_id
    WHERE f.deleted = 0 AND (f.due_date IS NULL OR f.due_date >= ? OR f.status = 'open' OR f.updated_at >= ?)
"""

# Every visit whose note records a complaint (few: one scan of ix_visit_notes_complaints).
_ALL_COMPLAINTS = """
    SELECT visit_id FROM visit_notes WHERE deleted = 0 AND complaints != '' AND TRIM(complaints) != ''
"""

_PLANS = "SELECT key, value FROM profile_meta WHERE key >= ? AND key <= ?"

_TEMPLATES = "SELECT items FROM checklist_templates ORDER BY template_version DESC, code, id"


def _rows(conn: Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Plain tuples from the DB-API cursor of ``conn`` (same transaction)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _local_day(text: str | None, tz: tzinfo | None) -> date | None:
    """Local date of a stored UTC time (journal, created_at)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(tz).date()


def team_manager_ids(conn: Connection) -> list[str]:
    """Managers who have live customers on this laptop, sorted (the team a lead sees)."""
    return [m for (m,) in _rows(conn, "SELECT DISTINCT manager_id FROM customers"
                                      " WHERE deleted = 0 AND manager_id IS NOT NULL ORDER BY manager_id")]


def _customers(rows: list[tuple], members: set[str] | None) -> list[CustomerFact]:
    out = []
    for cid, klass, manager, backup, status in rows:
        if members is not None and manager not in members:
            continue
        out.append(CustomerFact(cid, _CLASSES.get(klass, CustomerClass.C), manager, backup,
                                _STATUSES.get(status, CustomerStatus.ACTIVE)))
    return out


def _visits(conn: Connection, since: date, last: date, members: set[str] | None,
            members_customers: set[str] | None, class_of: dict[str, CustomerClass]) -> list[VisitFact]:
    """Visits checked in from ``since`` to ``last``; with ``members``, only those made by or for a
    member or made at one of ``members_customers``."""
    bounds = (since.isoformat(), (last + timedelta(days=1)).isoformat())
    failed: dict[str, set[str]] = {}
    for visit_id, key in _rows(conn, _FAILED, bounds):
        failed.setdefault(visit_id, set()).add(key)
    complaints = {visit_id for (visit_id,) in _rows(conn, _COMPLAINTS, bounds)}
    # acked_at is UTC text; a check-out is acknowledged after its check-in, so a day's margin is plenty.
    synced_at = dict(_rows(conn, _SYNCED, ((since - timedelta(days=1)).isoformat(),)))
    parse = datetime.fromisoformat
    statuses, in_progress = _VISIT_STATUSES.get, VisitStatus.IN_PROGRESS
    out = []
    append = out.append
    # Tens of thousands of rows: positional arguments, no helper calls.
    for (vid, manager, behalf, cid, check_in, check_out, score, status, created) in _rows(conn, _VISITS, bounds):
        if members is not None and manager not in members and behalf not in members \
                and cid not in members_customers:
            continue
        keys = failed.get(vid)
        synced = synced_at.get(vid)
        append(VisitFact(
            vid, manager, cid, class_of.get(cid), behalf,
            parse(check_in) if check_in else None, parse(check_out) if check_out else None,
            float(score) if score is not None else None, tuple(sorted(keys)) if keys else (),
            statuses(status, in_progress),  # an unknown (newer) status is not counted as done
            parse(synced) if synced else None, parse(created) if created else None, vid in complaints))
    return out


def _follow_ups(conn: Connection, first: date, members: set[str] | None, manager_of: dict[str, str | None],
                tz: tzinfo | None) -> list[FollowUpFact]:
    complaint_visits = {visit_id for (visit_id,) in _rows(conn, _ALL_COMPLAINTS)}
    out = []
    # updated_at is UTC text: start a day early so no local day of the range is missed.
    since_utc = (first - timedelta(days=1)).isoformat()
    statuses, still_open = _FOLLOW_UP_STATUSES.get, FollowUpStatus.OPEN
    for (fid, cid, owner, vid, due, status, created, check_in, closed_here) in _rows(
            conn, _FOLLOW_UPS, (first.isoformat(), since_utc)):
        if members is not None and (owner or manager_of.get(cid)) not in members:
            continue
        state = statuses(status, still_open)
        created_on = date.fromisoformat(check_in[:10]) if check_in else _local_day(created, tz)
        closed_on = _local_day(closed_here, tz) if state is not still_open else None
        out.append(FollowUpFact(fid, cid, owner, date.fromisoformat(due) if due else None, state,
                                created_on, closed_on, vid in complaint_visits if vid else False, vid))
    return out


def _planned(conn: Connection, first: date, last: date, owner: str | None) -> list[PlannedFact]:
    if not owner:
        return []
    out = []
    for key, raw in _rows(conn, _PLANS, (f"{KEY_PREFIX}{first.isoformat()}", f"{KEY_PREFIX}{last.isoformat()}")):
        try:
            day = date.fromisoformat(key[len(KEY_PREFIX):])
        except ValueError:
            continue
        saved = decode_day_plan(day, raw)
        if saved is not None:
            out.extend(PlannedFact(owner, visit.customer_id, day) for visit in saved.plan.visits)
    return out


def checklist_items(conn: Connection) -> list[ChecklistItem]:
    """Items of every template version, one per key: the newest version's first, in its order."""
    seen: dict[str, ChecklistItem] = {}
    for (raw,) in _rows(conn, _TEMPLATES):
        try:
            items = parse_items(raw)
        except (ValueError, TypeError, KeyError, json.JSONDecodeError):
            continue  # a damaged template must not take the dashboard down
        for item in items:
            seen.setdefault(item.key, item)
    return list(seen.values())


_UNSET = object()


def build_assessment_facts(conn: Connection, first: date, last: date, *,
                           manager_ids: Iterable[str] | None = None,
                           rules: AssessmentRules = DEFAULT_ASSESSMENT_RULES,
                           plan_owner_id: str | None = _UNSET,  # type: ignore[assignment]
                           tz: tzinfo | None = None) -> AssessmentFacts:
    """The facts for assessing the days ``first`` to ``last`` (e.g. the first day of the oldest
    period of a trend to ``as_of``).

    ``manager_ids``: only their customers, the visits credited to or made by
    them or made at their customers, and the follow-ups they own (default:
    everything on this laptop). ``plan_owner_id``: whose saved day plans these
    are (default: the signed-in user; ``None``: read no plans). ``tz``: the time
    zone of local dates (default: the computer's). See the module docstring.
    """
    if last < first:
        raise ValueError("last must not be before first")
    members = set(manager_ids) if manager_ids is not None else None
    rows = _rows(conn, _CUSTOMERS)
    customers = _customers(rows, members)
    manager_of = {cid: manager for cid, _k, manager, _b, _s in rows}
    class_of = {cid: _CLASSES.get(klass, CustomerClass.C) for cid, klass, _m, _b, _s in rows}
    members_customers = {c.customer_id for c in customers} if members is not None else None
    visits = _visits(conn, first - timedelta(days=rules.lookback_days), last, members, members_customers, class_of)
    follow_ups = _follow_ups(conn, first, members, manager_of, tz)
    owner = get_state(conn, USER_ID) if plan_owner_id is _UNSET else plan_owner_id
    planned = _planned(conn, first, last, owner)
    return AssessmentFacts(tuple(customers), tuple(visits), tuple(follow_ups), tuple(planned),
                           tuple(checklist_items(conn)))
