"""The plan the manager sees: the generated plan merged with the days they fixed by hand.

Pure functions, no Qt and no SQL: :func:`merged_plan` runs on the DB worker
with facts read by :mod:`fieldapp.store.planning_facts` and the saved days of
:mod:`fieldapp.store.day_plans`; the plan view's edits (:func:`edit_add`,
:func:`edit_drop`, :func:`edit_move`, :func:`edit_route`) are cheap enough for
the UI thread and produce the day to save.

Merging rules (see :mod:`fieldapp.store.day_plans` for what a saved day is):

- A saved day keeps its visits in its order. Each keeps its saved reasons
  unless the planner has a current reason that asks for a visit (then those
  fresh reasons are shown, with the manual reason kept) — so a reason reflects
  today's facts, but a store visited this morning still says why it was planned.
- Customers the planner wants on a saved day that are not on it yet appear at
  the end, flagged :attr:`PlanRow.new` (a warning that came up since).
- A customer dropped from a day is moved to the next day of the horizon that
  did not drop it too (or leaves the plan when there is none).
- Today's visits are marked on today's rows; a customer visited today but not
  planned (started from the customer file) is listed at the end of today.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping, Sequence

from fieldapp.core.entities import Visit, VisitStatus
from fieldapp.core.planning import (
    DEFAULT_RULES,
    CadenceRules,
    CustomerPlanningFacts,
    DayPlan,
    PlannedVisit,
    ReasonKind,
    add_manual_visit,
    build_plan,
    customer_reasons,
    drop_visit,
    horizon,
    move_visit,
    route_day,
)
from fieldapp.core.routing import haversine_km, position_of, route_length_km
from fieldapp.store.day_plans import SavedDayPlan


@dataclass(frozen=True)
class VisitMark:
    """A visit made today at a planned customer (the row is ticked off)."""

    visit_id: str
    status: VisitStatus
    score: float | None
    check_in_at: datetime | None


@dataclass(frozen=True)
class PlanDay:
    """One day of the merged plan."""

    day: date
    plan: DayPlan
    saved: bool = False
    dropped: frozenset[str] = frozenset()
    new_ids: frozenset[str] = frozenset()  # planned since the day was fixed
    unplanned_ids: frozenset[str] = frozenset()  # visited today without being planned
    marks: Mapping[str, VisitMark] = field(default_factory=dict)

    @property
    def visits(self) -> tuple[PlannedVisit, ...]:
        return self.plan.visits


@dataclass(frozen=True)
class MergedPlan:
    today: date
    days: tuple[PlanDay, ...]
    unplaced: tuple[PlannedVisit, ...] = ()

    def day(self, day: date) -> PlanDay | None:
        return next((d for d in self.days if d.day == day), None)


def _real(reasons) -> bool:
    return any(r.wanted_from is not None for r in reasons)


def _refreshed(visit: PlannedVisit, facts: CustomerPlanningFacts | None, today: date, rules: CadenceRules
               ) -> PlannedVisit:
    """A saved visit with its current reasons when the planner still has a real one."""
    if facts is None:
        return visit
    fresh = customer_reasons(facts, today, until=max(visit.day, today), rules=rules)
    if not _real(fresh):
        return visit
    manual = tuple(r for r in visit.reasons if r.kind is ReasonKind.MANUAL)
    reasons = manual + tuple(fresh)
    priority = sum(r.weight for r in reasons) + rules.class_bonus.get(facts.customer_class, 0)
    return replace(visit, reasons=reasons, priority=priority, store_name=facts.store_name or visit.store_name,
                   customer_class=facts.customer_class, latitude=facts.latitude, longitude=facts.longitude)


def merged_plan(facts: Sequence[CustomerPlanningFacts], today: date, *, horizon_days: int = 1,
                saved: Mapping[date, SavedDayPlan] | None = None, visits_today: Iterable[Visit] = (),
                rules: CadenceRules = DEFAULT_RULES) -> MergedPlan:
    """The plan for ``today`` and the following ``horizon_days - 1`` days (see the module docstring)."""
    saved = dict(saved or {})
    until = today + timedelta(days=horizon_days - 1)
    saved = {d: s for d, s in saved.items() if today <= d <= until}
    facts_by_id = {f.customer_id: f for f in facts}
    days = list(horizon(today, horizon_days, rules))
    for d in saved:
        if d not in days:
            days.append(d)
    days.sort()
    fixed = [v for d in sorted(saved) for v in saved[d].plan.visits]
    result = build_plan(facts, today, horizon_days=horizon_days, rules=rules, fixed=fixed)

    saved_ids = {d: {v.customer_id for v in s.plan.visits} for d, s in saved.items()}
    generated: dict[date, list[PlannedVisit]] = {d: [] for d in days}
    for visit in result.visits:
        if visit.customer_id in saved_ids.get(visit.day, ()):
            continue  # a fixed visit: listed from its saved day below
        generated.setdefault(visit.day, []).append(visit)

    # Dropped customers move on to the next day that did not drop them.
    for index, d in enumerate(days):
        dropped = saved[d].dropped if d in saved else frozenset()
        keep = []
        for visit in generated.get(d, []):
            if visit.customer_id not in dropped:
                keep.append(visit)
                continue
            target = next((later for later in days[index + 1:]
                           if visit.customer_id not in (saved[later].dropped if later in saved else ())
                           and visit.customer_id not in saved_ids.get(later, ())), None)
            if target is not None:
                generated.setdefault(target, []).append(replace(visit, day=target))
        generated[d] = keep

    marks: dict[str, VisitMark] = {}
    for visit in sorted(visits_today, key=lambda v: (v.check_in_at is None, v.check_in_at or datetime.min)):
        # The latest visit of the day wins (a second visit after a discarded one).
        marks[visit.customer_id] = VisitMark(visit.id, visit.status, visit.score, visit.check_in_at)

    out: list[PlanDay] = []
    for d in days:
        if d in saved:
            visits = [_refreshed(v, facts_by_id.get(v.customer_id), today, rules) for v in saved[d].plan.visits]
            new = [v for v in generated.get(d, [])]
            visits += new
            new_ids = frozenset(v.customer_id for v in new)
        else:
            visits = list(generated.get(d, []))
            new_ids = frozenset()
        unplanned: set[str] = set()
        day_marks: dict[str, VisitMark] = {}
        if d == today:
            on_day = {v.customer_id for v in visits}
            elsewhere = {v.customer_id: (pd, v) for pd, vs in generated.items() if pd != d for v in vs}
            for customer_id, mark in marks.items():
                day_marks[customer_id] = mark
                if customer_id in on_day:
                    continue
                if customer_id in elsewhere:  # visited today although planned later this week
                    pd, moved = elsewhere[customer_id]
                    generated[pd] = [v for v in generated[pd] if v.customer_id != customer_id]
                    visits.append(replace(moved, day=d))
                    continue
                f = facts_by_id.get(customer_id)
                visits.append(PlannedVisit(customer_id, d, 0, (), f.store_name if f else "",
                                           f.customer_class if f else None,
                                           f.latitude if f else None, f.longitude if f else None))
                unplanned.add(customer_id)
        out.append(PlanDay(d, DayPlan(d, tuple(visits)), d in saved,
                           saved[d].dropped if d in saved else frozenset(), new_ids, frozenset(unplanned),
                           day_marks))
    # A later day may have lost a customer visited today: rebuild those days' plans.
    final = []
    for day in out:
        if day.day != today and not day.saved:
            day = replace(day, plan=DayPlan(day.day, tuple(generated.get(day.day, []))))
        final.append(day)
    return MergedPlan(today, tuple(final), tuple(result.unplaced))


# --- the manager's edits (UI thread: pure and fast) ---------------------------


def edit_add(day: PlanDay, facts: CustomerPlanningFacts, today: date, *, note: str = "",
             rules: CadenceRules = DEFAULT_RULES) -> PlanDay:
    """``day`` with ``facts``' customer added by hand (at the end, or marked manual where it is).

    A customer added by hand also shows the planner's current reasons, so
    the list still says everything known about it.
    """
    plan = add_manual_visit(day.plan, facts, note=note, rules=rules)
    index = plan.index_of(facts.customer_id)
    visit = plan.visits[index]
    known = {r.kind for r in visit.reasons}
    extra = tuple(r for r in customer_reasons(facts, today, until=max(day.day, today), rules=rules)
                  if r.kind not in known)
    if extra:
        visits = list(plan.visits)
        visits[index] = replace(visit, reasons=visit.reasons + extra,
                                priority=visit.priority + sum(r.weight for r in extra))
        plan = DayPlan(plan.day, tuple(visits))
    return replace(day, plan=plan, saved=True, dropped=day.dropped - {facts.customer_id},
                   unplanned_ids=day.unplanned_ids - {facts.customer_id})


def edit_drop(day: PlanDay, customer_id: str) -> PlanDay:
    return replace(day, plan=drop_visit(day.plan, customer_id), saved=True, dropped=day.dropped | {customer_id},
                   new_ids=day.new_ids - {customer_id})


def edit_move(day: PlanDay, customer_id: str, new_index: int) -> PlanDay:
    return replace(day, plan=move_visit(day.plan, customer_id, new_index), saved=True)


def edit_route(day: PlanDay) -> PlanDay:
    """The day's visits ordered into a short route; visits already made keep their place first."""
    done = [v for v in day.plan.visits if v.customer_id in day.marks]
    todo = DayPlan(day.day, tuple(v for v in day.plan.visits if v.customer_id not in day.marks))
    start = None
    for visit in reversed(done):
        start = position_of(visit)
        if start is not None:
            break
    routed = route_day(todo, start)
    return replace(day, plan=DayPlan(day.day, tuple(done) + routed.visits), saved=True)


def leg_distances(visits: Sequence[PlannedVisit]) -> list[float | None]:
    """Km from the previous positioned stop to each stop (``None``: first stop, or no position)."""
    out: list[float | None] = []
    previous = None
    for visit in visits:
        here = position_of(visit)
        if here is None:
            out.append(None)
            continue
        out.append(haversine_km(previous, here) if previous is not None else None)
        previous = here
    return out


def route_summary(visits: Sequence[PlannedVisit]) -> tuple[int, float]:
    """(number of stops with a position, length in km of visiting them in this order)."""
    positioned = [v for v in visits if position_of(v) is not None]
    return len(positioned), route_length_km(positioned)
