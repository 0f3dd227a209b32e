"""Process assessment of account managers and their team (the team lead's dashboard).

The lead judges *process* as well as results (see the domain notes): did each
manager visit their customers as often as the class cadence asks, did they
make the visits they planned, how well did the stores score, were follow-ups
closed on time, were complaints handled, how long did visits take, and were
records sent to the server promptly. Everything is computed here, purely, from
plain fact records the store gathers (:mod:`fieldapp.store.assessment_facts`);
nothing reads the clock: the caller passes the period and ``as_of``.

Entry points
------------
* :func:`assess` — :class:`TeamAssessment`: :class:`Figures` for each manager and
  for the team, for one :class:`~fieldapp.core.periods.Period`;
* :func:`figures_for` — :class:`Figures` of any group of managers taken together;
* :func:`trend` — one :class:`TrendPoint` per period over the last N periods (charts);
* :func:`daily_visits` — one :class:`DayPoint` per day of a period (charts).

Common rules
------------
*Judged days.* A period is judged from ``period.start`` to ``until = min(period.end,
as_of)`` (``as_of`` defaults to ``period.end``), so the current week can be shown
on Wednesday without counting Thursday as missed. Every figure below uses only
the judged days; when ``as_of`` is before the period, nothing is judged and the
figures are empty (counts 0, shares and means ``None``).

*Which visits.* Only **completed** visits with a check-in time count (a visit in
progress is not done yet). A visit belongs to the day of its check-in (the
wall-clock date of ``check_in_at`` in its own time zone, as the manager saw it).

*Credit (AB cover, AB角).* A visit is **credited** to ``on_behalf_of`` when set,
otherwise to the manager who made it (``manager_id``): visits B makes on behalf
of A count for A. For a set of managers *S* (one manager, or the whole team):

- ``visits``: completed visits credited to a manager in *S*;
- ``visits_by_others``: of those, the ones made by someone outside *S* (for a
  single manager A: the visits his backup made for him while he was on leave;
  for the team, cover *inside* the team is not "by others");
- ``visits_on_behalf``: visits made by a manager in *S* credited to someone
  outside *S* (B's visits for A show here for B, and are **not** in B's ``visits``).

All other visit-based figures (planned vs actual, scores, failed items,
durations) use the credited visits; late syncs use the visits **made** by *S*
(the laptop that recorded them is the one that synced late).

*Team figures* are the same definitions applied to the pooled set of the team's
managers, i.e. numerators and denominators are added up (a :class:`Share` or
:class:`Mean` of the team is the sum of its managers' parts and wholes, apart
from the cover correction above). A manager with 2 visits never weighs as much
as one with 200: there is no average of averages anywhere.

*Undefined is None.* A share or mean with nothing to divide by is ``None``
(``Share(0, 0).value is None``), never 0 and never a division error. Values are
not rounded; format them in the view.

The figures (for managers *S* and judged days ``start..until``)
----------------------------------------------------------------
``coverage`` — visit coverage against the class cadence. Interval *I* days per
  class from :class:`~fieldapp.core.planning.CadenceRules` (A 7, B 14, C 30). A
  customer is **covered** when it was "visited at least once per interval" all
  period long: on every judged day *d* there is a completed visit (by anyone:
  the cadence is the customer's) on a day in ``[d - I, d]``. This is "never
  overdue at the end of a day" in the planner's sense (due *I* days after the
  last visit, overdue from the day after; a visit on that day still settles
  it). It needs visits from up to *I* days before the period, and it works the
  same for a week, a 旬 and a month — a C store seen 20 days before a week is
  covered that week without a visit in it, while "ceil(days / I) visits in the
  period" would ask for a monthly store to be seen every week. Formula:
  ``coverage = covered customers / customers``, over the **active** customers
  whose current manager is in *S* (assignments are as they are now: the
  facts carry no history of reassignments). ``coverage_by_class`` splits it by
  class; ``missed`` lists the customers not covered with the first day they were
  overdue (earliest first) — "what was missed".

``planned`` / ``done_as_planned`` / ``unplanned_visits`` — planned vs actual.
  ``planned`` = distinct (manager, customer, day) plan entries of *S* on judged
  days; ``done_as_planned = planned entries with a completed visit to that
  customer on that very day (by anyone) / planned``; ``unplanned_visits`` =
  credited visits whose (customer, day) is on nobody's plan. When *S* has no
  plan entries at all, ``unplanned_visits`` is ``None`` (no plan on record is
  not the same as "everything unplanned").

``score`` — average checklist score: ``sum of scores / number of credited
  visits with a score`` (0-100; visits without a checklist have no score).

``failed_items`` — the most-failed checklist items (top ``rules.top_failed_items``):
  for each item key, the number of credited visits that failed it, and its share
  ``count / checklist visits`` (credited visits with a score or a failed item).
  Sorted by count, then by the order of the item labels given, then by key.

``follow_ups_on_time`` — follow-ups closed on time: over follow-ups owned by *S*
  (``owner_id``, else the customer's manager), **due** on a judged day, not
  cancelled (a withdrawn task is neither on time nor late):
  ``on time = status done and closed on or before the due date`` — closed on
  the due date is on time — ``/ due``. The rest of the denominator is split into
  ``follow_ups_late`` (done after the due date), ``follow_ups_open`` (still
  open) and ``follow_ups_close_unknown`` (done, closing date unknown), so
  ``on_time.part + late + open + close_unknown == on_time.whole``.

``complaints_*`` — complaints are follow-ups flagged ``is_complaint`` (created in
  a visit whose note records a complaint), owned by *S*, never cancelled ones:
  ``complaints_received`` created on a judged day; ``complaints_handled`` done
  (handled = closed) on a judged day; ``complaints_open`` open at the end of
  ``until``: created on or before ``until`` (or creation unknown) and not done
  by then (a done one without a closing date counts as done).
  ``complaints_without_follow_up``: credited visits of the judged days whose
  note records a complaint but that created no follow-up at all.

``duration_minutes`` — average visit duration in minutes over credited visits
  with both check-in and check-out times. Durations below 0 (a clock set back)
  or above ``rules.max_visit_minutes`` (default 480 = 8 h: a check-out forgotten
  until the evening) are left out and counted in ``durations_ignored``.

``late_syncs`` — records synced late: over completed visits **made** by *S* on
  judged days whose ``synced_at`` is known, ``late = synced_at - made_at >=
  rules.late_sync_days days`` (default 2 days = 48 h), where ``made_at`` is the
  check-out time (else check-in). ``late_syncs = late / known``; visits with no
  known sync time are counted in ``sync_unknown``. If exactly one of the two
  times has no time zone, both are compared as wall-clock times.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from .entities import ChecklistItem, CustomerClass, CustomerStatus, FollowUpStatus, VisitStatus
from .periods import Period, PeriodKind, last_periods
from .planning import DEFAULT_RULES, CadenceRules

# --------------------------------------------------------------------------- inputs
#
# The fact records are plain slotted dataclasses, not frozen ones: the store builds tens of
# thousands of them per refresh, and a frozen dataclass's __init__ costs about six times as
# much. Treat them as read-only: nothing here changes them, and AssessmentFacts indexes them once.


@dataclass(slots=True)
class CustomerFact:
    """A customer as the assessment needs it (current assignment and class)."""

    customer_id: str
    customer_class: CustomerClass
    manager_id: str | None
    backup_manager_id: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE


@dataclass(slots=True)
class VisitFact:
    """One visit. ``manager_id`` made it; ``on_behalf_of``: the manager it is credited to (AB cover).

    ``failed_items``: keys of the checklist items answered *fail*.
    ``has_complaint``: the visit's note records a complaint.
    ``synced_at``: when the server first held the completed visit (``None``: unknown).
    ``created_at``: when the record was created (informative).
    """

    visit_id: str
    manager_id: str | None
    customer_id: str
    customer_class: CustomerClass | None = None
    on_behalf_of: str | None = None
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None
    score: float | None = None
    failed_items: tuple[str, ...] = ()
    status: VisitStatus = VisitStatus.COMPLETED
    synced_at: datetime | None = None
    created_at: datetime | None = None
    has_complaint: bool = False

    @property
    def credited_to(self) -> str | None:
        """The manager the visit counts for: ``on_behalf_of`` when set, else the visitor."""
        return self.on_behalf_of or self.manager_id

    @property
    def day(self) -> date | None:
        return self.check_in_at.date() if self.check_in_at is not None else None

    @property
    def made_at(self) -> datetime | None:
        """When the record was finished: check-out, else check-in, else creation."""
        return self.check_out_at or self.check_in_at or self.created_at


@dataclass(slots=True)
class FollowUpFact:
    """One follow-up (待办). ``owner_id``: whose task it is (``None``: the customer's manager).

    ``created_on``: the day it was created (``None``: unknown). ``closed_on``: the
    day it was done or cancelled (``None``: still open, or the date is unknown).
    ``is_complaint``: it answers a complaint. ``visit_id``: the visit that created it.
    """

    follow_up_id: str
    customer_id: str
    owner_id: str | None
    due_date: date | None
    status: FollowUpStatus = FollowUpStatus.OPEN
    created_on: date | None = None
    closed_on: date | None = None
    is_complaint: bool = False
    visit_id: str | None = None


@dataclass(slots=True)
class PlannedFact:
    """A visit a manager planned: customer and day."""

    manager_id: str
    customer_id: str
    day: date


def _tuple(values) -> tuple:
    return values if isinstance(values, tuple) else tuple(values)


@dataclass(frozen=True, eq=False)
class AssessmentFacts:
    """Everything :func:`assess` looks at. ``items``: checklist items (any template
    version) naming the failed item keys; their order breaks ties in ``failed_items``.

    Build it once (per sync, say) and reuse it for every period and chart: the
    indexes it needs are built on first use and kept, so a second :func:`assess`
    on the same facts costs only the figures. Compared by identity.
    """

    customers: tuple[CustomerFact, ...] = ()
    visits: tuple[VisitFact, ...] = ()
    follow_ups: tuple[FollowUpFact, ...] = ()
    planned: tuple[PlannedFact, ...] = ()
    items: tuple[ChecklistItem, ...] = ()

    def __post_init__(self) -> None:
        for name in ("customers", "visits", "follow_ups", "planned", "items"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))

    def manager_ids(self) -> tuple[str, ...]:
        """Managers that have customers, sorted (the default team)."""
        return tuple(sorted({c.manager_id for c in self.customers if c.manager_id}))

    @cached_property
    def _index(self) -> "_Index":
        return _Index(self)


@dataclass(frozen=True)
class AssessmentRules:
    """Settings of the assessment. ``cadence`` supplies the class intervals."""

    cadence: CadenceRules = DEFAULT_RULES
    #: A record synced this many days (or more) after it was made is late.
    late_sync_days: float = 2
    #: Visits longer than this (minutes) are left out of the average duration.
    max_visit_minutes: float = 480
    #: How many of the most-failed items to list.
    top_failed_items: int = 5

    def __post_init__(self) -> None:
        if self.late_sync_days < 0 or self.max_visit_minutes <= 0 or self.top_failed_items < 0:
            raise ValueError("late_sync_days >= 0, max_visit_minutes > 0 and top_failed_items >= 0 are required")

    @property
    def lookback_days(self) -> int:
        """How many days before a period the coverage needs visits from (the longest interval)."""
        return max(self.cadence.interval_days.values())


DEFAULT_ASSESSMENT_RULES = AssessmentRules()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Share:
    """``part`` out of ``whole``. ``value`` is ``None`` when ``whole`` is 0. Shares add up
    part by part, which is how team figures weigh their managers."""

    part: int = 0
    whole: int = 0

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> float | None:
        return 100.0 * self.part / self.whole if self.whole else None

    def __add__(self, other: "Share") -> "Share":
        return Share(self.part + other.part, self.whole + other.whole)


@dataclass(frozen=True, slots=True)
class Mean:
    """``total / count``; ``value`` is ``None`` when ``count`` is 0. Means add up as sums and counts."""

    total: float = 0.0
    count: int = 0

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count else None

    def __add__(self, other: "Mean") -> "Mean":
        return Mean(self.total + other.total, self.count + other.count)


@dataclass(frozen=True, slots=True)
class CustomerCoverage:
    """One customer's cadence over the judged days. ``overdue_from``: first day it was
    overdue (``None`` when covered); ``visits``: completed visits on judged days."""

    customer_id: str
    customer_class: CustomerClass
    manager_id: str | None
    interval_days: int
    visits: int
    overdue_from: date | None

    @property
    def covered(self) -> bool:
        return self.overdue_from is None


@dataclass(frozen=True, slots=True)
class FailedItemCount:
    """How often an item failed: ``count`` visits; ``share`` = count / checklist visits."""

    key: str
    label_zh: str
    label_en: str
    share: Share

    @property
    def count(self) -> int:
        return self.share.part


@dataclass(frozen=True)
class Figures:
    """The assessment of managers ``manager_ids`` (one manager, or the team) for ``period``.

    See the module docstring for the exact definition of every field.
    ``until``: the last judged day (``None`` when ``as_of`` is before the period).
    """

    period: Period
    manager_ids: tuple[str, ...]
    until: date | None
    customers: int
    coverage: Share
    coverage_by_class: Mapping[CustomerClass, Share]
    missed: tuple[CustomerCoverage, ...]
    visits: int
    visits_by_others: int
    visits_on_behalf: int
    planned: int
    done_as_planned: Share
    unplanned_visits: int | None
    score: Mean
    failed_items: tuple[FailedItemCount, ...]
    checklist_visits: int
    follow_ups_on_time: Share
    follow_ups_late: int
    follow_ups_open: int
    follow_ups_close_unknown: int
    complaints_received: int
    complaints_handled: int
    complaints_open: int
    complaints_without_follow_up: int
    duration_minutes: Mean
    durations_ignored: int
    late_syncs: Share
    sync_unknown: int

    @property
    def manager_id(self) -> str | None:
        """The manager, for the figures of one manager; ``None`` for a team."""
        return self.manager_ids[0] if len(self.manager_ids) == 1 else None


@dataclass(frozen=True)
class TeamAssessment:
    """Figures per manager (in the order asked) and for the whole team, for one period."""

    period: Period
    as_of: date
    team: Figures
    managers: tuple[Figures, ...]

    def manager(self, manager_id: str) -> Figures:
        for figures in self.managers:
            if figures.manager_ids == (manager_id,):
                return figures
        raise KeyError(manager_id)


@dataclass(frozen=True)
class TrendPoint:
    """The main team figures of one period, for trend charts."""

    period: Period
    visits: int
    coverage: Share
    score: Mean
    follow_ups_on_time: Share
    duration_minutes: Mean
    late_syncs: Share


@dataclass(frozen=True, slots=True)
class DayPoint:
    """Completed visits credited to the managers on one day, and their average score."""

    day: date
    visits: int
    score: Mean


# --------------------------------------------------------------------------- index


def _delta(later: datetime, earlier: datetime) -> timedelta:
    if (later.tzinfo is None) != (earlier.tzinfo is None):
        later, earlier = later.replace(tzinfo=None), earlier.replace(tzinfo=None)
    return later - earlier


def _minutes(end: datetime | None, start: datetime) -> float | None:
    return _delta(end, start).total_seconds() / 60.0 if end is not None else None


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return _delta(later, earlier).total_seconds()


class _Bucket:
    """Items in day order with their day ordinals alongside, sliced by a day range with bisect."""

    __slots__ = ("days", "items", "values")

    def __init__(self) -> None:
        self.days: list[int] = []
        self.items: list = []
        self.values: list = []  # one derived value per item, computed once (duration, sync delay)

    @classmethod
    def of(cls, positions: list[int], days: list[int], items: list, values: list) -> "_Bucket":
        bucket = cls()
        bucket.days = [days[k] for k in positions]
        bucket.items = [items[k] for k in positions]
        bucket.values = [values[k] for k in positions]
        return bucket

    def bounds(self, first: int, last: int) -> tuple[int, int]:
        return bisect_left(self.days, first), bisect_right(self.days, last)


def _bucket(buckets: dict, key) -> _Bucket:
    bucket = buckets.get(key)
    if bucket is None:
        bucket = buckets[key] = _Bucket()
    return bucket


class _Index:
    """Lookups built once per :class:`AssessmentFacts`.

    Built for a team's half year (tens of thousands of visits) on every
    dashboard refresh, so it allocates as few objects as it can: parallel lists
    of day ordinals and facts rather than tuples per visit.
    """

    def __init__(self, facts: AssessmentFacts):
        completed = VisitStatus.COMPLETED
        visits = [v for v in facts.visits if v.status is completed and v.check_in_at is not None]
        days = [v.check_in_at.toordinal() for v in visits]
        order = sorted(range(len(visits)), key=days.__getitem__)
        visits = [visits[k] for k in order]
        days = [days[k] for k in order]
        minutes = [_minutes(v.check_out_at, v.check_in_at) for v in visits]
        delays = [_seconds(v.synced_at, v.check_out_at or v.check_in_at) for v in visits]
        by_credited: dict[str | None, list[int]] = {}
        by_maker: dict[str | None, list[int]] = {}
        #: customer id -> sorted days of its completed visits (by anyone)
        self.customer_days: dict[str, list[int]] = {}
        for k, visit in enumerate(visits):
            by_credited.setdefault(visit.on_behalf_of or visit.manager_id, []).append(k)
            by_maker.setdefault(visit.manager_id, []).append(k)
            self.customer_days.setdefault(visit.customer_id, []).append(days[k])
        self.credited = {who: _Bucket.of(ks, days, visits, minutes) for who, ks in by_credited.items()}
        self.made = {who: _Bucket.of(ks, days, visits, delays) for who, ks in by_maker.items()}

        self.customers_of: dict[str, list[CustomerFact]] = {}
        manager_of: dict[str, str | None] = {}
        active = CustomerStatus.ACTIVE
        for customer in facts.customers:
            manager_of[customer.customer_id] = customer.manager_id
            if customer.status is active and customer.manager_id:
                self.customers_of.setdefault(customer.manager_id, []).append(customer)

        self.due_of: dict[str | None, _Bucket] = {}
        self.complaints_of: dict[str | None, list[FollowUpFact]] = {}
        self.follow_up_visits: set[str] = set()
        for fu in sorted((f for f in facts.follow_ups if f.due_date is not None), key=lambda f: f.due_date):
            bucket = _bucket(self.due_of, fu.owner_id or manager_of.get(fu.customer_id))
            bucket.days.append(fu.due_date.toordinal())
            bucket.items.append(fu)
        for fu in facts.follow_ups:
            if fu.is_complaint:
                self.complaints_of.setdefault(fu.owner_id or manager_of.get(fu.customer_id), []).append(fu)
            if fu.visit_id:
                self.follow_up_visits.add(fu.visit_id)

        #: manager -> day ordinal -> customers planned (distinct entries); day -> customers on anyone's plan
        self.planned_of: dict[str, dict[int, set[str]]] = {}
        self.planned_on: dict[int, set[str]] = {}
        for plan in facts.planned:
            day = plan.day.toordinal()
            self.planned_of.setdefault(plan.manager_id, {}).setdefault(day, set()).add(plan.customer_id)
            self.planned_on.setdefault(day, set()).add(plan.customer_id)

        self.item_order: dict[str, tuple[int, ChecklistItem]] = {}
        for position, item in enumerate(facts.items):
            self.item_order[item.key] = (self.item_order.get(item.key, (position,))[0], item)


# --------------------------------------------------------------------------- computation


def _coverage(days: Sequence[int], first: int, last: int, interval: int) -> tuple[int, int | None]:
    """(visits on first..last, first overdue day ordinal or None) for one customer's sorted visit days."""
    start = bisect_right(days, first)  # days[start - 1] is the last visit on or before ``first``
    end = bisect_right(days, last)
    visits = end - bisect_left(days, first, 0, start)
    previous = days[start - 1] if start > 0 else None
    if previous is None or previous < first - interval:
        return visits, first
    for k in range(start, end):
        # Days previous + interval + 1 .. days[k] - 1 have no visit in their window.
        if days[k] - previous > interval + 1:
            return visits, previous + interval + 1
        previous = days[k]
    if last - previous > interval:
        return visits, previous + interval + 1
    return visits, None


def _has_day(days: Sequence[int] | None, day: int) -> bool:
    if not days:
        return False
    k = bisect_left(days, day)
    return k < len(days) and days[k] == day


def _figures(index: _Index, period: Period, managers: tuple[str, ...], until: date | None,
             rules: AssessmentRules, *, detail: bool = True) -> Figures:
    """The figures of ``managers`` taken together. With ``detail=False`` (trends) the
    missed customers, plan entries, failed items and complaints are not computed
    and are left empty/0: only the fields a :class:`TrendPoint` takes are right."""
    members = set(managers)
    first = period.start.toordinal()
    last = until.toordinal() if until is not None else first - 1  # empty range when nothing is judged
    judged = last >= first

    # Coverage of the managers' active customers.
    cadence = rules.cadence
    intervals: dict[CustomerClass, int] = {}
    covered_n: dict[CustomerClass, int] = {}
    total_n: dict[CustomerClass, int] = {}
    missed: list[CustomerCoverage] = []
    if judged:
        customer_days = index.customer_days
        no_days: list[int] = []
        for manager in managers:
            for customer in index.customers_of.get(manager, ()):
                klass = customer.customer_class
                interval = intervals.get(klass)
                if interval is None:
                    interval = intervals[klass] = cadence.interval_for(klass)
                total_n[klass] = total_n.get(klass, 0) + 1
                visits_in, overdue = _coverage(customer_days.get(customer.customer_id, no_days), first, last,
                                               interval)
                if overdue is None:
                    covered_n[klass] = covered_n.get(klass, 0) + 1
                elif detail:
                    missed.append(CustomerCoverage(customer.customer_id, klass, manager, interval, visits_in,
                                                   date.fromordinal(overdue)))
    missed.sort(key=lambda c: (c.overdue_from, c.manager_id or "", c.customer_id))
    by_class = {klass: Share(covered_n.get(klass, 0), total_n[klass]) for klass in CustomerClass if klass in total_n}
    for klass in total_n:  # classes this version does not know, last
        by_class.setdefault(klass, Share(covered_n.get(klass, 0), total_n[klass]))
    customers = sum(total_n.values())
    coverage = Share(sum(covered_n.values()), customers)

    # Credited visits.
    visits = by_others = unplanned = checklist_visits = ignored = without_follow_up = 0
    score_total, score_count = 0.0, 0
    duration_total, duration_count = 0.0, 0
    failed: dict[str, int] = {}
    max_minutes = rules.max_visit_minutes
    has_plan = detail and any(m in index.planned_of for m in managers)
    planned_on = index.planned_on
    follow_up_visits = index.follow_up_visits
    for manager in managers:
        bucket = index.credited.get(manager)
        if bucket is None:
            continue
        lo, hi = bucket.bounds(first, last)
        days, items, durations = bucket.days, bucket.items, bucket.values
        visits += hi - lo
        for k in range(lo, hi):
            visit = items[k]
            if visit.manager_id not in members:
                by_others += 1
            score = visit.score
            if score is not None:
                score_total += score
                score_count += 1
            if detail:
                if has_plan and visit.customer_id not in planned_on.get(days[k], ()):
                    unplanned += 1
                if score is not None or visit.failed_items:
                    checklist_visits += 1
                    for key in set(visit.failed_items):
                        failed[key] = failed.get(key, 0) + 1
                if visit.has_complaint and visit.visit_id not in follow_up_visits:
                    without_follow_up += 1
            minutes = durations[k]
            if minutes is not None:
                if 0 <= minutes <= max_minutes:
                    duration_total += minutes
                    duration_count += 1
                else:
                    ignored += 1

    # Visits made by the managers: on behalf of others, and sync delays.
    on_behalf = late = known = unknown = 0
    late_after = timedelta(days=rules.late_sync_days).total_seconds()
    for manager in managers:
        bucket = index.made.get(manager)
        if bucket is None:
            continue
        lo, hi = bucket.bounds(first, last)
        items, delays = bucket.items, bucket.values
        for k in range(lo, hi):
            visit = items[k]
            if (visit.on_behalf_of or visit.manager_id) not in members:
                on_behalf += 1
            delay = delays[k]
            if delay is None:
                unknown += 1
            else:
                known += 1
                if delay >= late_after:
                    late += 1

    # Plan entries.
    planned = done_planned = 0
    if detail:
        customer_days = index.customer_days
        for manager in managers:
            by_day = index.planned_of.get(manager)
            if not by_day:
                continue
            for day in range(first, last + 1):
                for customer_id in by_day.get(day, ()):
                    planned += 1
                    if _has_day(customer_days.get(customer_id), day):
                        done_planned += 1

    # Follow-ups due on judged days.
    on_time = late_fu = open_fu = close_unknown = 0
    cancelled, still_open = FollowUpStatus.CANCELLED, FollowUpStatus.OPEN
    for manager in managers:
        bucket = index.due_of.get(manager)
        if bucket is None:
            continue
        lo, hi = bucket.bounds(first, last)
        for fu in bucket.items[lo:hi]:
            if fu.status is cancelled:
                continue
            if fu.status is still_open:
                open_fu += 1
            elif fu.closed_on is None:
                close_unknown += 1
            elif fu.closed_on <= fu.due_date:
                on_time += 1
            else:
                late_fu += 1

    # Complaints.
    received = handled = complaints_open = 0
    if detail:
        for manager in managers:
            for fu in index.complaints_of.get(manager, ()):
                if fu.status is cancelled:
                    continue
                created = fu.created_on.toordinal() if fu.created_on is not None else None
                closed = fu.closed_on.toordinal() if fu.closed_on is not None else None
                if created is not None and first <= created <= last:
                    received += 1
                done = fu.status is FollowUpStatus.DONE
                if done and closed is not None and first <= closed <= last:
                    handled += 1
                if judged and (created is None or created <= last) and not (
                        done and (closed is None or closed <= last)):
                    complaints_open += 1

    failed_items = []
    if failed:
        order = index.item_order
        top = sorted(failed.items(), key=lambda kv: (-kv[1], order.get(kv[0], (math.inf,))[0], kv[0]))
        for key, count in top[:rules.top_failed_items]:
            item = order.get(key, (None, None))[1]
            label_zh = (item.label_zh or item.label_en) if item is not None else key
            label_en = (item.label_en or item.label_zh) if item is not None else key
            failed_items.append(FailedItemCount(key, label_zh or key, label_en or key, Share(count, checklist_visits)))

    return Figures(
        period=period, manager_ids=managers, until=until if judged else None, customers=customers,
        coverage=coverage, coverage_by_class=MappingProxyType(by_class), missed=tuple(missed),
        visits=visits, visits_by_others=by_others, visits_on_behalf=on_behalf,
        planned=planned, done_as_planned=Share(done_planned, planned), unplanned_visits=unplanned if has_plan else None,
        score=Mean(score_total, score_count), failed_items=tuple(failed_items), checklist_visits=checklist_visits,
        follow_ups_on_time=Share(on_time, on_time + late_fu + open_fu + close_unknown), follow_ups_late=late_fu,
        follow_ups_open=open_fu, follow_ups_close_unknown=close_unknown,
        complaints_received=received, complaints_handled=handled, complaints_open=complaints_open,
        complaints_without_follow_up=without_follow_up,
        duration_minutes=Mean(duration_total, duration_count), durations_ignored=ignored,
        late_syncs=Share(late, known), sync_unknown=unknown,
    )


def _until(period: Period, as_of: date | None) -> date | None:
    if as_of is None or as_of >= period.end:
        return period.end
    return as_of if as_of >= period.start else None


def _team(facts: AssessmentFacts, manager_ids: Iterable[str] | None) -> tuple[str, ...]:
    if manager_ids is None:
        return facts.manager_ids()
    seen: dict[str, None] = {}
    for manager in manager_ids:
        seen.setdefault(manager, None)
    return tuple(seen)


def assess(facts: AssessmentFacts, period: Period, manager_ids: Iterable[str] | None = None, *,
           as_of: date | None = None, rules: AssessmentRules = DEFAULT_ASSESSMENT_RULES) -> TeamAssessment:
    """Figures of each manager in ``manager_ids`` (default: every manager with customers)
    and of them as a team, for ``period`` judged up to ``as_of`` (default: the period's end).

    ``facts`` must hold visits from ``rules.lookback_days`` before the period on,
    or coverage will report customers overdue that were not.
    """
    team = _team(facts, manager_ids)
    until = _until(period, as_of)
    index = facts._index
    managers = tuple(_figures(index, period, (m,), until, rules) for m in team)
    return TeamAssessment(period, as_of if as_of is not None else period.end,
                          _figures(index, period, team, until, rules), managers)


def figures_for(facts: AssessmentFacts, period: Period, manager_ids: Iterable[str], *,
                as_of: date | None = None, rules: AssessmentRules = DEFAULT_ASSESSMENT_RULES) -> Figures:
    """The figures of ``manager_ids`` taken together (one manager, a team, or any group)."""
    return _figures(facts._index, period, _team(facts, manager_ids), _until(period, as_of), rules)


def trend(facts: AssessmentFacts, kind: PeriodKind | str, as_of: date, count: int,
          manager_ids: Iterable[str] | None = None, *,
          rules: AssessmentRules = DEFAULT_ASSESSMENT_RULES) -> tuple[TrendPoint, ...]:
    """The team's main figures for the ``count`` periods of ``kind`` ending with the one
    containing ``as_of``, oldest first (the last one judged up to ``as_of``)."""
    team = _team(facts, manager_ids)
    index = facts._index
    points = []
    for period in last_periods(kind, as_of, count):
        f = _figures(index, period, team, _until(period, as_of), rules, detail=False)
        points.append(TrendPoint(period, f.visits, f.coverage, f.score, f.follow_ups_on_time, f.duration_minutes,
                                 f.late_syncs))
    return tuple(points)


def daily_visits(facts: AssessmentFacts, period: Period, manager_ids: Iterable[str] | None = None, *,
                 as_of: date | None = None) -> tuple[DayPoint, ...]:
    """Completed visits credited to ``manager_ids`` on each day of ``period`` (days after
    ``as_of`` left out), zeros included, with each day's average score."""
    team = _team(facts, manager_ids)
    until = _until(period, as_of)
    if until is None:
        return ()
    first, last = period.start.toordinal(), until.toordinal()
    counts = [0] * (last - first + 1)
    totals = [0.0] * len(counts)
    scored = [0] * len(counts)
    index = facts._index
    for manager in team:
        bucket = index.credited.get(manager)
        if bucket is None:
            continue
        lo, hi = bucket.bounds(first, last)
        for k in range(lo, hi):
            slot = bucket.days[k] - first
            counts[slot] += 1
            score = bucket.items[k].score
            if score is not None:
                totals[slot] += score
                scored[slot] += 1
    return tuple(DayPoint(date.fromordinal(first + k), counts[k], Mean(totals[k], scored[k]))
                 for k in range(len(counts)))


__all__ = [
    "AssessmentFacts", "AssessmentRules", "CustomerCoverage", "CustomerFact", "DEFAULT_ASSESSMENT_RULES", "DayPoint",
    "FailedItemCount", "Figures", "FollowUpFact", "Mean", "PlannedFact", "Share", "TeamAssessment", "TrendPoint",
    "VisitFact", "assess", "daily_visits", "figures_for", "trend",
]
