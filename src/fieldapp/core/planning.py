"""Visit planning ("intelligent dispatch"): who to visit, on which day, and why.

The plan comes from two sources (see docs/domain notes):

* **cadence**: every class has a visit interval (A weekly, B fortnightly,
  C monthly by default). A customer is *due* ``interval`` days after the last
  visit and *overdue* from the day after.
* **early warnings** pull a customer forward even when the cadence is not due:
  failed checklist items at the last visit (recheck after a week), an open
  complaint, an open follow-up that is due, a licence about to expire, orders
  that fell well below the customer's own average.

Every :class:`PlannedVisit` carries its :class:`PlanReason` list, each with a
translatable :class:`~fieldapp.core.messages.Message` giving the specifics, so
the account manager (and the team lead) can see *why* a visit is on the plan.

Everything here is pure and deterministic: the caller passes ``today``; the
inputs are plain facts (:class:`CustomerPlanningFacts`) gathered by the store,
for instance with :func:`facts_from_records`.

Scheduling over a horizon (1 day for "today", 7 for "this week")
------------------------------------------------------------------
Each customer gets one *wanted day*: the earliest day any of its reasons asks
for a visit, never before ``last visit + min_days_between_visits``. Customers
whose wanted day falls inside the horizon are candidates. Candidates are placed
most urgent first (highest :attr:`PlannedVisit.priority`) on their wanted day,
or the next working day with spare capacity, or failing that the closest
earlier one; a wanted day that is not a working day becomes the working day
before it (or after it when that is in the past). Candidates that do not fit
are reported in :attr:`PlanResult.unplaced`. A customer is never planned twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from .entities import (
    AnswerResult,
    ChecklistAnswer,
    ChecklistTemplate,
    Customer,
    CustomerClass,
    CustomerStatus,
    FollowUp,
    FollowUpStatus,
    LabelledEnum,
    Visit,
)
from .messages import QT_TRANSLATE_NOOP, Message
from .routing import LatLon, order_route

CTX = "Planning"


class ReasonKind(LabelledEnum):
    """Why a visit is planned. The order of members is the display order on ties."""

    MANUAL = ("manual", QT_TRANSLATE_NOOP("Enum", "Added by hand"))
    OPEN_COMPLAINT = ("open_complaint", QT_TRANSLATE_NOOP("Enum", "Open complaint"))
    LICENCE_EXPIRING = ("licence_expiring", QT_TRANSLATE_NOOP("Enum", "Licence expiring"))
    OVERDUE = ("overdue", QT_TRANSLATE_NOOP("Enum", "Visit overdue"))
    FAILED_ITEMS = ("failed_items", QT_TRANSLATE_NOOP("Enum", "Failed checklist items"))
    OPEN_FOLLOW_UP = ("open_follow_up", QT_TRANSLATE_NOOP("Enum", "Open follow-up"))
    ORDERS_DROPPING = ("orders_dropping", QT_TRANSLATE_NOOP("Enum", "Orders dropping"))
    CADENCE_DUE = ("cadence_due", QT_TRANSLATE_NOOP("Enum", "Regular visit due"))


_KIND_ORDER = {kind: n for n, kind in enumerate(ReasonKind)}


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class CadenceRules:
    """The planning rules. Defaults follow common practice; IT may configure them.

    Priority weights: a visit's priority is the sum of its reasons' weights plus
    the class bonus; some reasons add a bounded extra for severity (days
    overdue, days left on the licence, size of the order drop, number of failed
    items, an overdue follow-up).
    """

    interval_days: Mapping[CustomerClass, int] = field(default_factory=lambda: _frozen(
        {CustomerClass.A: 7, CustomerClass.B: 14, CustomerClass.C: 30}))
    #: A licence expiring within this many days (or already expired) pulls the customer forward.
    licence_warning_days: int = 30
    #: Items failed at the last visit are rechecked this many days after it (unless the cadence is sooner).
    failed_recheck_days: int = 7
    #: Orders of the last complete month strictly below this percentage of the customer's own average warn.
    orders_drop_percent: float = 70.0
    #: The average is taken over this many months before the last complete month...
    orders_baseline_months: int = 6
    #: ...and needs at least this many of them on record (a new store has no "normal" yet).
    orders_min_history_months: int = 3
    #: Customers averaging fewer cartons than this are too small for the drop to mean anything.
    orders_min_average: float = 1.0
    #: Nothing is planned sooner than this many days after the last visit (1: not twice on one day).
    min_days_between_visits: int = 1
    max_visits_per_day: int = 25
    #: Monday = 0 ... Sunday = 6. If no day of the horizon is a working day, every day is used.
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    priority_weights: Mapping[ReasonKind, int] = field(default_factory=lambda: _frozen({
        ReasonKind.MANUAL: 100,
        ReasonKind.OPEN_COMPLAINT: 60,
        ReasonKind.LICENCE_EXPIRING: 40,
        ReasonKind.OVERDUE: 30,
        ReasonKind.FAILED_ITEMS: 25,
        ReasonKind.OPEN_FOLLOW_UP: 20,
        ReasonKind.ORDERS_DROPPING: 20,
        ReasonKind.CADENCE_DUE: 10,
    }))
    class_bonus: Mapping[CustomerClass, int] = field(default_factory=lambda: _frozen(
        {CustomerClass.A: 3, CustomerClass.B: 2, CustomerClass.C: 1}))

    def __post_init__(self) -> None:
        # Copy the mappings so a caller's dict changed later cannot change these rules.
        for name in ("interval_days", "priority_weights", "class_bonus"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "working_weekdays", frozenset(self.working_weekdays))
        if not self.interval_days or any(days < 1 for days in self.interval_days.values()):
            raise ValueError("visit intervals must be at least 1 day")
        if self.max_visits_per_day < 1:
            raise ValueError("max_visits_per_day must be at least 1")
        if not 0 < self.orders_drop_percent <= 100:
            raise ValueError("orders_drop_percent must be in (0, 100]")
        if self.orders_baseline_months < 1 or not 1 <= self.orders_min_history_months <= self.orders_baseline_months:
            raise ValueError("need 1 <= orders_min_history_months <= orders_baseline_months")
        if self.licence_warning_days < 0 or self.failed_recheck_days < 0 or self.min_days_between_visits < 0:
            raise ValueError("day counts must not be negative")
        if not set(self.working_weekdays) <= set(range(7)):
            raise ValueError("working_weekdays must be in 0..6")

    def interval_for(self, klass: CustomerClass) -> int:
        """The class's interval; an unknown class gets the longest configured one."""
        return self.interval_days.get(klass, max(self.interval_days.values()))

    def weight(self, kind: ReasonKind) -> int:
        return self.priority_weights.get(kind, 0)


DEFAULT_RULES = CadenceRules()


@dataclass(frozen=True)
class CustomerPlanningFacts:
    """What the planner needs to know about one customer (gathered by the store).

    ``failed_items``: labels (Chinese, as shown) of the items failed at the last visit.
    ``open_follow_ups``: number of open follow-ups; ``earliest_follow_up_due`` the
    earliest due date among them (``None`` when none has a due date).
    ``monthly_orders``: ``(month, cartons)`` pairs; any day of the month names the
    month. Months missing between the first one listed and the last complete
    month count as 0 cartons (the order system exports only months with orders).
    """

    customer_id: str
    store_name: str = ""
    customer_class: CustomerClass = CustomerClass.C
    status: CustomerStatus = CustomerStatus.ACTIVE
    last_visit: date | None = None
    failed_items: tuple[str, ...] = ()
    open_follow_ups: int = 0
    earliest_follow_up_due: date | None = None
    open_complaint: bool = False
    licence_expiry: date | None = None
    monthly_orders: tuple[tuple[date, float], ...] = ()
    latitude: float | None = None
    longitude: float | None = None

    def follow_up_overdue(self, today: date) -> bool:
        return (self.open_follow_ups > 0 and self.earliest_follow_up_due is not None
                and self.earliest_follow_up_due < today)


@dataclass(frozen=True)
class PlanReason:
    """One reason for a visit.

    ``wanted_from``: the first day this reason asks for a visit; ``None`` for a
    reason that only informs (an open follow-up not due yet) and never pulls a
    visit forward by itself. ``weight``: its contribution to the priority.
    """

    kind: ReasonKind
    message: Message
    wanted_from: date | None
    weight: int = 0


@dataclass(frozen=True)
class PlannedVisit:
    """A visit on the plan. ``priority``: higher is more urgent.

    Has ``latitude``/``longitude``, so a day's visits can go straight into
    :func:`fieldapp.core.routing.order_route`. ``reasons`` are most important first.
    """

    customer_id: str
    day: date
    priority: int
    reasons: tuple[PlanReason, ...]
    store_name: str = ""
    customer_class: CustomerClass | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def kinds(self) -> frozenset[ReasonKind]:
        return frozenset(reason.kind for reason in self.reasons)

    @property
    def is_manual(self) -> bool:
        return ReasonKind.MANUAL in self.kinds

    def sort_key(self) -> tuple:
        """Day, then most urgent first, then by name: the order of a generated plan."""
        return (self.day, -self.priority, self.store_name, self.customer_id)


@dataclass(frozen=True)
class PlanResult:
    """A generated plan: ``visits`` sorted by :meth:`PlannedVisit.sort_key`;
    ``unplaced``: customers that wanted a visit within the horizon but found no
    capacity (``day`` is the day they wanted), most urgent first."""

    visits: tuple[PlannedVisit, ...]
    unplaced: tuple[PlannedVisit, ...]
    days: tuple[date, ...]


# --------------------------------------------------------------------------- reasons


def _msg(text: str, **params) -> Message:
    return Message(CTX, text, params)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _orders_reason(facts: CustomerPlanningFacts, today: date, rules: CadenceRules,
                   orders_month: date | None) -> PlanReason | None:
    if not facts.monthly_orders:
        return None
    last_month = _month_index(orders_month) if orders_month else _month_index(today) - 1
    baseline_first = last_month - rules.orders_baseline_months
    # One pass, no helper calls: this runs for every customer of the territory.
    first_listed = last_month
    total = last = 0.0
    for month, cartons in facts.monthly_orders:
        index = month.year * 12 + month.month - 1
        if index < first_listed:
            first_listed = index
        if index == last_month:
            last += cartons
        elif baseline_first <= index < last_month:
            total += cartons
    # The baseline starts at the customer's first month on record, at most baseline_months back;
    # months without a row inside it count as 0.
    start = max(baseline_first, first_listed)
    months = last_month - start
    if months < rules.orders_min_history_months:
        return None
    average = float(total) / months
    last = float(last)
    if not (math.isfinite(average) and average >= rules.orders_min_average):
        return None
    if last * 100 >= rules.orders_drop_percent * average:
        return None
    drop = 1.0 - last / average
    return PlanReason(
        ReasonKind.ORDERS_DROPPING,
        # One string literal, so the text lupdate extracts is exactly the text looked up at run time.
        _msg(QT_TRANSLATE_NOOP(
            "Planning",
            "Orders fell to {last} cartons in {month}, against an average of {avg} over the previous {months} months ({percent}%)."),  # noqa: E501
            last=_number(last), month=_month_label(last_month), avg=f"{average:.1f}", months=months,
            percent=round(100 * last / average)),
        today, rules.weight(ReasonKind.ORDERS_DROPPING) + min(20, int(drop * 20)))


def customer_reasons(facts: CustomerPlanningFacts, today: date, *, until: date | None = None,
                     rules: CadenceRules = DEFAULT_RULES, orders_month: date | None = None) -> list[PlanReason]:
    """Every reason to visit ``facts``' customer by ``until`` (default: today), most important first.

    Reasons whose ``wanted_from`` is after ``until`` are left out; informative
    reasons (``wanted_from is None``) are always included. A customer that is not
    active gets no reasons. ``orders_month``: the last complete month the order
    data covers (default: the calendar month before ``today``).
    Useful on its own for the warnings shown on a customer's file.
    """
    if facts.status is not CustomerStatus.ACTIVE:
        return []
    until = until or today
    reasons: list[PlanReason] = []
    weight = rules.weight
    klass = facts.customer_class
    interval = rules.interval_for(klass)

    if facts.open_complaint:
        reasons.append(PlanReason(ReasonKind.OPEN_COMPLAINT, _msg(QT_TRANSLATE_NOOP(
            "Planning", "A complaint is still open: hear the retailer out in person.")),
            today, weight(ReasonKind.OPEN_COMPLAINT)))

    if facts.licence_expiry is not None:
        days_left = (facts.licence_expiry - today).days
        if days_left < 0:
            reasons.append(PlanReason(ReasonKind.LICENCE_EXPIRING, _msg(QT_TRANSLATE_NOOP(
                "Planning", "Licence expired on {date}: the store may not sell tobacco until it is renewed."),
                date=facts.licence_expiry.isoformat()), today, weight(ReasonKind.LICENCE_EXPIRING) + 30))
        else:
            wanted = max(today, facts.licence_expiry - timedelta(days=rules.licence_warning_days))
            if wanted <= until:
                urgency = 20 * max(0, rules.licence_warning_days - days_left) // max(1, rules.licence_warning_days)
                if days_left == 0:
                    text = QT_TRANSLATE_NOOP("Planning", "Licence expires today ({date}): help the retailer renew it.")
                elif days_left == 1:
                    text = QT_TRANSLATE_NOOP(
                        "Planning", "Licence expires tomorrow ({date}): help the retailer renew it.")
                else:
                    text = QT_TRANSLATE_NOOP(
                        "Planning", "Licence expires on {date} (in {days} days): help the retailer renew it.")
                reasons.append(PlanReason(ReasonKind.LICENCE_EXPIRING, _msg(
                    text, date=facts.licence_expiry.isoformat(), days=days_left), wanted,
                    weight(ReasonKind.LICENCE_EXPIRING) + urgency))

    if facts.last_visit is None:
        reasons.append(PlanReason(ReasonKind.CADENCE_DUE, _msg(QT_TRANSLATE_NOOP(
            "Planning", "No visit on record (class {klass}: every {interval} days)."),
            klass=klass.value, interval=interval), today, weight(ReasonKind.CADENCE_DUE)))
    else:
        due = facts.last_visit + timedelta(days=interval)
        if due < today:
            days = (today - due).days
            if days == 1:
                text = QT_TRANSLATE_NOOP(
                    "Planning", "Overdue by 1 day (class {klass}: every {interval} days; last visit {last}).")
            else:
                text = QT_TRANSLATE_NOOP(
                    "Planning", "Overdue by {days} days (class {klass}: every {interval} days; last visit {last}).")
            reasons.append(PlanReason(ReasonKind.OVERDUE, _msg(
                text, days=days, klass=klass.value, interval=interval, last=facts.last_visit.isoformat()),
                today, weight(ReasonKind.OVERDUE) + min(days, 30)))
        elif due <= until:
            reasons.append(PlanReason(ReasonKind.CADENCE_DUE, _msg(QT_TRANSLATE_NOOP(
                "Planning", "Regular visit due on {date} (class {klass}: every {interval} days)."),
                date=due.isoformat(), klass=klass.value, interval=interval), due, weight(ReasonKind.CADENCE_DUE)))

        if facts.failed_items:
            wanted = max(today, facts.last_visit + timedelta(days=rules.failed_recheck_days))
            if wanted <= until:
                reasons.append(PlanReason(ReasonKind.FAILED_ITEMS, _msg(QT_TRANSLATE_NOOP(
                    "Planning", "Failed at the last visit ({date}): {items}. Check they are put right."),
                    date=facts.last_visit.isoformat(), items="、".join(facts.failed_items),
                    count=len(facts.failed_items)),
                    wanted, weight(ReasonKind.FAILED_ITEMS) + 5 * min(len(facts.failed_items), 4)))

    if facts.open_follow_ups > 0:
        due = facts.earliest_follow_up_due
        if due is not None and due < today:
            reasons.append(PlanReason(ReasonKind.OPEN_FOLLOW_UP, _msg(QT_TRANSLATE_NOOP(
                "Planning", "Open follow-ups: {count}; one has been overdue since {date}."),
                count=facts.open_follow_ups, date=due.isoformat()), today, weight(ReasonKind.OPEN_FOLLOW_UP) + 15))
        elif due is not None and due <= until:
            reasons.append(PlanReason(ReasonKind.OPEN_FOLLOW_UP, _msg(QT_TRANSLATE_NOOP(
                "Planning", "Open follow-ups: {count}; the first is due on {date}."),
                count=facts.open_follow_ups, date=due.isoformat()), due, weight(ReasonKind.OPEN_FOLLOW_UP)))
        else:
            # Not due within the horizon: worth knowing on a visit, no reason to make one.
            reasons.append(PlanReason(ReasonKind.OPEN_FOLLOW_UP, _msg(QT_TRANSLATE_NOOP(
                "Planning", "Open follow-ups: {count}, none due yet."), count=facts.open_follow_ups), None, 0))

    orders = _orders_reason(facts, today, rules, orders_month)
    if orders is not None:
        reasons.append(orders)

    reasons.sort(key=lambda r: (-r.weight, _KIND_ORDER[r.kind]))
    return reasons


def _earliest_day(facts: CustomerPlanningFacts, today: date, rules: CadenceRules) -> date:
    if facts.last_visit is None:
        return today
    return max(today, facts.last_visit + timedelta(days=rules.min_days_between_visits))


def _candidate(facts: CustomerPlanningFacts, today: date, until: date, rules: CadenceRules,
               orders_month: date | None) -> PlannedVisit | None:
    reasons = customer_reasons(facts, today, until=until, rules=rules, orders_month=orders_month)
    wanted_days = [r.wanted_from for r in reasons if r.wanted_from is not None]
    if not wanted_days:
        return None
    wanted = max(min(wanted_days), _earliest_day(facts, today, rules))
    if wanted > until:
        return None
    priority = sum(r.weight for r in reasons) + rules.class_bonus.get(facts.customer_class, 0)
    return PlannedVisit(facts.customer_id, wanted, priority, tuple(reasons), facts.store_name,
                        facts.customer_class, facts.latitude, facts.longitude)


# --------------------------------------------------------------------------- scheduling


def horizon(today: date, horizon_days: int, rules: CadenceRules = DEFAULT_RULES) -> tuple[date, ...]:
    """The days visits may be placed on: working days among ``today`` and the
    following ``horizon_days - 1`` days, or all of them if none is a working day
    (someone asking for Sunday's plan on a Sunday is working that day)."""
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    days = [today + timedelta(days=k) for k in range(horizon_days)]
    working = [d for d in days if d.weekday() in rules.working_weekdays]
    return tuple(working or days)


def _preferred_index(days: Sequence[date], wanted: date, earliest: date) -> int:
    """Index of the working day for ``wanted``: itself, else the working day
    before it if allowed, else the first one after it."""
    after = next((k for k, d in enumerate(days) if d >= wanted), None)
    if after is not None and days[after] == wanted:
        return after
    before = next((k for k in range(len(days) - 1, -1, -1) if days[k] < wanted), None)
    if before is not None and days[before] >= earliest:
        return before
    return after if after is not None else len(days) - 1


def build_plan(customers: Iterable[CustomerPlanningFacts], today: date, *, horizon_days: int = 1,
               rules: CadenceRules = DEFAULT_RULES, fixed: Iterable[PlannedVisit] = (),
               orders_month: date | None = None) -> PlanResult:
    """Plan visits for ``today`` and the following ``horizon_days - 1`` days.

    ``fixed``: visits already decided (added by hand, kept from an earlier plan).
    Those dated within the horizon are kept as they are, count against their
    day's capacity (and may exceed it: the user decided), and their customers are
    not planned again; the others are ignored. Only the first facts of a customer id are used. Customers
    that are not active are never planned. See the module docstring for the
    placement rules.
    """
    days = horizon(today, horizon_days, rules)
    until = today + timedelta(days=horizon_days - 1)
    day_index = {d: k for k, d in enumerate(days)}
    load = [0] * len(days)
    placed: list[PlannedVisit] = []
    taken: set[str] = set()
    for visit in fixed:
        if today <= visit.day <= until and visit.customer_id not in taken:
            taken.add(visit.customer_id)
            if visit.day in day_index:  # a visit fixed on a day off is kept but uses no working day
                load[day_index[visit.day]] += 1
            placed.append(visit)

    candidates: list[tuple[PlannedVisit, date]] = []
    for facts in customers:
        if facts.customer_id in taken:
            continue
        taken.add(facts.customer_id)
        candidate = _candidate(facts, today, until, rules, orders_month)
        if candidate is not None:
            candidates.append((candidate, _earliest_day(facts, today, rules)))
    candidates.sort(key=lambda c: (-c[0].priority, c[0].day, c[0].store_name, c[0].customer_id))

    capacity = rules.max_visits_per_day
    unplaced: list[PlannedVisit] = []
    for candidate, earliest in candidates:
        preferred = _preferred_index(days, candidate.day, earliest)
        chosen = next((k for k in range(preferred, len(days))
                       if load[k] < capacity and days[k] >= earliest), None)
        if chosen is None:
            chosen = next((k for k in range(preferred - 1, -1, -1)
                           if load[k] < capacity and days[k] >= earliest), None)
        if chosen is None:
            unplaced.append(candidate)
            continue
        load[chosen] += 1
        placed.append(candidate if days[chosen] == candidate.day else replace(candidate, day=days[chosen]))
    placed.sort(key=PlannedVisit.sort_key)
    return PlanResult(tuple(placed), tuple(unplaced), days)


def plan_visits(customers: Iterable[CustomerPlanningFacts], today: date, *, horizon_days: int = 1,
                rules: CadenceRules = DEFAULT_RULES, fixed: Iterable[PlannedVisit] = (),
                orders_month: date | None = None) -> list[PlannedVisit]:
    """The planned visits of :func:`build_plan` (sorted by day, most urgent first)."""
    return list(build_plan(customers, today, horizon_days=horizon_days, rules=rules, fixed=fixed,
                           orders_month=orders_month).visits)


# --------------------------------------------------------------------------- manual edits


@dataclass(frozen=True)
class DayPlan:
    """One day's visits in the order the manager means to make them."""

    day: date
    visits: tuple[PlannedVisit, ...] = ()

    def index_of(self, visit: PlannedVisit | str) -> int | None:
        customer_id = _customer_id(visit)
        return next((k for k, v in enumerate(self.visits) if v.customer_id == customer_id), None)

    def __contains__(self, visit: object) -> bool:
        return isinstance(visit, (PlannedVisit, str)) and self.index_of(visit) is not None


def _customer_id(visit: PlannedVisit | str) -> str:
    return visit if isinstance(visit, str) else visit.customer_id


def day_plans(visits: Iterable[PlannedVisit], days: Iterable[date] = ()) -> list[DayPlan]:
    """Group visits by day, keeping their order within a day; ``days`` adds empty days."""
    grouped: dict[date, list[PlannedVisit]] = {d: [] for d in days}
    for visit in visits:
        grouped.setdefault(visit.day, []).append(visit)
    return [DayPlan(d, tuple(grouped[d])) for d in sorted(grouped)]


def _manual_reason(note: str, rules: CadenceRules, day: date) -> PlanReason:
    note = " ".join(note.split())
    if note:
        message = _msg(QT_TRANSLATE_NOOP("Planning", "Added by hand: {note}"), note=note)
    else:
        message = _msg(QT_TRANSLATE_NOOP("Planning", "Added by hand."))
    return PlanReason(ReasonKind.MANUAL, message, day, rules.weight(ReasonKind.MANUAL))


def _insert(visits: list[PlannedVisit], visit: PlannedVisit, index: int | None) -> None:
    if index is None:
        visits.append(visit)
    else:
        visits.insert(max(0, min(index, len(visits))), visit)


def add_manual_visit(plan: DayPlan, customer: CustomerPlanningFacts | Customer, *, note: str = "",
                     index: int | None = None, rules: CadenceRules = DEFAULT_RULES) -> DayPlan:
    """Add ``customer`` to the day by hand, at ``index`` (default: the end).

    If the customer is already on the day, the visit gains the MANUAL reason
    (once) and moves to ``index`` when one is given. Returns a new plan.
    """
    if isinstance(customer, Customer):
        customer_id, name, klass = customer.id, customer.store_name, customer.customer_class
    else:
        customer_id, name, klass = customer.customer_id, customer.store_name, customer.customer_class
    visits = list(plan.visits)
    reason = _manual_reason(note, rules, plan.day)
    at = plan.index_of(customer_id)
    if at is not None:
        existing = visits.pop(at)
        if not existing.is_manual:
            existing = replace(existing, priority=existing.priority + reason.weight,
                               reasons=(reason, *existing.reasons))
        _insert(visits, existing, at if index is None else index)
    else:
        _insert(visits, PlannedVisit(customer_id, plan.day, reason.weight + rules.class_bonus.get(klass, 0),
                                     (reason,), name, klass, customer.latitude, customer.longitude), index)
    return DayPlan(plan.day, tuple(visits))


def drop_visit(plan: DayPlan, visit: PlannedVisit | str) -> DayPlan:
    """The day without ``visit`` (a visit or a customer id); unchanged if it is not there."""
    customer_id = _customer_id(visit)
    return DayPlan(plan.day, tuple(v for v in plan.visits if v.customer_id != customer_id))


def move_visit(plan: DayPlan, visit: PlannedVisit | str, new_index: int) -> DayPlan:
    """Move ``visit`` so it ends up at position ``new_index`` (clamped to the list).

    Raises ``KeyError`` when the visit is not on the day: the GUI only offers to
    move what it shows, so that is a bug to surface, not a user error.
    """
    at = plan.index_of(visit)
    if at is None:
        raise KeyError(_customer_id(visit))
    visits = list(plan.visits)
    moving = visits.pop(at)
    _insert(visits, moving, new_index)
    return DayPlan(plan.day, tuple(visits))


def move_to_day(week: Sequence[DayPlan], visit: PlannedVisit | str, day: date,
                index: int | None = None) -> list[DayPlan]:
    """Move ``visit`` from whichever day holds it to ``day`` (at ``index``, default the end).

    A day not yet in ``week`` is added. Raises ``KeyError`` when no day holds the visit.
    """
    customer_id = _customer_id(visit)
    source = next((p for p in week if customer_id in p), None)
    if source is None:
        raise KeyError(customer_id)
    moving = source.visits[source.index_of(customer_id)]
    result = {p.day: drop_visit(p, customer_id) if p is source else p for p in week}
    target = result.get(day, DayPlan(day))
    visits = list(target.visits)
    _insert(visits, replace(moving, day=day), index)
    result[day] = DayPlan(day, tuple(visits))
    return [result[d] for d in sorted(result)]


def route_day(plan: DayPlan, start: LatLon | None = None, *, return_to_start: bool = False) -> DayPlan:
    """The day's visits ordered into a short route (visits without a position last)."""
    return DayPlan(plan.day, tuple(order_route(plan.visits, start, return_to_start=return_to_start)))


# --------------------------------------------------------------------------- facts from records


def facts_from_records(customer: Customer, *, visits: Iterable[Visit] = (),
                       last_visit_answers: Iterable[ChecklistAnswer] = (),
                       template: ChecklistTemplate | None = None, follow_ups: Iterable[FollowUp] = (),
                       open_complaint: bool = False,
                       monthly_orders: Iterable[tuple[date, float]] = ()) -> CustomerPlanningFacts:
    """Gather planning facts from the customer's records.

    ``visits``: the customer's visits; the one checked in last is "the last
    visit" (visits never checked in are ignored). ``last_visit_answers``: answers
    given on it (answers of other visits are ignored); failed items are named by
    ``template``'s Chinese labels when given, else by key. ``follow_ups``: only
    the customer's open ones count. ``open_complaint`` is the caller's judgement
    (e.g. a complaint noted and its follow-up still open).
    """
    last: Visit | None = None
    for visit in visits:
        if visit.customer_id == customer.id and visit.check_in_at is not None:
            if last is None or visit.check_in_at > last.check_in_at:
                last = visit
    failed: list[str] = []
    if last is not None:
        failed_keys = {a.item_key for a in last_visit_answers
                       if a.visit_id == last.id and a.result is AnswerResult.FAIL}
        if template is not None:
            for item in template.items:
                if item.key in failed_keys:
                    failed.append(item.label_zh or item.label_en or item.key)
                    failed_keys.discard(item.key)
        failed.extend(sorted(failed_keys))
    open_items = [f for f in follow_ups if f.customer_id == customer.id and f.status is FollowUpStatus.OPEN]
    dues = [f.due_date for f in open_items if f.due_date is not None]
    return CustomerPlanningFacts(
        customer_id=customer.id, store_name=customer.store_name, customer_class=customer.customer_class,
        status=customer.status, last_visit=last.check_in_at.date() if last is not None else None,
        failed_items=tuple(failed), open_follow_ups=len(open_items),
        earliest_follow_up_due=min(dues) if dues else None, open_complaint=open_complaint,
        licence_expiry=customer.licence_expiry, monthly_orders=tuple(monthly_orders),
        latitude=customer.latitude, longitude=customer.longitude)
