"""Operations of the team lead's workspace: review, assessment, AB cover, exports.

Factories in the style of :mod:`fieldapp.gui.operations` (keyword-only,
``verb_noun``, returning a :class:`~fieldapp.gui.operations.QueryOp` or
:class:`~fieldapp.gui.operations.CollectionOp`). Every ``op`` runs on the DB
worker; nothing here touches SQL, photo files or export files on the UI thread.

Writes announce a :class:`LeadOpChanges`: an :class:`OpChanges` with
``reviews`` / ``covers`` added and ``journal=True`` (decisions sync like any other
change), so the status bar's "waiting to sync" count refreshes unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject
from sqlalchemy import Engine

from fieldapp.core.assessment import AssessmentFacts
from fieldapp.core.entities import Attachment, ChecklistAnswer, ChecklistItem, Visit, VisitNote
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message
from fieldapp.core.periods import Period
from fieldapp.core.review import ReviewAction, ReviewStatus
from fieldapp.store import cover as store_cover
from fieldapp.store import photos as store_photos
from fieldapp.store import reviews as store_reviews
from fieldapp.store import team as store_team
from fieldapp.store import visits as store_visits
from fieldapp.store.assessment_facts import build_assessment_facts
from fieldapp.store.db import write_transaction
from fieldapp.store.profile import Profile

from ..operations import CollectionOp, OpChanges, QueryOp


@dataclass(frozen=True)
class LeadOpChanges(OpChanges):
    """:class:`OpChanges` plus the lead's kinds; ``visit_ids`` names the reviewed visits."""

    reviews: bool = False
    covers: bool = False
    visit_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def anything(self) -> bool:
        return super().anything or self.reviews or self.covers


def touches(changes: object, kind: str) -> bool:
    """Whether ``changes`` (any OpChanges) says ``kind`` changed; unknown kinds of foreign ops count as no."""
    return bool(getattr(changes, kind, False))


# --- who is signed in, the team -------------------------------------------------------


@dataclass(frozen=True)
class TeamInfo:
    reviewer: store_reviews.Reviewer | None
    members: tuple[store_team.TeamMember, ...]

    @property
    def is_lead(self) -> bool:
        return self.reviewer is not None and self.reviewer.role.value in ("lead", "admin")

    @property
    def managers(self) -> tuple[store_team.TeamMember, ...]:
        return tuple(m for m in self.members if m.role == "manager")

    def name(self, user_id: str | None) -> str:
        for m in self.members:
            if m.id == user_id:
                return m.name
        return user_id or ""


def load_team(*, parent: QObject | None, success: Callable[[TeamInfo], None]) -> QueryOp[TeamInfo]:
    """The signed-in reviewer (``None`` before the first sign-in) and the team members known here."""
    def op(engine: Engine) -> TeamInfo:
        with engine.connect() as conn:
            reviewer = store_reviews.current_reviewer(conn)
            team = reviewer.team_id if reviewer is not None and reviewer.role.value == "lead" else None
            return TeamInfo(reviewer, tuple(store_team.list_members(conn, team)))

    return QueryOp(parent=parent, op=op, success=success)


# --- review -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    manager_id: str | None = None
    status: ReviewStatus | None = None
    first: date | None = None
    last: date | None = None


def load_review_queue(*, parent: QObject | None, query: QueueFilter,
                      success: Callable[[list[store_reviews.ReviewQueueRow]], None]
                      ) -> QueryOp[list[store_reviews.ReviewQueueRow]]:
    def op(engine: Engine) -> list[store_reviews.ReviewQueueRow]:
        with engine.connect() as conn:
            return store_reviews.review_queue(conn, manager_id=query.manager_id,
                                              statuses=[query.status] if query.status is not None else None,
                                              first=query.first, last=query.last)

    return QueryOp(parent=parent, op=op, success=success)


@dataclass(frozen=True)
class PhotoInfo:
    attachment: Attachment
    thumbnail: Path | None  # None: the photo is not on this laptop (not downloaded)


@dataclass(frozen=True)
class VisitDetail:
    visit: Visit
    store_name: str
    manager_name: str
    on_behalf_name: str
    items: tuple[ChecklistItem, ...]
    answers: dict[str, ChecklistAnswer]
    note: VisitNote
    photos: tuple[PhotoInfo, ...]
    history: tuple[store_reviews.ReviewLine, ...]
    status: ReviewStatus
    actions: tuple[ReviewAction, ...]


def load_visit_detail(*, parent: QObject | None, profile: Profile | None, visit_id: str,
                      success: Callable[[VisitDetail | None], None]) -> QueryOp[VisitDetail | None]:
    """Everything the review panel shows about one visit (``None`` when it is gone); thumbnails made here."""
    def op(engine: Engine) -> VisitDetail | None:
        with engine.connect() as conn:
            visit = store_visits.get_visit(conn, visit_id)
            if visit is None:
                return None
            names = store_team.display_names(conn)
            template = store_visits.visit_template(conn, visit)
            reviewer = store_reviews.current_reviewer(conn)
            actions = store_reviews.available_actions(conn, visit_id, reviewer) if reviewer is not None else []
            photos = []
            for attachment in store_photos.attachments_for_visit(conn, visit_id):
                thumb = None
                if profile is not None and attachment.sha256:
                    try:
                        thumb = store_photos.make_thumbnail(profile, attachment.sha256)
                    except (FileNotFoundError, OSError, ValueError):
                        thumb = None
                photos.append(PhotoInfo(attachment, thumb))
            owner = visit.on_behalf_of or visit.manager_id
            return VisitDetail(
                visit=visit, store_name=store_visits._store_name(conn, visit.customer_id),
                manager_name=names.get(visit.manager_id or "", visit.manager_id or ""),
                on_behalf_name=names.get(visit.on_behalf_of or "", visit.on_behalf_of or "")
                if visit.on_behalf_of and owner != visit.manager_id else "",
                items=tuple(template.items) if template is not None else (),
                answers=store_visits.get_answers(conn, visit_id), note=store_visits.get_visit_note(conn, visit_id),
                photos=tuple(photos), history=tuple(store_reviews.review_history(conn, visit_id)),
                status=store_reviews.review_status(conn, visit_id), actions=tuple(actions))

    return QueryOp(parent=parent, op=op, success=success)


NOT_SIGNED_IN = Message("LeadOps", QT_TRANSLATE_NOOP("LeadOps", "Sign in as a team lead to review visits."), {})


def record_review(*, parent: QObject | None, visit_id: str, action: ReviewAction, text: str,
                  now: datetime) -> CollectionOp[Any]:
    """Comment, approve or return a visit as the signed-in user (journaled; syncs).

    Fails with :class:`~fieldapp.store.reviews.ReviewRefused` (nothing written),
    e.g. a return without a reason, or when nobody is signed in.
    """
    def op(engine: Engine) -> Any:
        with write_transaction(engine) as conn:
            reviewer = store_reviews.current_reviewer(conn)
            if reviewer is None:
                raise store_reviews.ReviewRefused(NOT_SIGNED_IN)
            return store_reviews.record_review_event(conn, visit_id, action, text, reviewer, now)

    return CollectionOp(parent=parent, op=op, changes=lambda _e: LeadOpChanges(
        journal=True, reviews=True, visit_ids=frozenset({visit_id})))


# --- assessment ---------------------------------------------------------------------------


def load_assessment_facts(*, parent: QObject | None, first: date, last: date,
                          manager_ids: Iterable[str] | None = None,
                          success: Callable[[AssessmentFacts], None]) -> QueryOp[AssessmentFacts]:
    """The facts for the days ``first``..``last`` (built once; the dashboard assesses periods from them)."""
    ids = list(manager_ids) if manager_ids is not None else None

    def op(engine: Engine) -> AssessmentFacts:
        with engine.connect() as conn:
            return build_assessment_facts(conn, first, last, manager_ids=ids)

    return QueryOp(parent=parent, op=op, success=success)


# --- AB cover -----------------------------------------------------------------------------


def load_cover_periods(*, parent: QObject | None, include_cancelled: bool = True,
                       success: Callable[[list[store_cover.CoverPeriod]], None]
                       ) -> QueryOp[list[store_cover.CoverPeriod]]:
    def op(engine: Engine) -> list[store_cover.CoverPeriod]:
        with engine.connect() as conn:
            return store_cover.cover_periods_of(conn, None, include_cancelled=include_cancelled)

    return QueryOp(parent=parent, op=op, success=success)


def record_cover_period(*, parent: QObject | None, manager_id: str, backup_id: str, start: date, end: date,
                        reason: str) -> CollectionOp[store_cover.CoverPeriod]:
    """Record a leave period; fails with :class:`~fieldapp.store.cover.CoverError` (nothing written)."""
    def op(engine: Engine) -> store_cover.CoverPeriod:
        with write_transaction(engine) as conn:
            return store_cover.record_cover(conn, manager_id, backup_id, start, end, reason)

    return CollectionOp(parent=parent, op=op, changes=lambda _p: LeadOpChanges(journal=True, covers=True))


def cancel_cover_period(*, parent: QObject | None, cover_id: str) -> CollectionOp[Any]:
    def op(engine: Engine) -> Any:
        with write_transaction(engine) as conn:
            return store_cover.cancel_cover(conn, cover_id)

    return CollectionOp(parent=parent, op=op, changes=lambda _p: LeadOpChanges(journal=True, covers=True))


# --- exports ------------------------------------------------------------------------------

LEDGERS = ("visit_list", "service_ledger", "market_ledger")


def export_ledger(*, parent: QObject | None, kind: str, period: Period, path: Path | str, fmt: str, lang: str,
                  manager_ids: Iterable[str] | None = None, success: Callable[[int], None]) -> QueryOp[int]:
    """Write a ledger of ``period`` to ``path`` (``fmt`` "xlsx" or "csv"); the number of rows to ``success``."""
    from fieldapp import exports

    writer = {"visit_list": exports.export_visit_list, "service_ledger": exports.export_service_ledger,
              "market_ledger": exports.export_market_ledger}[kind]
    ids = list(manager_ids) if manager_ids is not None else None

    def op(engine: Engine) -> int:
        with engine.connect() as conn:
            names = store_team.display_names(conn)
            return writer(conn, period, ids, path, fmt, lang, manager_names=names)

    return QueryOp(parent=parent, op=op, success=success)
