"""The manager's own plan for a day, kept in ``profile_meta`` (local only, never synced).

A day's plan becomes *fixed* the first time the manager touches it (adds, drops
or reorders a visit, orders it into a route, or starts a visit from it). From
then on the day keeps that list and order, with each visit's reasons as they
were, even after a visit makes the planner lose interest in the customer (a
customer visited this morning is no longer "overdue", yet belongs on today's
list, ticked off). Customers the manager dropped are remembered so the planner
does not put them back on that day.

Stored as JSON text under the key ``day_plan:<YYYY-MM-DD>``::

    {"version": 1,
     "visits": [{"customer_id": ..., "store_name": ..., "customer_class": "A", "priority": 113,
                 "latitude": 28.1, "longitude": 113.0,
                 "reasons": [{"kind": "overdue", "context": "Planning", "text": "...", "params": {...},
                              "wanted_from": "2026-11-23", "weight": 33}]}],
     "dropped": ["<customer id>", ...]}

A value that cannot be read (hand-edited, from a future version) is treated as
"no saved plan" rather than breaking the plan view.

Threading: plain functions; call them on the DB worker. Writes need a write
transaction (``with write_transaction(engine) as conn``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from sqlalchemy import Connection, delete, select

from fieldapp.core.entities import CustomerClass
from fieldapp.core.messages import Message
from fieldapp.core.planning import DayPlan, PlannedVisit, PlanReason, ReasonKind

from .schema import profile_meta

log = logging.getLogger(__name__)

KEY_PREFIX = "day_plan:"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SavedDayPlan:
    """A day's plan as the manager left it: the visits in order, and who was dropped."""

    plan: DayPlan
    dropped: frozenset[str] = field(default_factory=frozenset)

    @property
    def day(self) -> date:
        return self.plan.day


def day_plan_key(day: date) -> str:
    return f"{KEY_PREFIX}{day.isoformat()}"


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _reason_to_dict(reason: PlanReason) -> dict[str, Any]:
    return {"kind": reason.kind.value, "context": reason.message.context, "text": reason.message.text,
            "params": {k: _json_safe(v) for k, v in reason.message.params.items()},
            "wanted_from": reason.wanted_from.isoformat() if reason.wanted_from else None,
            "weight": reason.weight}


def _reason_from_dict(data: dict[str, Any]) -> PlanReason:
    wanted = data.get("wanted_from")
    return PlanReason(ReasonKind(data["kind"]),
                      Message(str(data["context"]), str(data["text"]), dict(data.get("params") or {})),
                      date.fromisoformat(wanted) if wanted else None, int(data.get("weight") or 0))


def _visit_to_dict(visit: PlannedVisit) -> dict[str, Any]:
    return {"customer_id": visit.customer_id, "store_name": visit.store_name,
            "customer_class": visit.customer_class.value if visit.customer_class else None,
            "priority": visit.priority, "latitude": visit.latitude, "longitude": visit.longitude,
            "reasons": [_reason_to_dict(r) for r in visit.reasons]}


def _visit_from_dict(data: dict[str, Any], day: date) -> PlannedVisit:
    klass = data.get("customer_class")
    return PlannedVisit(customer_id=str(data["customer_id"]), day=day, priority=int(data.get("priority") or 0),
                        reasons=tuple(_reason_from_dict(r) for r in data.get("reasons") or ()),
                        store_name=str(data.get("store_name") or ""),
                        customer_class=CustomerClass(klass) if klass else None,
                        latitude=data.get("latitude"), longitude=data.get("longitude"))


def encode_day_plan(plan: DayPlan, dropped: Iterable[str] = ()) -> str:
    """The JSON text stored for ``plan`` (see the module docstring)."""
    return json.dumps({"version": FORMAT_VERSION, "visits": [_visit_to_dict(v) for v in plan.visits],
                       "dropped": sorted(set(dropped))}, ensure_ascii=False, sort_keys=True)


def decode_day_plan(day: date, raw: str) -> SavedDayPlan | None:
    """The saved plan from its JSON text; ``None`` when it cannot be read."""
    try:
        data = json.loads(raw)
        if int(data.get("version", 0)) != FORMAT_VERSION:
            return None
        visits = tuple(_visit_from_dict(v, day) for v in data.get("visits") or ())
        return SavedDayPlan(DayPlan(day, visits), frozenset(str(c) for c in data.get("dropped") or ()))
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("ignoring an unreadable saved plan for %s", day, exc_info=True)
        return None


def load_day_plan(conn: Connection, day: date) -> SavedDayPlan | None:
    """The manager's saved plan for ``day``, or ``None`` when the day was never touched."""
    raw = conn.execute(select(profile_meta.c.value).where(profile_meta.c.key == day_plan_key(day))).scalar()
    return decode_day_plan(day, raw) if raw is not None else None


def load_day_plans(conn: Connection, days: Iterable[date]) -> dict[date, SavedDayPlan]:
    """The saved plans among ``days`` (days without one are absent)."""
    wanted = {day_plan_key(d): d for d in days}
    if not wanted:
        return {}
    rows = conn.execute(select(profile_meta.c.key, profile_meta.c.value)
                        .where(profile_meta.c.key.in_(list(wanted))))
    out: dict[date, SavedDayPlan] = {}
    for key, raw in rows:
        saved = decode_day_plan(wanted[key], raw)
        if saved is not None:
            out[saved.day] = saved
    return out


def save_day_plan(conn: Connection, plan: DayPlan, dropped: Iterable[str] = ()) -> None:
    """Keep ``plan`` (in its order) and the dropped customers as the manager's plan for ``plan.day``.

    Local only: profile_meta is not journaled, a plan is one laptop's working list.
    """
    key = day_plan_key(plan.day)
    conn.execute(delete(profile_meta).where(profile_meta.c.key == key))
    conn.execute(profile_meta.insert().values(key=key, value=encode_day_plan(plan, dropped)))


def forget_day_plan(conn: Connection, day: date) -> None:
    """Drop the manager's edits for ``day``: the generated plan shows again."""
    conn.execute(delete(profile_meta).where(profile_meta.c.key == day_plan_key(day)))
