"""AB cover (AB角) in the local store: leave periods, who covers whom, visits "on behalf of".

A lead records a cover period offline (:func:`record_cover`, journaled entity
``cover_period``); the server validates it again when it is pushed and, while it
runs, sends the manager's customers to the backup's laptop (and takes them away
afterwards). The backup's laptop gets the cover period too, so
:func:`on_behalf_for` can credit a visit to the manager on leave.

Rules (the server's are the same, in ``fieldsync.cover``): a manager cannot
cover for themself; the period must not end before it starts; A and B cannot be
away at the same time (B on leave, or A already on leave, or A covering
someone else during the period). Cancelled periods never count. A period is
never deleted: :func:`cancel_cover`.

Conventions as in :mod:`fieldapp.store.visits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from fieldapp.core.entities import new_id
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

from .journal import WriteResult, write_row
from .schema import cover_periods, customers, team_members

CTX = "Cover"


class CoverError(Exception):
    """A refused cover period; ``messages`` say why (translatable)."""

    def __init__(self, messages: Message | list[Message]):
        self.messages = [messages] if isinstance(messages, Message) else list(messages)
        super().__init__("; ".join(m.render() for m in self.messages))


@dataclass(frozen=True)
class CoverPeriod:
    id: str
    manager_id: str          # on leave
    backup_id: str           # covers
    start_date: date
    end_date: date           # inclusive
    reason: str = ""
    cancelled: bool = False
    synced: bool = False     # the server has accepted it (version > 0)

    def covers(self, day: date) -> bool:
        return not self.cancelled and self.start_date <= day <= self.end_date


def _row(row: Any) -> CoverPeriod:
    return CoverPeriod(row["id"], row["manager_id"], row["backup_id"], row["start_date"], row["end_date"],
                       row["reason"] or "", bool(row["cancelled"]), int(row["version"]) > 0)


def _msg(text: str, **params: Any) -> Message:
    return Message(CTX, text, params)


def _name(conn: Connection, user_id: str) -> str:
    row = conn.execute(select(team_members.c.display_name, team_members.c.username)
                       .where(team_members.c.id == user_id)).first()
    return (row.display_name or row.username) if row is not None else user_id


def get_cover(conn: Connection, cover_id: str) -> CoverPeriod | None:
    row = conn.execute(select(cover_periods).where(cover_periods.c.id == cover_id,
                                                   cover_periods.c.deleted.is_(False))).mappings().first()
    return _row(row) if row is not None else None


def cover_periods_of(conn: Connection, user_id: str | None = None, *, include_cancelled: bool = False,
                     since: date | None = None) -> list[CoverPeriod]:
    """Cover periods in which ``user_id`` is on leave or covers (all when None), by start date.

    ``since``: only periods ending on or after that day.
    """
    cp = cover_periods.c
    stmt = select(cover_periods).where(cp.deleted.is_(False))
    if user_id is not None:
        stmt = stmt.where(or_(cp.manager_id == user_id, cp.backup_id == user_id))
    if not include_cancelled:
        stmt = stmt.where(cp.cancelled.is_(False))
    if since is not None:
        stmt = stmt.where(cp.end_date >= since)
    return [_row(r) for r in conn.execute(stmt.order_by(cp.start_date, cp.id)).mappings()]


def covered_managers(conn: Connection, backup_id: str, day: date) -> list[str]:
    """The managers ``backup_id`` covers on ``day``."""
    cp = cover_periods.c
    return list(conn.execute(select(cp.manager_id).where(
        cp.backup_id == backup_id, cp.start_date <= day, cp.end_date >= day, cp.cancelled.is_(False),
        cp.deleted.is_(False)).order_by(cp.manager_id)).scalars())


def on_behalf_for(conn: Connection, customer_id: str, user_id: str | None, day: date) -> str | None:
    """Whom a visit by ``user_id`` to the customer on ``day`` is credited to, if not to the user.

    The customer's manager when ``user_id`` covers that manager on ``day``;
    ``None`` otherwise (own customer, no cover, unknown customer). Pass the
    result as ``on_behalf_of`` to :func:`fieldapp.store.visits.start_visit`.
    """
    if user_id is None:
        return None
    manager = conn.execute(select(customers.c.manager_id).where(customers.c.id == customer_id)).scalar()
    if manager is None or manager == user_id:
        return None
    return manager if manager in covered_managers(conn, user_id, day) else None


def check_cover(conn: Connection, manager_id: str, backup_id: str, start: date, end: date, *,
                cover_id: str | None = None) -> list[Message]:
    """Reasons to refuse this cover period (empty: it may be recorded), checked against the periods here."""
    problems: list[Message] = []
    if not manager_id or not backup_id:
        problems.append(_msg(QT_TRANSLATE_NOOP("Cover", "Choose the manager on leave and the backup.")))
        return problems
    if manager_id == backup_id:
        problems.append(_msg(QT_TRANSLATE_NOOP("Cover", "A manager cannot cover for themselves: choose another "
                                                        "backup.")))
    if end < start:
        problems.append(_msg(QT_TRANSLATE_NOOP("Cover", "The cover period ends ({end}) before it starts ({start})."),
                             start=start.isoformat(), end=end.isoformat()))
    if problems:
        return problems
    a, b = _name(conn, manager_id), _name(conn, backup_id)
    for other in cover_periods_of(conn, None):
        if other.id == cover_id or other.end_date < start or other.start_date > end:
            continue
        dates = {"start": other.start_date.isoformat(), "end": other.end_date.isoformat()}
        if other.manager_id == backup_id:
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Cover", "{b} is on leave from {start} to {end}: {a} and {b} cannot be away at the same time."),
                a=a, b=b, **dates))
        elif other.manager_id == manager_id:
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Cover", "{a} already has a cover period from {start} to {end}; change or cancel that one."),
                a=a, **dates))
        elif other.backup_id == manager_id:
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Cover", "{a} covers {c} from {start} to {end} and cannot be on leave then."),
                a=a, c=_name(conn, other.manager_id), **dates))
    return problems


def record_cover(conn: Connection, manager_id: str, backup_id: str, start: date, end: date, reason: str = "", *,
                 cover_id: str | None = None) -> CoverPeriod:
    """Record a leave period of ``manager_id`` covered by ``backup_id`` (a lead's action), journaled.

    Raises :class:`CoverError` (nothing written) when :func:`check_cover` finds a problem.
    """
    problems = check_cover(conn, manager_id, backup_id, start, end)
    if problems:
        raise CoverError(problems)
    period = CoverPeriod(cover_id or new_id(), manager_id, backup_id, start, end, (reason or "").strip())
    write_row(conn, "cover_period", period.id, {
        "manager_id": manager_id, "backup_id": backup_id, "start_date": start, "end_date": end,
        "reason": period.reason, "cancelled": False})
    return period


def change_cover_dates(conn: Connection, cover_id: str, start: date, end: date) -> WriteResult:
    """Move or shorten a cover period (e.g. the manager comes back early), re-checked, journaled."""
    period = get_cover(conn, cover_id)
    if period is None:
        raise CoverError(_msg(QT_TRANSLATE_NOOP("Cover", "This cover period no longer exists.")))
    problems = check_cover(conn, period.manager_id, period.backup_id, start, end, cover_id=cover_id)
    if problems:
        raise CoverError(problems)
    return write_row(conn, "cover_period", cover_id, {"start_date": start, "end_date": end})


def cancel_cover(conn: Connection, cover_id: str) -> WriteResult:
    """Cancel a cover period (it stays, marked cancelled, for the record); journaled."""
    if get_cover(conn, cover_id) is None:
        raise CoverError(_msg(QT_TRANSLATE_NOOP("Cover", "This cover period no longer exists.")))
    return write_row(conn, "cover_period", cover_id, {"cancelled": True})
