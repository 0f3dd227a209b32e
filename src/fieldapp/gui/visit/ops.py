"""Operations of the working day: plan, visit, checklist, notes, photos, follow-ups, attendance, history.

Factories in the style of :mod:`fieldapp.gui.operations` (keyword-only,
``verb_noun``, returning a :class:`~fieldapp.gui.operations.QueryOp` or
:class:`~fieldapp.gui.operations.CollectionOp`; call ``.run_in_background()``).
Every ``op`` function runs on the DB worker; nothing here touches SQL, the
photo files or the clock on the UI thread. Domain times (check-in, check-out)
are passed in by the caller so tests can fix them.

Writes announce a :class:`VisitOpChanges` — an :class:`OpChanges` with the
working day's kinds added (``visits``, ``follow_ups``, ``plan``,
``attendance``), so the main window's status bar (which looks at ``journal``)
keeps working unchanged. Views test the extra kinds with :func:`touches`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject
from PySide6.QtGui import QImage
from sqlalchemy import Connection, Engine

from fieldapp.core.entities import (
    AnswerResult,
    Attachment,
    ChecklistAnswer,
    ChecklistTemplate,
    Customer,
    FollowUp,
    FollowUpStatus,
    Visit,
    VisitNote,
    VisitType,
)
from fieldapp.core.planning import DEFAULT_RULES, CadenceRules, CustomerPlanningFacts
from fieldapp.store import customers as store_customers
from fieldapp.store import day_plans as store_day_plans
from fieldapp.store import history as store_history
from fieldapp.store import photos as store_photos
from fieldapp.store import visits as store_visits
from fieldapp.store.db import write_transaction
from fieldapp.store.planning_facts import build_planning_facts
from fieldapp.store.profile import Profile
from fieldapp.store.templates import DEFAULT_TEMPLATE_CODE, current_template, template_codes

from ..operations import CollectionOp, OpChanges, QueryOp
from .plan_logic import MergedPlan, PlanDay, merged_plan

# --- what changed -------------------------------------------------------------


@dataclass(frozen=True)
class VisitOpChanges(OpChanges):
    """:class:`OpChanges` plus the kinds of the working day.

    ``visit_ids`` narrows ``visits`` (empty: any visit). ``customer_ids`` (from
    the base class) names the customers whose visits or follow-ups changed,
    without setting ``customers`` (their files did not change).
    """

    visits: bool = False  # a visit started, was checked out or discarded, or its position changed
    visit_content: bool = False  # an answer, note field or photo of a visit changed (autosave)
    visit_ids: frozenset[str] = field(default_factory=frozenset)
    follow_ups: bool = False
    plan: bool = False
    attendance: bool = False

    @property
    def anything(self) -> bool:
        return (super().anything or self.visits or self.visit_content or self.follow_ups or self.plan
                or self.attendance)


def touches(changes: object, kind: str) -> bool:
    """Whether ``changes`` (any OpChanges) reports ``kind``; plain OpChanges have none of ours."""
    return bool(getattr(changes, kind, False))


def _visit_changes(visit_id: str | None, customer_id: str | None, *, journal: bool = True,
                   follow_ups: bool = False, content: bool = False, lifecycle: bool = True) -> VisitOpChanges:
    return VisitOpChanges(visits=lifecycle and not content, visit_content=content,
                          visit_ids=frozenset({visit_id}) if visit_id else frozenset(),
                          customer_ids=frozenset({customer_id}) if customer_id else frozenset(),
                          journal=journal, follow_ups=follow_ups)


# --- helpers on the worker ----------------------------------------------------


def manager_id(conn: Connection) -> str | None:
    """The signed-in user's id (the manager the visits are recorded for); ``None`` before the first login."""
    try:
        from fieldapp.store.sync_state import USER_ID, get_state
        return get_state(conn, USER_ID)
    except Exception:  # no sync state table in an old profile: visits are simply not attributed
        return None


def visit_template_code(conn: Connection) -> str:
    """The code of the counter-arrangement checklist installed in this profile.

    The store's default code first; else the shipped template's code
    (``counter_arrangement``); else any installed template.
    """
    if current_template(conn, DEFAULT_TEMPLATE_CODE) is not None:
        return DEFAULT_TEMPLATE_CODE
    codes = template_codes(conn)
    for preferred in ("counter_arrangement", "counter"):
        if preferred in codes:
            return preferred
    return codes[0] if codes else DEFAULT_TEMPLATE_CODE


# --- plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSnapshot:
    """A merged plan plus the facts of every customer (to add one by hand without another read)."""

    plan: MergedPlan
    facts: dict[str, CustomerPlanningFacts]
    horizon_days: int


def load_plan(*, parent: QObject | None, today: date, horizon_days: int, success: Callable[[PlanSnapshot], None],
              rules: CadenceRules = DEFAULT_RULES) -> QueryOp[PlanSnapshot]:
    """The plan for ``today`` and the following ``horizon_days - 1`` days, merged with the manager's edits."""
    def op(engine: Engine) -> PlanSnapshot:
        with engine.connect() as conn:
            facts = build_planning_facts(conn, today)
            days = [today + timedelta(days=k) for k in range(horizon_days)]
            saved = store_day_plans.load_day_plans(conn, days)
            visits_today = store_visits.visits_of_day(conn, today, manager_id(conn))
        merged = merged_plan(facts, today, horizon_days=horizon_days, saved=saved, visits_today=visits_today,
                             rules=rules)
        return PlanSnapshot(merged, {f.customer_id: f for f in facts}, horizon_days)

    return QueryOp(parent=parent, op=op, success=success)


def save_day_plan(*, parent: QObject | None, day: PlanDay) -> CollectionOp[None]:
    """Keep the manager's plan for ``day.day`` (local only, not journaled)."""
    plan, dropped = day.plan, frozenset(day.dropped)

    def op(engine: Engine) -> None:
        with write_transaction(engine) as conn:
            store_day_plans.save_day_plan(conn, plan, dropped)

    return CollectionOp(parent=parent, op=op, changes=lambda _r: VisitOpChanges(plan=True))


def forget_day_plan(*, parent: QObject | None, day: date) -> CollectionOp[None]:
    """Throw away the manager's edits of ``day``: the generated plan shows again."""
    def op(engine: Engine) -> None:
        with write_transaction(engine) as conn:
            store_day_plans.forget_day_plan(conn, day)

    return CollectionOp(parent=parent, op=op, changes=lambda _r: VisitOpChanges(plan=True))


@dataclass(frozen=True)
class CustomerHit:
    id: str
    code: str
    store_name: str
    owner: str
    address: str
    customer_class: str


def find_customers(*, parent: QObject | None, text: str, limit: int,
                   success: Callable[[list[CustomerHit]], None]) -> QueryOp[list[CustomerHit]]:
    """Customers matching ``text`` (the customer list's search), at most ``limit``."""
    def op(engine: Engine) -> list[CustomerHit]:
        with engine.connect() as conn:
            ids = store_customers.search_customer_ids(conn, store_customers.CustomerQuery(text=text))[:limit]
            rows = store_customers.fetch_customer_rows(conn, ids)
        return [CustomerHit(i, rows[i]["code"], rows[i]["store_name"], rows[i]["owner"], rows[i]["address"] or "",
                            rows[i]["customer_class"] or "") for i in ids if i in rows]

    return QueryOp(parent=parent, op=op, success=success)


# --- visit: start and load ----------------------------------------------------


@dataclass(frozen=True)
class Prepare:
    """What to read before and during a visit (拜访准备)."""

    open_follow_ups: list[FollowUp]
    failed_items: list[store_history.FailedItem]
    last_visit: store_history.VisitSummary | None
    visit_count: int


@dataclass(frozen=True)
class StartInfo:
    """The start page: the customer, the preparation, and whether another visit is in progress."""

    customer: Customer | None
    prepare: Prepare
    in_progress: Visit | None
    in_progress_store: str
    template: ChecklistTemplate | None


@dataclass(frozen=True)
class VisitState:
    """Everything the visit screen shows, read in one go."""

    visit: Visit
    customer: Customer | None
    template: ChecklistTemplate | None
    answers: dict[str, ChecklistAnswer]
    note: VisitNote
    follow_ups: list[FollowUp]
    attachments: list[Attachment]
    prepare: Prepare


def _prepare(conn: Connection, customer_id: str, exclude_visit: str | None) -> Prepare:
    past = [v for v in store_history.past_visits(conn, customer_id, limit=3) if v.id != exclude_visit]
    follow = [f for f in store_history.open_follow_ups(conn, customer_id) if f.visit_id is None
              or f.visit_id != exclude_visit]
    failed = store_history.last_visit_failed_items(conn, customer_id)
    last_completed = next((v for v in past if v.status.value == "completed"), None)
    if last_completed is None:
        failed = []
    return Prepare(follow, failed, past[0] if past else None,
                   store_history.visit_count(conn, customer_id) - (1 if exclude_visit else 0))


def load_start_info(*, parent: QObject | None, customer_id: str,
                    success: Callable[[StartInfo], None]) -> QueryOp[StartInfo]:
    def op(engine: Engine) -> StartInfo:
        with engine.connect() as conn:
            customer = store_customers.get_customer(conn, customer_id)
            current = store_visits.visit_in_progress(conn, manager_id(conn))
            store = ""
            if current is not None:
                other = store_customers.get_customer(conn, current.customer_id)
                store = other.store_name if other else ""
            return StartInfo(customer, _prepare(conn, customer_id, None), current, store,
                             current_template(conn, visit_template_code(conn)))

    return QueryOp(parent=parent, op=op, success=success)


def _load_state(conn: Connection, visit: Visit) -> VisitState:
    follow = {f.id: f for f in store_history.open_follow_ups(conn, visit.customer_id)}
    for f in store_visits.follow_ups_for_visit(conn, visit.id):
        follow[f.id] = f
    return VisitState(visit=visit, customer=store_customers.get_customer(conn, visit.customer_id),
                      template=store_visits.visit_template(conn, visit),
                      answers=store_visits.get_answers(conn, visit.id),
                      note=store_visits.get_visit_note(conn, visit.id),
                      follow_ups=list(follow.values()),
                      attachments=store_photos.attachments_for_visit(conn, visit.id),
                      prepare=_prepare(conn, visit.customer_id, visit.id))


def load_visit(*, parent: QObject | None, visit_id: str | None,
               success: Callable[[VisitState | None], None]) -> QueryOp[VisitState | None]:
    """The visit ``visit_id``, or with ``None`` the visit in progress (to resume it); ``None`` if there is none."""
    def op(engine: Engine) -> VisitState | None:
        with engine.connect() as conn:
            visit = (store_visits.get_visit(conn, visit_id) if visit_id
                     else store_visits.visit_in_progress(conn, manager_id(conn)))
            return _load_state(conn, visit) if visit is not None else None

    return QueryOp(parent=parent, op=op, success=success)


def start_visit(*, parent: QObject | None, customer_id: str, visit_type: VisitType, now: datetime,
                position: tuple[float, float] | None = None) -> CollectionOp[VisitState]:
    """Check in at a customer (one visit in progress at a time: the store refuses a second one).

    Fails with :class:`~fieldapp.store.visits.VisitAlreadyInProgress` (its
    ``message`` names the store and time, its ``visit_id`` the visit to resume).
    """
    def op(engine: Engine) -> VisitState:
        with write_transaction(engine) as conn:
            visit = store_visits.start_visit(conn, customer_id, visit_type, manager_id(conn), now, position,
                                             template_code=visit_template_code(conn))
        with engine.connect() as conn:
            return _load_state(conn, visit)

    return CollectionOp(parent=parent, op=op,
                        changes=lambda state: _visit_changes(state.visit.id, customer_id))


# --- visit: autosave ----------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """A saved field: ``journaled`` when the change went into the sync journal."""

    journaled: bool
    at: datetime | None = None


def _saved(result: Any) -> Saved:
    return Saved(journaled=getattr(result, "seq", None) is not None)


_UNSET = store_visits.UNSET


def save_answer(*, parent: QObject | None, visit_id: str, customer_id: str, item_key: str,
                result: AnswerResult | None = _UNSET, count: int | None = _UNSET,
                note: str = _UNSET) -> CollectionOp[Saved]:
    """Save the given fields of one checklist answer (only those passed)."""
    fields: dict[str, Any] = {}
    if result is not _UNSET:
        fields["result"] = result
    if count is not _UNSET:
        fields["count"] = count
    if note is not _UNSET:
        fields["note"] = note

    def op(engine: Engine) -> Saved:
        with write_transaction(engine) as conn:
            return _saved(store_visits.set_answer(conn, visit_id, item_key, **fields))

    return CollectionOp(parent=parent, op=op,
                        changes=lambda s: _visit_changes(visit_id, customer_id, journal=s.journaled,
                                                          content=True))


def save_note_field(*, parent: QObject | None, visit_id: str, customer_id: str, field_name: str,
                    value: str) -> CollectionOp[Saved]:
    """Save one field of the visit note (拜访记录); allowed after check-out too."""
    def op(engine: Engine) -> Saved:
        with write_transaction(engine) as conn:
            return _saved(store_visits.save_visit_note_field(conn, visit_id, field_name, value))

    return CollectionOp(parent=parent, op=op,
                        changes=lambda s: _visit_changes(visit_id, customer_id, journal=s.journaled,
                                                          content=True))


def set_visit_position(*, parent: QObject | None, visit_id: str, customer_id: str,
                       position: tuple[float, float] | None) -> CollectionOp[Saved]:
    def op(engine: Engine) -> Saved:
        with write_transaction(engine) as conn:
            return _saved(store_visits.set_visit_position(conn, visit_id, position))

    return CollectionOp(parent=parent, op=op,
                        changes=lambda s: _visit_changes(visit_id, customer_id, journal=s.journaled))


def check_out(*, parent: QObject | None, visit_id: str, customer_id: str,
              now: datetime) -> CollectionOp[store_visits.CheckOutResult]:
    """Check out; fails with :class:`~fieldapp.store.visits.CheckOutRefused` listing what is missing."""
    def op(engine: Engine) -> store_visits.CheckOutResult:
        with write_transaction(engine) as conn:
            return store_visits.check_out(conn, visit_id, now)

    return CollectionOp(parent=parent, op=op, changes=lambda _r: _visit_changes(visit_id, customer_id))


def discard_visit(*, parent: QObject | None, visit_id: str, customer_id: str) -> CollectionOp[None]:
    def op(engine: Engine) -> None:
        with write_transaction(engine) as conn:
            store_visits.discard_visit(conn, visit_id)

    return CollectionOp(parent=parent, op=op,
                        changes=lambda _r: _visit_changes(visit_id, customer_id, follow_ups=True))


def missing_for_check_out(*, parent: QObject | None, visit_id: str,
                          success: Callable[[list], None]) -> QueryOp[list]:
    def op(engine: Engine) -> list:
        with engine.connect() as conn:
            return store_visits.missing_for_check_out(conn, visit_id)

    return QueryOp(parent=parent, op=op, success=success)


# --- follow-ups ---------------------------------------------------------------


def add_follow_up(*, parent: QObject | None, customer_id: str, title: str, due_date: date | None,
                  owner_id: str | None, visit_id: str | None = None,
                  source_item_key: str | None = None) -> CollectionOp[FollowUp]:
    def op(engine: Engine) -> FollowUp:
        with write_transaction(engine) as conn:
            return store_visits.add_follow_up(conn, customer_id, title, due_date, owner_id=owner_id,
                                              visit_id=visit_id, source_item_key=source_item_key)

    return CollectionOp(parent=parent, op=op,
                        changes=lambda f: _visit_changes(visit_id, customer_id,
                                                          follow_ups=True, lifecycle=False))


def confirm_follow_ups(*, parent: QObject | None, proposals: Iterable[FollowUp]) -> CollectionOp[list[FollowUp]]:
    """Store proposed follow-ups the manager confirmed (all or none)."""
    proposals = [replace(p) for p in proposals]
    customer_id = proposals[0].customer_id if proposals else None
    visit_id = proposals[0].visit_id if proposals else None

    def op(engine: Engine) -> list[FollowUp]:
        with write_transaction(engine) as conn:
            return store_visits.create_follow_ups(conn, proposals)

    return CollectionOp(parent=parent, op=op,
                        changes=lambda _r: _visit_changes(visit_id, customer_id,
                                                          follow_ups=True, lifecycle=False))


def update_follow_up(*, parent: QObject | None, follow_up: FollowUp) -> CollectionOp[FollowUp]:
    """Save title, due date, status and owner of an existing follow-up."""
    snapshot = replace(follow_up)

    def op(engine: Engine) -> FollowUp:
        with write_transaction(engine) as conn:
            store_visits.update_follow_up(conn, snapshot.id, title=snapshot.title, due_date=snapshot.due_date,
                                          status=snapshot.status, owner_id=snapshot.owner_id)
            return store_visits.get_follow_up(conn, snapshot.id) or snapshot

    return CollectionOp(parent=parent, op=op,
                        changes=lambda _f: _visit_changes(snapshot.visit_id, snapshot.customer_id,
                                                          follow_ups=True, lifecycle=False))


def close_follow_up(*, parent: QObject | None, follow_up: FollowUp,
                    status: FollowUpStatus = FollowUpStatus.DONE) -> CollectionOp[FollowUp]:
    return update_follow_up(parent=parent, follow_up=replace(follow_up, status=status))


# --- photos -------------------------------------------------------------------


def image_to_png(image: QImage) -> bytes:
    """PNG bytes of a QImage. Worker-safe: QImage and QBuffer need no GUI thread."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


@dataclass(frozen=True)
class AttachedPhoto:
    attachment: Attachment
    thumbnail: bytes  # JPEG bytes, upright


def attach_photo(*, parent: QObject | None, profile: Profile, visit_id: str, customer_id: str,
                 item_key: str | None, source: str | bytes | QImage, filename: str = ""
                 ) -> CollectionOp[AttachedPhoto]:
    """Import an image (a file path, bytes, or a pasted QImage) and attach it to the visit or an item.

    The image is checked, hashed and stored *before* the short write
    transaction, so the database is not locked while a large photo is decoded.
    Fails with :class:`~fieldapp.store.photos.PhotoRejected` (unreadable, too
    large) with a message for the user.
    """
    if isinstance(source, QImage):
        source = source.copy()  # the clipboard's image may change; the worker gets its own

    def op(engine: Engine) -> AttachedPhoto:
        data = image_to_png(source) if isinstance(source, QImage) else source
        photo = store_photos.import_photo(profile, data)
        with write_transaction(engine) as conn:
            name = filename or (str(source).replace("\\", "/").rsplit("/", 1)[-1] if isinstance(source, str) else "")
            attachment = store_photos.add_attachment(conn, visit_id, item_key, photo, name)
        thumb = store_photos.make_thumbnail(profile, photo.sha256)
        return AttachedPhoto(attachment, thumb.read_bytes())

    return CollectionOp(parent=parent, op=op,
                        changes=lambda _r: _visit_changes(visit_id, customer_id, content=True))


def delete_attachment(*, parent: QObject | None, attachment_id: str, visit_id: str,
                      customer_id: str) -> CollectionOp[None]:
    def op(engine: Engine) -> None:
        with write_transaction(engine) as conn:
            store_photos.delete_attachment(conn, attachment_id)

    return CollectionOp(parent=parent, op=op,
                        changes=lambda _r: _visit_changes(visit_id, customer_id, content=True))


def load_thumbnails(*, parent: QObject | None, profile: Profile, sha256s: Iterable[str],
                    success: Callable[[dict[str, bytes]], None]) -> QueryOp[dict[str, bytes]]:
    """JPEG thumbnail bytes per photo hash (made and cached on the worker); missing photos are left out."""
    wanted = list(dict.fromkeys(sha256s))

    def op(_engine: Engine) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for sha in wanted:
            try:
                out[sha] = store_photos.make_thumbnail(profile, sha).read_bytes()
            except (OSError, ValueError):
                continue  # the photo has not arrived by sync yet, or is damaged: no thumbnail
            except Exception:  # Pillow's own errors for a damaged file
                continue
        return out

    return QueryOp(parent=parent, op=op, success=success)


def photo_file(*, parent: QObject | None, profile: Profile, sha256: str,
               success: Callable[[str | None], None]) -> QueryOp[str | None]:
    """The stored file of a photo (to open it in the system viewer), or ``None``."""
    def op(_engine: Engine) -> str | None:
        path = store_photos.find_photo(profile, sha256)
        return str(path) if path else None

    return QueryOp(parent=parent, op=op, success=success)


# --- attendance ---------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceState:
    today: store_visits.WorkingDay | None
    open_day: store_visits.WorkingDay | None


def load_attendance(*, parent: QObject | None, today: date,
                    success: Callable[[AttendanceState], None]) -> QueryOp[AttendanceState]:
    def op(engine: Engine) -> AttendanceState:
        with engine.connect() as conn:
            manager = manager_id(conn)
            return AttendanceState(store_visits.working_day(conn, manager, today),
                                   store_visits.open_working_day(conn, manager))

    return QueryOp(parent=parent, op=op, success=success)


def start_working_day(*, parent: QObject | None, now: datetime,
                      position: tuple[float, float] | None = None) -> CollectionOp[store_visits.WorkingDay]:
    def op(engine: Engine) -> store_visits.WorkingDay:
        with write_transaction(engine) as conn:
            return store_visits.start_working_day(conn, manager_id(conn), now, position)

    return CollectionOp(parent=parent, op=op, changes=lambda _r: VisitOpChanges(attendance=True, journal=True))


def end_working_day(*, parent: QObject | None, now: datetime,
                    position: tuple[float, float] | None = None) -> CollectionOp[store_visits.WorkingDay]:
    def op(engine: Engine) -> store_visits.WorkingDay:
        with write_transaction(engine) as conn:
            return store_visits.end_working_day(conn, manager_id(conn), now, position)

    return CollectionOp(parent=parent, op=op, changes=lambda _r: VisitOpChanges(attendance=True, journal=True))


# --- customer history ---------------------------------------------------------


@dataclass(frozen=True)
class HistorySnapshot:
    customer: Customer | None
    history: store_history.CustomerHistory


def load_customer_history(*, parent: QObject | None, customer_id: str, purchase_months: int = 12,
                          success: Callable[[HistorySnapshot], None]) -> QueryOp[HistorySnapshot]:
    def op(engine: Engine) -> HistorySnapshot:
        with engine.connect() as conn:
            return HistorySnapshot(store_customers.get_customer(conn, customer_id),
                                   store_history.customer_history(conn, customer_id,
                                                                  purchase_months=purchase_months))

    return QueryOp(parent=parent, op=op, success=success)

