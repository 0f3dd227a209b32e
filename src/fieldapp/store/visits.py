"""The visit day in the local store: visits, checklist answers, visit notes, follow-ups, attendance.

Every function takes an open :class:`~sqlalchemy.Connection` and expects the
caller to hold a write transaction for writes (``with write_transaction(engine)
as conn: ...``): one user action, one transaction, one durable commit. All
writes go through :func:`~fieldapp.store.journal.write_row` /
:func:`~fieldapp.store.journal.tombstone_row`, so each change and its journal
entry commit together. Only changed fields are journaled; saving a field with
the value it already has writes nothing.

Refusals raise :class:`VisitError` (or a subclass) carrying translatable
:class:`~fieldapp.core.messages.Message` values for the GUI and CLI; nothing is
written when one is raised inside the caller's transaction.

Times are ``datetime`` values supplied by the caller (the store never reads the
clock for domain times); pass local, timezone-aware times
(``datetime.now().astimezone()``) so the working day's date is the local date.
They are stored as ISO-8601 text.

Threading: plain functions, no state. Call them on the DB worker, never on the
UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, func, select

from fieldapp.core.entities import (
    AnswerResult,
    ChecklistAnswer,
    ChecklistTemplate,
    FollowUp,
    FollowUpStatus,
    Visit,
    VisitNote,
    VisitStatus,
    VisitType,
    new_id,
)
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.scoring import ChecklistScore, missing_for_checkout, proposed_follow_ups, score_checklist

from .journal import WriteResult, tombstone_row, write_row
from .cover import on_behalf_for  # noqa: F401 - part of this module's API (who a visit is made for)
from .photos import photos_by_item
from .schema import attachments, attendance, checklist_answers, customers, follow_ups, visit_notes, visits
from .templates import DEFAULT_TEMPLATE_CODE, current_template, get_template

CTX = "Visit"

#: The structured fields of a visit note (拜访记录), in display order.
NOTE_FIELDS = ("needs", "concerns", "complaints", "market_info", "abnormalities", "advice", "free_text")
#: Longest text kept in one note field (the form should stop typing there).
NOTE_FIELD_MAX = 4000
FOLLOW_UP_TITLE_MAX = 200
#: Default due date of proposed follow-ups: this many days after check-out.
DEFAULT_FOLLOW_UP_DAYS = 7


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Leave this field as it is" for keyword arguments where ``None`` is a real value.
UNSET: Any = _Unset()


# --- errors -----------------------------------------------------------------


class VisitError(Exception):
    """A refused visit action. ``messages`` say why (translatable); ``message`` is the first."""

    def __init__(self, messages: Message | Sequence[Message]):
        self.messages: list[Message] = [messages] if isinstance(messages, Message) else list(messages)
        super().__init__("; ".join(m.render() for m in self.messages))

    @property
    def message(self) -> Message:
        return self.messages[0]


class VisitNotFound(VisitError):
    pass


class VisitAlreadyInProgress(VisitError):
    """Another visit is in progress; ``visit_id`` is that visit (offer to resume it)."""

    def __init__(self, message: Message, visit_id: str):
        super().__init__(message)
        self.visit_id = visit_id


class VisitClosed(VisitError):
    """The visit is already checked out and this part of it can no longer change."""


class CheckOutRefused(VisitError):
    """Check-out refused; ``messages`` list everything still missing, in template order."""


class AttendanceError(VisitError):
    pass


def _msg(text: str, **params: Any) -> Message:
    return Message(CTX, text, params)


# --- conversions ------------------------------------------------------------


def dt_to_text(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def text_to_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def row_to_visit(row: Any) -> Visit:
    return Visit(id=row["id"], customer_id=row["customer_id"], visit_type=VisitType(row["visit_type"]),
                 status=VisitStatus(row["status"]), manager_id=row["manager_id"], on_behalf_of=row["on_behalf_of"],
                 check_in_at=text_to_dt(row["check_in_at"]), check_out_at=text_to_dt(row["check_out_at"]),
                 latitude=row["latitude"], longitude=row["longitude"], template_id=row["template_id"],
                 template_version=row["template_version"], score=row["score"])


def row_to_answer(row: Any) -> ChecklistAnswer:
    return ChecklistAnswer(id=row["id"], visit_id=row["visit_id"], item_key=row["item_key"],
                           result=AnswerResult(row["result"]) if row["result"] is not None else None,
                           count=row["count"], note=row["note"] or "")


def row_to_note(row: Any) -> VisitNote:
    return VisitNote(id=row["id"], visit_id=row["visit_id"], **{name: row[name] or "" for name in NOTE_FIELDS})


def row_to_follow_up(row: Any) -> FollowUp:
    return FollowUp(id=row["id"], customer_id=row["customer_id"], visit_id=row["visit_id"], title=row["title"],
                    due_date=row["due_date"], status=FollowUpStatus(row["status"]), owner_id=row["owner_id"],
                    source_item_key=row["source_item_key"])


# --- visits -----------------------------------------------------------------


def get_visit(conn: Connection, visit_id: str) -> Visit | None:
    """The live visit with this id, or ``None`` (also for a discarded one)."""
    row = conn.execute(select(visits).where(visits.c.id == visit_id, visits.c.deleted.is_(False))).mappings().first()
    return row_to_visit(row) if row is not None else None


def _require_visit(conn: Connection, visit_id: str) -> Visit:
    visit = get_visit(conn, visit_id)
    if visit is None:
        raise VisitNotFound(_msg(QT_TRANSLATE_NOOP("Visit", "This visit no longer exists. It may have been "
                                                   "discarded on this laptop or by a sync.")))
    return visit


def _require_in_progress(visit: Visit) -> None:
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise VisitClosed(_msg(QT_TRANSLATE_NOOP(
            "Visit", "This visit was checked out at {time}; its checklist can no longer be changed."),
            time=_hhmm(visit.check_out_at)))


def _hhmm(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "?"


def visit_in_progress(conn: Connection, manager_id: str | None = None) -> Visit | None:
    """The visit in progress (the latest checked-in one), to resume it after a restart.

    With ``manager_id``, only that manager's visits count (a team lead's laptop
    may hold other managers' visits pulled by sync).
    """
    stmt = select(visits).where(visits.c.status == VisitStatus.IN_PROGRESS.value, visits.c.deleted.is_(False))
    if manager_id is not None:
        stmt = stmt.where(visits.c.manager_id == manager_id)
    row = conn.execute(stmt.order_by(visits.c.check_in_at.desc()).limit(1)).mappings().first()
    return row_to_visit(row) if row is not None else None


def _store_name(conn: Connection, customer_id: str) -> str:
    return conn.execute(select(customers.c.store_name).where(customers.c.id == customer_id)).scalar_one_or_none() or ""


def start_visit(conn: Connection, customer_id: str, visit_type: VisitType | str, manager_id: str | None,
                now: datetime, position: tuple[float, float] | None = None, on_behalf_of: str | None = None,
                *, template_code: str = DEFAULT_TEMPLATE_CODE, visit_id: str | None = None) -> Visit:
    """Check in at a customer: a new visit in progress, journaled.

    AB cover: when the current user covers the customer's manager, pass
    ``on_behalf_of=on_behalf_for(conn, customer_id, manager_id, now.date())`` so
    the visit is credited to the manager on leave.

    Records the check-in time, the position ``(latitude, longitude)`` when known,
    and the *current* version of the template ``template_code``; the visit keeps
    that version to the end even if a newer one arrives meanwhile. Without any
    template the visit has no checklist (notes, photos and follow-ups still work).

    Refuses with :class:`VisitAlreadyInProgress` when a visit (of this manager)
    is in progress: only one visit at a time. Call it inside a write transaction
    (BEGIN IMMEDIATE), so the check and the insert cannot race.
    """
    current = visit_in_progress(conn, manager_id)
    if current is not None:
        raise VisitAlreadyInProgress(_msg(QT_TRANSLATE_NOOP(
            "Visit", "A visit at {store} is still in progress (checked in at {time}). Only one visit can be in "
            "progress at a time: check out of it or discard it first."),
            store=_store_name(conn, current.customer_id), time=_hhmm(current.check_in_at)), current.id)
    customer = conn.execute(select(customers.c.id).where(customers.c.id == customer_id,
                                                         customers.c.deleted.is_(False))).first()
    if customer is None:
        raise VisitNotFound(_msg(QT_TRANSLATE_NOOP("Visit", "This customer no longer exists; the visit cannot start.")))
    template = current_template(conn, template_code)
    now = now.replace(microsecond=0)  # stored to the second: the returned visit equals the stored one
    visit = Visit(id=visit_id or new_id(), customer_id=customer_id, visit_type=VisitType(visit_type),
                  status=VisitStatus.IN_PROGRESS, manager_id=manager_id, on_behalf_of=on_behalf_of,
                  check_in_at=now, latitude=position[0] if position else None,
                  longitude=position[1] if position else None,
                  template_id=template.id if template else None,
                  template_version=template.version if template else None)
    write_row(conn, "visit", visit.id, {
        "customer_id": visit.customer_id, "visit_type": visit.visit_type.value, "status": visit.status.value,
        "manager_id": manager_id, "on_behalf_of": on_behalf_of, "check_in_at": dt_to_text(now),
        "latitude": visit.latitude, "longitude": visit.longitude, "template_id": visit.template_id,
        "template_version": visit.template_version})
    return visit


def set_visit_position(conn: Connection, visit_id: str, position: tuple[float, float] | None) -> WriteResult:
    """Enter or correct the check-in position of a visit in progress."""
    visit = _require_visit(conn, visit_id)
    _require_in_progress(visit)
    lat, lon = position if position else (None, None)
    return write_row(conn, "visit", visit_id, {"latitude": lat, "longitude": lon})


def discard_visit(conn: Connection, visit_id: str) -> None:
    """Throw away a visit in progress started by mistake, with its answers, note, photos and follow-ups.

    Everything is tombstoned (journaled), so the discard syncs too. A checked-out
    visit cannot be discarded.
    """
    visit = _require_visit(conn, visit_id)
    _require_in_progress(visit)
    for entity, table in (("checklist_answer", checklist_answers), ("visit_note", visit_notes),
                          ("attachment", attachments), ("follow_up", follow_ups)):
        ids = conn.execute(select(table.c.id).where(table.c.visit_id == visit_id, table.c.deleted.is_(False))).scalars()
        for row_id in list(ids):
            tombstone_row(conn, entity, row_id)
    tombstone_row(conn, "visit", visit_id)


def visit_template(conn: Connection, visit: Visit) -> ChecklistTemplate | None:
    """The template version the visit was started with (``None``: the visit has no checklist)."""
    return get_template(conn, visit.template_id) if visit.template_id else None


def visit_duration(visit: Visit, now: datetime | None = None) -> timedelta | None:
    """Time from check-in to check-out (or to ``now`` for a visit in progress).

    ``None`` when a time is missing. Never negative: a laptop clock set back
    during the visit gives zero rather than a negative duration.
    """
    end = visit.check_out_at or now
    if visit.check_in_at is None or end is None:
        return None
    return max(end - visit.check_in_at, timedelta(0))


# --- checklist answers ------------------------------------------------------


def get_answers(conn: Connection, visit_id: str) -> dict[str, ChecklistAnswer]:
    """The visit's answers by item key."""
    rows = conn.execute(select(checklist_answers).where(checklist_answers.c.visit_id == visit_id,
                                                        checklist_answers.c.deleted.is_(False))).mappings()
    return {row["item_key"]: row_to_answer(row) for row in rows}


def set_answer(conn: Connection, visit_id: str, item_key: str, *, result: AnswerResult | str | None = UNSET,
               count: int | None = UNSET, note: str = UNSET, for_correction: bool = False) -> WriteResult:
    """Save one checklist answer field by field (autosave): insert or update the visit's row for ``item_key``.

    Only the keyword arguments given are written (``None`` clears the result or
    count), and only those that changed are journaled. Refuses an item key that
    is not in the visit's template version, and a visit already checked out —
    unless ``for_correction``: a checked-out visit whose lead returned it for
    correction may be changed until it is resubmitted (see
    :func:`reopen_for_correction`).
    """
    visit = _require_visit(conn, visit_id)
    if for_correction:
        _require_correctable(conn, visit)
    else:
        _require_in_progress(visit)
    template = visit_template(conn, visit)
    if template is None or item_key not in {item.key for item in template.items}:
        raise VisitError(_msg(QT_TRANSLATE_NOOP(
            "Visit", "The checklist of this visit has no item '{key}'."), key=item_key))
    values: dict[str, Any] = {}
    if result is not UNSET:
        values["result"] = AnswerResult(result).value if result is not None else None
    if count is not UNSET:
        values["count"] = int(count) if count is not None else None
    if note is not UNSET:
        values["note"] = (note or "")[:NOTE_FIELD_MAX]
    row = conn.execute(select(checklist_answers.c.id).where(checklist_answers.c.visit_id == visit_id,
                                                            checklist_answers.c.item_key == item_key,
                                                            checklist_answers.c.deleted.is_(False))
                       .order_by(checklist_answers.c.created_at).limit(1)).first()
    if row is None:
        return write_row(conn, "checklist_answer", new_id(), {"visit_id": visit_id, "item_key": item_key, **values})
    return write_row(conn, "checklist_answer", row.id, values)


# --- correction of a returned visit -----------------------------------------


def correction_allowed(conn: Connection, visit_id: str) -> bool:
    """True when the visit is checked out and its lead returned it (latest review: ``return``)."""
    from fieldapp.core.review import is_editable_for_correction

    from .reviews import review_status

    visit = get_visit(conn, visit_id)
    return (visit is not None and visit.status is VisitStatus.COMPLETED
            and is_editable_for_correction(review_status(conn, visit_id)))


def _require_correctable(conn: Connection, visit: Visit) -> None:
    if visit.status is VisitStatus.IN_PROGRESS:
        return  # still in progress: editable anyway
    if not correction_allowed(conn, visit.id):
        raise VisitClosed(_msg(QT_TRANSLATE_NOOP(
            "Visit", "This visit was checked out at {time} and has not been returned for correction; its "
            "checklist can no longer be changed."), time=_hhmm(visit.check_out_at)))


def reopen_for_correction(conn: Connection, visit_id: str, user_id: str | None) -> Visit:
    """Open a returned visit for correction by its manager: answers (``set_answer(..., for_correction=True)``)
    and notes may change until :func:`fieldapp.store.reviews.resubmit_visit`.

    Writes nothing (the review status is derived from the review events). Refuses
    with :class:`VisitClosed` when the visit was not returned, and with
    :class:`VisitError` when ``user_id`` is not the visit's manager (or the manager
    it was made on behalf of).
    """
    visit = _require_visit(conn, visit_id)
    if user_id not in {visit.manager_id, visit.on_behalf_of}:
        raise VisitError(_msg(QT_TRANSLATE_NOOP("Visit", "Only the visit's account manager can correct it.")))
    if visit.status is not VisitStatus.COMPLETED or not correction_allowed(conn, visit_id):
        raise VisitClosed(_msg(QT_TRANSLATE_NOOP(
            "Visit", "This visit has not been returned for correction, so it cannot be changed.")))
    return visit


def rescore_visit(conn: Connection, visit_id: str) -> ChecklistScore | None:
    """Score a checked-out visit again against its own template version (after a correction); journaled if changed."""
    visit = _require_visit(conn, visit_id)
    template = visit_template(conn, visit)
    if template is None:
        return None
    score = score_checklist(template, get_answers(conn, visit_id))
    write_row(conn, "visit", visit_id, {"score": score.score})
    return score


# --- visit notes ------------------------------------------------------------


def get_visit_note(conn: Connection, visit_id: str) -> VisitNote:
    """The visit's note; an empty, not yet stored one when nothing was written."""
    row = conn.execute(select(visit_notes).where(visit_notes.c.visit_id == visit_id,
                                                 visit_notes.c.deleted.is_(False))
                       .order_by(visit_notes.c.created_at).limit(1)).mappings().first()
    return row_to_note(row) if row is not None else VisitNote(id="", visit_id=visit_id)


def save_visit_note_field(conn: Connection, visit_id: str, field: str, value: str) -> WriteResult:
    """Save one field of the visit's note (debounced autosave); creates the note row on first save.

    ``field`` is one of :data:`NOTE_FIELDS`. Allowed after check-out too: the
    summary is often written after leaving the store. Text longer than
    :data:`NOTE_FIELD_MAX` is cut there.
    """
    if field not in NOTE_FIELDS:
        raise ValueError(f"not a visit note field: {field!r}")
    _require_visit(conn, visit_id)
    value = (value or "")[:NOTE_FIELD_MAX]
    row_id = conn.execute(select(visit_notes.c.id).where(visit_notes.c.visit_id == visit_id,
                                                         visit_notes.c.deleted.is_(False))
                          .order_by(visit_notes.c.created_at).limit(1)).scalar_one_or_none()
    if row_id is None:
        return write_row(conn, "visit_note", new_id(), {"visit_id": visit_id, field: value})
    return write_row(conn, "visit_note", row_id, {field: value})


# --- follow-ups -------------------------------------------------------------


def _validate_follow_up(follow_up: FollowUp) -> list[Message]:
    problems = []
    if not follow_up.title.strip():
        problems.append(_msg(QT_TRANSLATE_NOOP("Visit", "A follow-up needs a title: say what has to be done.")))
    elif len(follow_up.title) > FOLLOW_UP_TITLE_MAX:
        problems.append(_msg(QT_TRANSLATE_NOOP(
            "Visit", "The follow-up title is {length} characters long; shorten it to {max} or less."),
            length=len(follow_up.title), max=FOLLOW_UP_TITLE_MAX))
    if follow_up.due_date is not None and not isinstance(follow_up.due_date, date):
        problems.append(_msg(QT_TRANSLATE_NOOP("Visit", "The due date of the follow-up is not a date.")))
    return problems


def _follow_up_values(follow_up: FollowUp) -> dict[str, Any]:
    return {"customer_id": follow_up.customer_id, "visit_id": follow_up.visit_id, "title": follow_up.title.strip(),
            "due_date": follow_up.due_date, "status": FollowUpStatus(follow_up.status).value,
            "owner_id": follow_up.owner_id, "source_item_key": follow_up.source_item_key}


def get_follow_up(conn: Connection, follow_up_id: str) -> FollowUp | None:
    row = conn.execute(select(follow_ups).where(follow_ups.c.id == follow_up_id,
                                                follow_ups.c.deleted.is_(False))).mappings().first()
    return row_to_follow_up(row) if row is not None else None


def follow_ups_for_visit(conn: Connection, visit_id: str) -> list[FollowUp]:
    """Follow-ups created in this visit, oldest first."""
    rows = conn.execute(select(follow_ups).where(follow_ups.c.visit_id == visit_id, follow_ups.c.deleted.is_(False))
                        .order_by(follow_ups.c.created_at, follow_ups.c.id)).mappings()
    return [row_to_follow_up(r) for r in rows]


def create_follow_ups(conn: Connection, proposals: Iterable[FollowUp]) -> list[FollowUp]:
    """Store follow-ups (e.g. the proposals of :func:`check_out` the user confirmed), journaled.

    All are validated first; one bad follow-up refuses all (nothing written).
    """
    proposals = list(proposals)
    problems = [p for f in proposals for p in _validate_follow_up(f)]
    if problems:
        raise VisitError(problems)
    for follow_up in proposals:
        write_row(conn, "follow_up", follow_up.id, _follow_up_values(follow_up))
    return proposals


def add_follow_up(conn: Connection, customer_id: str, title: str, due_date: date | None = None, *,
                  owner_id: str | None = None, visit_id: str | None = None,
                  source_item_key: str | None = None) -> FollowUp:
    """A new open follow-up (待办) for the customer, from a visit or from the customer file."""
    follow_up = FollowUp(customer_id=customer_id, visit_id=visit_id, title=title, due_date=due_date,
                         status=FollowUpStatus.OPEN, owner_id=owner_id, source_item_key=source_item_key)
    return create_follow_ups(conn, [follow_up])[0]


def update_follow_up(conn: Connection, follow_up_id: str, *, title: str = UNSET, due_date: date | None = UNSET,
                     status: FollowUpStatus | str = UNSET, owner_id: str | None = UNSET) -> WriteResult:
    """Change some fields of a follow-up; only the given ones, only changed ones journaled."""
    follow_up = get_follow_up(conn, follow_up_id)
    if follow_up is None:
        raise VisitNotFound(_msg(QT_TRANSLATE_NOOP("Visit", "This follow-up no longer exists.")))
    if title is not UNSET:
        follow_up.title = title
    if due_date is not UNSET:
        follow_up.due_date = due_date
    if status is not UNSET:
        follow_up.status = FollowUpStatus(status)
    if owner_id is not UNSET:
        follow_up.owner_id = owner_id
    problems = _validate_follow_up(follow_up)
    if problems:
        raise VisitError(problems)
    return write_row(conn, "follow_up", follow_up_id, _follow_up_values(follow_up))


def close_follow_up(conn: Connection, follow_up_id: str,
                    status: FollowUpStatus = FollowUpStatus.DONE) -> WriteResult:
    """Mark a follow-up done (or cancelled)."""
    if FollowUpStatus(status) is FollowUpStatus.OPEN:
        raise ValueError("close_follow_up needs DONE or CANCELLED")
    return update_follow_up(conn, follow_up_id, status=status)


# --- check-out --------------------------------------------------------------


def missing_for_check_out(conn: Connection, visit_id: str) -> list[Message]:
    """What still stops the visit from being checked out (empty: it may be)."""
    visit = _require_visit(conn, visit_id)
    template = visit_template(conn, visit)
    if template is None:
        return []
    return missing_for_checkout(template, get_answers(conn, visit_id), photos_by_item(conn, visit_id))


@dataclass(frozen=True)
class CheckOutResult:
    """A completed check-out.

    ``proposed_follow_ups`` are *not* stored: show them to the user and store the
    confirmed ones with :func:`create_follow_ups`. Failed items that already have
    an open follow-up for this customer are not proposed again.
    """

    visit: Visit
    score: ChecklistScore | None
    proposed_follow_ups: list[FollowUp]

    @property
    def duration(self) -> timedelta | None:
        return visit_duration(self.visit)


def check_out(conn: Connection, visit_id: str, now: datetime, *, follow_up_due: date | None = None) -> CheckOutResult:
    """Check out: refuse with everything missing, or complete the visit with its score.

    Refuses with :class:`CheckOutRefused` (``messages`` in template order) when
    required items are unanswered or required photos are missing (see
    :func:`fieldapp.core.scoring.missing_for_checkout`). Otherwise records the
    check-out time, the compliance score of the visit's own template version and
    status *completed*, journaled. Proposed follow-ups are due ``follow_up_due``
    (default: a week after check-out) and owned by the customer's manager the
    visit was made for.
    """
    now = now.replace(microsecond=0)
    visit = _require_visit(conn, visit_id)
    if visit.status is VisitStatus.COMPLETED:
        raise VisitClosed(_msg(QT_TRANSLATE_NOOP("Visit", "This visit was already checked out at {time}."),
                               time=_hhmm(visit.check_out_at)))
    template = visit_template(conn, visit)
    answers = get_answers(conn, visit_id)
    score: ChecklistScore | None = None
    proposals: list[FollowUp] = []
    if template is not None:
        missing = missing_for_checkout(template, answers, photos_by_item(conn, visit_id))
        if missing:
            raise CheckOutRefused(missing)
        score = score_checklist(template, answers)
        due = follow_up_due or (now.date() + timedelta(days=DEFAULT_FOLLOW_UP_DAYS))
        already = set(conn.execute(select(follow_ups.c.source_item_key).where(
            follow_ups.c.customer_id == visit.customer_id, follow_ups.c.status == FollowUpStatus.OPEN.value,
            follow_ups.c.deleted.is_(False), follow_ups.c.source_item_key.is_not(None))).scalars())
        proposals = [p for p in proposed_follow_ups(template, answers, visit.customer_id, visit.id, due,
                                                    owner_id=visit.on_behalf_of or visit.manager_id)
                     if p.source_item_key not in already]
    write_row(conn, "visit", visit_id, {"check_out_at": dt_to_text(now), "status": VisitStatus.COMPLETED.value,
                                        "score": score.score if score else None})
    visit.check_out_at = now
    visit.status = VisitStatus.COMPLETED
    visit.score = score.score if score else None
    return CheckOutResult(visit, score, proposals)


# --- attendance (start and end of the working day) --------------------------


@dataclass
class WorkingDay:
    """One manager's working day (考勤): when and where it started and ended."""

    id: str
    manager_id: str | None
    work_date: date
    started_at: datetime
    ended_at: datetime | None = None
    start_latitude: float | None = None
    start_longitude: float | None = None
    end_latitude: float | None = None
    end_longitude: float | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


def _row_to_day(row: Any) -> WorkingDay:
    return WorkingDay(id=row["id"], manager_id=row["manager_id"], work_date=row["work_date"],
                      started_at=text_to_dt(row["started_at"]), ended_at=text_to_dt(row["ended_at"]),
                      start_latitude=row["start_latitude"], start_longitude=row["start_longitude"],
                      end_latitude=row["end_latitude"], end_longitude=row["end_longitude"])


def _manager_is(column, manager_id: str | None):
    return column.is_(None) if manager_id is None else column == manager_id


def working_day(conn: Connection, manager_id: str | None, day: date) -> WorkingDay | None:
    """The manager's working day on ``day``, if one was started."""
    row = conn.execute(select(attendance).where(_manager_is(attendance.c.manager_id, manager_id),
                                                attendance.c.work_date == day, attendance.c.deleted.is_(False))
                       .order_by(attendance.c.started_at).limit(1)).mappings().first()
    return _row_to_day(row) if row is not None else None


def open_working_day(conn: Connection, manager_id: str | None) -> WorkingDay | None:
    """The manager's latest started and not yet ended working day."""
    row = conn.execute(select(attendance).where(_manager_is(attendance.c.manager_id, manager_id),
                                                attendance.c.ended_at.is_(None), attendance.c.deleted.is_(False))
                       .order_by(attendance.c.work_date.desc(), attendance.c.started_at.desc())
                       .limit(1)).mappings().first()
    return _row_to_day(row) if row is not None else None


def start_working_day(conn: Connection, manager_id: str | None, now: datetime,
                      position: tuple[float, float] | None = None) -> WorkingDay:
    """Check in for the day (上班签到), journaled.

    One record per manager and date. Starting a day that was already ended
    reopens it (the end is cleared: the manager went back to work); starting
    one that is still open is refused.
    """
    lat, lon = position if position else (None, None)
    now = now.replace(microsecond=0)
    day = working_day(conn, manager_id, now.date())
    if day is not None and day.is_open:
        raise AttendanceError(_msg(QT_TRANSLATE_NOOP("Visit", "The working day already started at {time}."),
                                   time=_hhmm(day.started_at)))
    if day is not None:
        write_row(conn, "attendance", day.id, {"ended_at": None, "end_latitude": None, "end_longitude": None})
        day.ended_at = day.end_latitude = day.end_longitude = None
        return day
    day = WorkingDay(id=new_id(), manager_id=manager_id, work_date=now.date(), started_at=now,
                     start_latitude=lat, start_longitude=lon)
    write_row(conn, "attendance", day.id, {"manager_id": manager_id, "work_date": day.work_date,
                                           "started_at": dt_to_text(now), "start_latitude": lat,
                                           "start_longitude": lon})
    return day


def end_working_day(conn: Connection, manager_id: str | None, now: datetime,
                    position: tuple[float, float] | None = None) -> WorkingDay:
    """Check out for the day (下班签退), journaled. Ends the latest open day (also one begun before midnight).

    Refused when no day is open, or while a visit is still in progress.
    """
    day = open_working_day(conn, manager_id)
    if day is None:
        raise AttendanceError(_msg(QT_TRANSLATE_NOOP(
            "Visit", "The working day has not been started, so it cannot be ended.")))
    current = visit_in_progress(conn, manager_id)
    if current is not None:
        raise AttendanceError(_msg(QT_TRANSLATE_NOOP(
            "Visit", "The visit at {store} is still in progress. Check out of it before ending the working day."),
            store=_store_name(conn, current.customer_id)))
    lat, lon = position if position else (None, None)
    now = now.replace(microsecond=0)
    write_row(conn, "attendance", day.id, {"ended_at": dt_to_text(now), "end_latitude": lat, "end_longitude": lon})
    day.ended_at, day.end_latitude, day.end_longitude = now, lat, lon
    return day


def working_days(conn: Connection, manager_id: str | None, first: date, last: date) -> list[WorkingDay]:
    """The manager's working days from ``first`` to ``last`` (inclusive), by date."""
    rows = conn.execute(select(attendance).where(_manager_is(attendance.c.manager_id, manager_id),
                                                 attendance.c.work_date >= first, attendance.c.work_date <= last,
                                                 attendance.c.deleted.is_(False))
                        .order_by(attendance.c.work_date, attendance.c.started_at)).mappings()
    return [_row_to_day(r) for r in rows]


def visits_of_day(conn: Connection, day: date, manager_id: str | None = None) -> list[Visit]:
    """Visits checked in on ``day`` (local date of the check-in text), in check-in order."""
    stmt = select(visits).where(visits.c.deleted.is_(False),
                                func.substr(visits.c.check_in_at, 1, 10) == day.isoformat())
    if manager_id is not None:
        stmt = stmt.where(visits.c.manager_id == manager_id)
    return [row_to_visit(r) for r in conn.execute(stmt.order_by(visits.c.check_in_at)).mappings()]
