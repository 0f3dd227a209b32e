"""Visit planning: reasons, their thresholds, cadence per class, week scheduling, manual edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from fieldapp.core.entities import (
    AnswerResult,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    Customer,
    CustomerClass,
    CustomerStatus,
    FollowUp,
    FollowUpStatus,
    Visit,
)
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
    day_plans,
    drop_visit,
    facts_from_records,
    horizon,
    move_to_day,
    move_visit,
    plan_visits,
    route_day,
)

TODAY = date(2026, 11, 23)  # a Monday
A, B, C = CustomerClass.A, CustomerClass.B, CustomerClass.C


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def in_days(n: int) -> date:
    return TODAY + timedelta(days=n)


def quiet(customer_id: str = "c1", **overrides) -> CustomerPlanningFacts:
    """A class C customer visited yesterday with nothing pending: no reason to plan it."""
    values = dict(customer_id=customer_id, store_name=f"店{customer_id}", customer_class=C, last_visit=days_ago(1),
                  licence_expiry=date(2030, 1, 1))
    values.update(overrides)
    return CustomerPlanningFacts(**values)


def months_back(n: int) -> date:
    """The first day of the month n months before TODAY's month (1 = last complete month)."""
    index = TODAY.year * 12 + TODAY.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def orders(last: float, baseline: list[float]) -> tuple[tuple[date, float], ...]:
    """Last complete month's cartons, then the months before it, newest first."""
    return ((months_back(1), last),) + tuple((months_back(2 + k), v) for k, v in enumerate(baseline))


def kinds_today(facts: CustomerPlanningFacts, **kw) -> set[ReasonKind]:
    """Reason kinds of the customer's visit on today's plan (empty if not planned)."""
    plan = plan_visits([facts], TODAY, **kw)
    assert len(plan) <= 1
    return {r.kind for r in plan[0].reasons} if plan else set()


def reason(facts: CustomerPlanningFacts, kind: ReasonKind, **kw):
    (visit,) = plan_visits([facts], TODAY, **kw)
    return next(r for r in visit.reasons if r.kind is kind)


def test_quiet_customer_is_not_planned():
    assert plan_visits([quiet()], TODAY) == []
    assert plan_visits([quiet()], TODAY, horizon_days=7) == []


# --------------------------------------------------------------------------- cadence


@pytest.mark.parametrize("klass, interval", [(A, 7), (B, 14), (C, 30)])
def test_cadence_due_exactly_after_the_class_interval(klass, interval):
    assert kinds_today(quiet(customer_class=klass, last_visit=days_ago(interval))) == {ReasonKind.CADENCE_DUE}
    assert kinds_today(quiet(customer_class=klass, last_visit=days_ago(interval - 1))) == set()


def test_cadence_due_message():
    r = reason(quiet(customer_class=A, last_visit=days_ago(7)), ReasonKind.CADENCE_DUE)
    assert str(r.message) == "Regular visit due on 2026-11-23 (class A: every 7 days)."
    assert r.message.context == "Planning"


def test_overdue_from_the_day_after_due():
    assert kinds_today(quiet(customer_class=A, last_visit=days_ago(8))) == {ReasonKind.OVERDUE}
    r = reason(quiet(customer_class=A, last_visit=days_ago(8)), ReasonKind.OVERDUE)
    assert str(r.message) == "Overdue by 1 day (class A: every 7 days; last visit 2026-11-15)."
    r = reason(quiet(customer_class=B, last_visit=days_ago(20)), ReasonKind.OVERDUE)
    assert r.message.params["days"] == 6
    assert str(r.message) == "Overdue by 6 days (class B: every 14 days; last visit 2026-11-03)."


def test_never_visited_is_due_now():
    r = reason(quiet(last_visit=None), ReasonKind.CADENCE_DUE)
    assert str(r.message) == "No visit on record (class C: every 30 days)."


def test_configurable_intervals():
    rules = CadenceRules(interval_days={A: 3, B: 10, C: 21})
    assert kinds_today(quiet(customer_class=A, last_visit=days_ago(3)), rules=rules) == {ReasonKind.CADENCE_DUE}
    assert kinds_today(quiet(customer_class=C, last_visit=days_ago(20)), rules=rules) == set()
    assert kinds_today(quiet(customer_class=C, last_visit=days_ago(21)), rules=rules) == {ReasonKind.CADENCE_DUE}


# --------------------------------------------------------------------------- early warnings


def test_failed_items_recheck_after_a_week():
    failed = ("柜台整洁", "明码标价")
    assert kinds_today(quiet(last_visit=days_ago(7), failed_items=failed)) == {ReasonKind.FAILED_ITEMS}
    assert kinds_today(quiet(last_visit=days_ago(6), failed_items=failed)) == set()
    r = reason(quiet(last_visit=days_ago(7), failed_items=failed), ReasonKind.FAILED_ITEMS)
    assert str(r.message) == "Failed at the last visit (2026-11-16): 柜台整洁、明码标价. Check they are put right."
    assert r.message.params["count"] == 2


def test_open_follow_up_due_today_or_overdue():
    assert kinds_today(quiet(open_follow_ups=1, earliest_follow_up_due=TODAY)) == {ReasonKind.OPEN_FOLLOW_UP}
    assert kinds_today(quiet(open_follow_ups=1, earliest_follow_up_due=in_days(1))) == set()
    r = reason(quiet(open_follow_ups=2, earliest_follow_up_due=days_ago(3)), ReasonKind.OPEN_FOLLOW_UP)
    assert str(r.message) == "Open follow-ups: 2; one has been overdue since 2026-11-20."
    assert quiet(open_follow_ups=2, earliest_follow_up_due=days_ago(3)).follow_up_overdue(TODAY)
    r = reason(quiet(open_follow_ups=1, earliest_follow_up_due=TODAY), ReasonKind.OPEN_FOLLOW_UP)
    assert str(r.message) == "Open follow-ups: 1; the first is due on 2026-11-23."


def test_follow_up_without_due_date_informs_but_does_not_pull():
    assert kinds_today(quiet(open_follow_ups=3)) == set()
    kinds = kinds_today(quiet(open_follow_ups=3, open_complaint=True))
    assert kinds == {ReasonKind.OPEN_COMPLAINT, ReasonKind.OPEN_FOLLOW_UP}
    r = reason(quiet(open_follow_ups=3, open_complaint=True), ReasonKind.OPEN_FOLLOW_UP)
    assert r.wanted_from is None and r.weight == 0
    assert str(r.message) == "Open follow-ups: 3, none due yet."


def test_open_complaint():
    assert kinds_today(quiet(open_complaint=True)) == {ReasonKind.OPEN_COMPLAINT}
    assert kinds_today(quiet(open_complaint=False)) == set()


def test_licence_expiring_within_30_days():
    assert kinds_today(quiet(licence_expiry=in_days(30))) == {ReasonKind.LICENCE_EXPIRING}
    assert kinds_today(quiet(licence_expiry=in_days(31))) == set()
    r = reason(quiet(licence_expiry=in_days(30)), ReasonKind.LICENCE_EXPIRING)
    assert str(r.message) == "Licence expires on 2026-12-23 (in 30 days): help the retailer renew it."
    assert str(reason(quiet(licence_expiry=TODAY), ReasonKind.LICENCE_EXPIRING).message) == (
        "Licence expires today (2026-11-23): help the retailer renew it.")
    assert str(reason(quiet(licence_expiry=in_days(1)), ReasonKind.LICENCE_EXPIRING).message) == (
        "Licence expires tomorrow (2026-11-24): help the retailer renew it.")


def test_expired_licence_is_more_urgent_than_expiring():
    expired = reason(quiet(licence_expiry=days_ago(1)), ReasonKind.LICENCE_EXPIRING)
    expiring = reason(quiet(licence_expiry=in_days(1)), ReasonKind.LICENCE_EXPIRING)
    assert str(expired.message) == (
        "Licence expired on 2026-11-22: the store may not sell tobacco until it is renewed.")
    assert expired.weight > expiring.weight


def test_licence_warning_window_is_configurable():
    rules = CadenceRules(licence_warning_days=60)
    assert kinds_today(quiet(licence_expiry=in_days(60)), rules=rules) == {ReasonKind.LICENCE_EXPIRING}
    assert kinds_today(quiet(licence_expiry=in_days(61)), rules=rules) == set()


def test_orders_dropping_below_70_percent_of_own_average():
    baseline = [10, 10, 10, 10, 10, 10]  # average 10
    assert kinds_today(quiet(monthly_orders=orders(6, baseline))) == {ReasonKind.ORDERS_DROPPING}
    assert kinds_today(quiet(monthly_orders=orders(6.9, baseline))) == {ReasonKind.ORDERS_DROPPING}
    assert kinds_today(quiet(monthly_orders=orders(7, baseline))) == set()  # exactly 70 %: not below
    r = reason(quiet(monthly_orders=orders(6, baseline)), ReasonKind.ORDERS_DROPPING)
    assert str(r.message) == ("Orders fell to 6 cartons in 2026-10, against an average of 10.0 over the "
                              "previous 6 months (60%).")


def test_orders_average_uses_only_the_previous_six_months():
    # A huge month 8 months back is outside the window and does not inflate the average.
    history = orders(6, [10, 10, 10, 10, 10, 10]) + ((months_back(8), 1000),)
    assert kinds_today(quiet(monthly_orders=history)) == {ReasonKind.ORDERS_DROPPING}
    history = orders(7, [10, 10, 10, 10, 10, 10]) + ((months_back(8), 1000),)
    assert kinds_today(quiet(monthly_orders=history)) == set()


def test_orders_need_a_minimum_history():
    assert kinds_today(quiet(monthly_orders=orders(1, [10, 10, 10]))) == {ReasonKind.ORDERS_DROPPING}
    assert kinds_today(quiet(monthly_orders=orders(1, [10, 10]))) == set()  # a new store: no "normal" yet
    r = reason(quiet(monthly_orders=orders(1, [10, 10, 10])), ReasonKind.ORDERS_DROPPING)
    assert r.message.params["months"] == 3


def test_missing_months_count_as_zero_orders():
    # Nothing ordered last month at all (the order system lists no row for it).
    history = tuple((months_back(2 + k), 12) for k in range(6))
    r = reason(quiet(monthly_orders=history), ReasonKind.ORDERS_DROPPING)
    assert r.message.params["last"] == "0"
    # A gap inside the baseline lowers the average: (12 * 5 + 0) / 6 = 10 -> 7 is not below 70 %.
    gappy = ((months_back(1), 7),) + tuple((months_back(2 + k), 12) for k in range(6) if k != 2)
    assert kinds_today(quiet(monthly_orders=gappy)) == set()


def test_tiny_customers_do_not_warn_on_orders():
    assert kinds_today(quiet(monthly_orders=orders(0, [0.5] * 6))) == set()


def test_orders_month_can_be_given():
    # The order data only runs to two months ago (a stale sync): judge that month, not a missing one.
    history = tuple((months_back(2 + k), 10) for k in range(7))
    assert kinds_today(quiet(monthly_orders=history)) == {ReasonKind.ORDERS_DROPPING}
    assert kinds_today(quiet(monthly_orders=history), orders_month=months_back(2)) == set()


def test_early_warnings_pull_a_customer_forward_before_cadence():
    facts = quiet(customer_class=C, last_visit=days_ago(3), open_complaint=True)
    (visit,) = plan_visits([facts], TODAY)
    assert visit.day == TODAY and visit.kinds == {ReasonKind.OPEN_COMPLAINT}


def test_several_reasons_most_important_first():
    facts = quiet(customer_class=A, last_visit=days_ago(10), open_complaint=True, licence_expiry=in_days(10),
                  failed_items=("明码标价",))
    (visit,) = plan_visits([facts], TODAY)
    assert [r.kind for r in visit.reasons] == [
        ReasonKind.OPEN_COMPLAINT, ReasonKind.LICENCE_EXPIRING, ReasonKind.OVERDUE, ReasonKind.FAILED_ITEMS]
    assert visit.priority == sum(r.weight for r in visit.reasons) + DEFAULT_RULES.class_bonus[A]


def test_every_message_renders():
    facts = quiet(customer_class=A, last_visit=days_ago(10), open_complaint=True, licence_expiry=in_days(10),
                  failed_items=("明码标价",), open_follow_ups=1, earliest_follow_up_due=days_ago(1),
                  monthly_orders=orders(1, [10] * 6))
    reasons = customer_reasons(facts, TODAY)
    assert {r.kind for r in reasons} == set(ReasonKind) - {ReasonKind.MANUAL, ReasonKind.CADENCE_DUE}
    for r in reasons:
        assert "{" not in r.message.render()
        assert r.kind.label


# --------------------------------------------------------------------------- who is planned


@pytest.mark.parametrize("status", [CustomerStatus.CLOSED, CustomerStatus.SUSPENDED])
def test_closed_and_suspended_customers_are_not_planned(status):
    facts = quiet(status=status, last_visit=None, open_complaint=True, licence_expiry=days_ago(5))
    assert plan_visits([facts], TODAY, horizon_days=7) == []
    assert customer_reasons(facts, TODAY) == []


def test_visited_today_is_not_planned_again_today():
    facts = quiet(last_visit=TODAY, open_complaint=True)
    assert plan_visits([facts], TODAY) == []
    (visit,) = plan_visits([facts], TODAY, horizon_days=7)
    assert visit.day == in_days(1)


def test_duplicate_facts_plan_the_customer_once():
    plan = plan_visits([quiet(open_complaint=True), quiet(last_visit=None)], TODAY, horizon_days=7)
    assert [v.customer_id for v in plan] == ["c1"]
    assert plan[0].kinds == {ReasonKind.OPEN_COMPLAINT}


def test_most_urgent_first_and_capacity_for_today():
    rules = CadenceRules(max_visits_per_day=2)
    customers = [quiet("due", last_visit=days_ago(30)), quiet("complaint", open_complaint=True),
                 quiet("overdue", last_visit=days_ago(40)), quiet("calm")]
    result = build_plan(customers, TODAY, rules=rules)
    assert [v.customer_id for v in result.visits] == ["complaint", "overdue"]
    assert [v.customer_id for v in result.unplaced] == ["due"]
    assert result.days == (TODAY,)


def test_ties_are_broken_by_name_then_id():
    # Names compare by code point (no pinyin collation in the core): "A店" < "B店".
    customers = [quiet("b", store_name="B店", last_visit=None), quiet("a", store_name="B店", last_visit=None),
                 quiet("c", store_name="A店", last_visit=None)]
    assert [v.customer_id for v in plan_visits(customers, TODAY)] == ["c", "a", "b"]


# --------------------------------------------------------------------------- week


def test_horizon_skips_days_off_unless_there_is_no_working_day():
    assert horizon(TODAY, 7) == tuple(in_days(k) for k in range(5))
    sunday = date(2026, 11, 29)
    assert horizon(sunday, 1) == (sunday,)
    assert horizon(sunday, 2) == (sunday + timedelta(days=1),)
    with pytest.raises(ValueError):
        horizon(TODAY, 0)


def test_week_places_cadence_visits_on_their_due_date():
    customers = [quiet("a-wed", customer_class=A, last_visit=days_ago(5)),  # due Wednesday
                 quiet("b-fri", customer_class=B, last_visit=days_ago(10)),  # due Friday
                 quiet("c-next-week", customer_class=C, last_visit=days_ago(20))]  # due in 10 days
    plan = plan_visits(customers, TODAY, horizon_days=7)
    assert [(v.customer_id, v.day) for v in plan] == [("a-wed", in_days(2)), ("b-fri", in_days(4))]
    assert all(v.kinds == {ReasonKind.CADENCE_DUE} for v in plan)


def test_due_on_a_day_off_goes_to_the_working_day_before():
    # Due Saturday 28th: visit on Friday 27th rather than be late.
    (visit,) = plan_visits([quiet(customer_class=A, last_visit=days_ago(2))], TODAY, horizon_days=7)
    assert visit.day == date(2026, 11, 27)


def test_week_warnings_from_later_in_the_week():
    customers = [quiet("licence", licence_expiry=in_days(33)),  # enters the 30-day window on Thursday
                 quiet("follow-up", open_follow_ups=1, earliest_follow_up_due=in_days(1))]
    plan = {v.customer_id: v for v in plan_visits(customers, TODAY, horizon_days=7)}
    assert plan["licence"].day == in_days(3) and plan["licence"].kinds == {ReasonKind.LICENCE_EXPIRING}
    assert plan["follow-up"].day == in_days(1)


def test_week_respects_capacity_and_never_plans_twice():
    rules = CadenceRules(max_visits_per_day=3)
    customers = [quiet(f"c{n:02d}", last_visit=None) for n in range(20)]
    customers += [quiet("c05", open_complaint=True)]  # a duplicate id is ignored
    result = build_plan(customers, TODAY, horizon_days=7, rules=rules)
    ids = [v.customer_id for v in result.visits]
    assert len(ids) == len(set(ids)) == 15  # 5 working days x 3
    assert len(result.unplaced) == 5
    assert not set(ids) & {v.customer_id for v in result.unplaced}
    per_day = {}
    for v in result.visits:
        per_day[v.day] = per_day.get(v.day, 0) + 1
    assert per_day == {in_days(k): 3 for k in range(5)}
    assert all(v.day.weekday() < 5 for v in result.visits)


def test_overflow_moves_to_the_next_day_most_urgent_keep_their_day():
    rules = CadenceRules(max_visits_per_day=1)
    customers = [quiet("due", last_visit=days_ago(30)), quiet("complaint", open_complaint=True)]
    plan = plan_visits(customers, TODAY, horizon_days=7, rules=rules)
    assert [(v.customer_id, v.day) for v in plan] == [("complaint", TODAY), ("due", in_days(1))]


def test_overflow_may_move_a_cadence_visit_earlier_when_later_days_are_full():
    rules = CadenceRules(max_visits_per_day=1)
    # Both due Friday; the more urgent (class A) gets Friday, the other Thursday.
    customers = [quiet("c", customer_class=C, last_visit=days_ago(26)),
                 quiet("a", customer_class=A, last_visit=days_ago(3))]
    plan = plan_visits(customers, TODAY, horizon_days=5, rules=rules)
    assert [(v.customer_id, v.day) for v in plan] == [("c", in_days(3)), ("a", in_days(4))]


def test_week_plan_is_sorted_by_day_then_priority():
    customers = [quiet("late", customer_class=A, last_visit=days_ago(4)), quiet("urgent", open_complaint=True),
                 quiet("due", last_visit=None)]
    plan = plan_visits(customers, TODAY, horizon_days=7)
    assert [v.customer_id for v in plan] == ["urgent", "due", "late"]
    assert plan == sorted(plan, key=PlannedVisit.sort_key)


def test_fixed_visits_are_kept_and_use_capacity():
    rules = CadenceRules(max_visits_per_day=1)
    manual = add_manual_visit(DayPlan(TODAY), quiet("mine"), note="送宣传物料").visits[0]
    customers = [quiet("mine", open_complaint=True), quiet("other", open_complaint=True)]
    plan = plan_visits(customers, TODAY, horizon_days=7, rules=rules, fixed=[manual])
    assert [(v.customer_id, v.day, v.is_manual) for v in plan] == [
        ("mine", TODAY, True), ("other", in_days(1), False)]
    # A fixed visit outside the horizon is ignored.
    later = replace(manual, day=in_days(30))
    assert [v.customer_id for v in plan_visits(customers, TODAY, fixed=[later])] == ["mine", "other"]


# --------------------------------------------------------------------------- manual edits


def day_of(*ids: str) -> DayPlan:
    visits = tuple(PlannedVisit(i, TODAY, 10, (), store_name=i) for i in ids)
    return DayPlan(TODAY, visits)


def ids(plan: DayPlan) -> list[str]:
    return [v.customer_id for v in plan.visits]


def test_add_manual_visit():
    plan = add_manual_visit(day_of("a", "b"), quiet("x", customer_class=B), note="  送  新品资料 ")
    assert ids(plan) == ["a", "b", "x"]
    added = plan.visits[-1]
    assert added.is_manual and added.day == TODAY and added.store_name == "店x"
    assert added.priority == DEFAULT_RULES.weight(ReasonKind.MANUAL) + DEFAULT_RULES.class_bonus[B]
    assert str(added.reasons[0].message) == "Added by hand: 送 新品资料"
    plan = add_manual_visit(plan, Customer(id="y", store_name="王记", latitude=28.0, longitude=113.0), index=0)
    assert ids(plan) == ["y", "a", "b", "x"]
    assert str(plan.visits[0].reasons[0].message) == "Added by hand."
    assert plan.visits[0].latitude == 28.0


def test_add_manual_visit_for_a_planned_customer_marks_it_once():
    plan = add_manual_visit(day_of("a", "b"), quiet("a"))
    plan = add_manual_visit(plan, quiet("a"), index=5)
    assert ids(plan) == ["b", "a"]
    assert [r.kind for r in plan.visits[1].reasons] == [ReasonKind.MANUAL]
    assert plan.visits[1].priority == 10 + DEFAULT_RULES.weight(ReasonKind.MANUAL)


def test_drop_visit():
    plan = day_of("a", "b", "c")
    assert ids(drop_visit(plan, "b")) == ["a", "c"]
    assert ids(drop_visit(plan, plan.visits[0])) == ["b", "c"]
    assert drop_visit(plan, "zzz") == plan
    assert ids(plan) == ["a", "b", "c"]  # the input is never changed


def test_move_visit():
    plan = day_of("a", "b", "c", "d")
    assert ids(move_visit(plan, "a", 2)) == ["b", "c", "a", "d"]
    assert ids(move_visit(plan, plan.visits[3], 0)) == ["d", "a", "b", "c"]
    assert ids(move_visit(plan, "b", 99)) == ["a", "c", "d", "b"]
    assert ids(move_visit(plan, "c", -4)) == ["c", "a", "b", "d"]
    with pytest.raises(KeyError):
        move_visit(plan, "zzz", 0)


def test_move_to_day_and_day_plans():
    week = day_plans(plan_visits([quiet("x", open_complaint=True), quiet("y", last_visit=None)], TODAY),
                     [in_days(1)])
    assert [(p.day, ids(p)) for p in week] == [(TODAY, ["x", "y"]), (in_days(1), [])]
    week = move_to_day(week, "y", in_days(1))
    assert [(p.day, ids(p)) for p in week] == [(TODAY, ["x"]), (in_days(1), ["y"])]
    assert week[1].visits[0].day == in_days(1)
    week = move_to_day(week, "x", in_days(3), index=0)
    assert [(p.day, ids(p)) for p in week] == [(TODAY, []), (in_days(1), ["y"]), (in_days(3), ["x"])]
    with pytest.raises(KeyError):
        move_to_day(week, "nobody", TODAY)


def test_route_day_orders_by_position():
    visits = tuple(PlannedVisit(i, TODAY, 1, (), latitude=lat, longitude=lon)
                   for i, lat, lon in [("far", 0.0, 3.0), ("none", None, None), ("near", 0.0, 1.0)])
    assert ids(route_day(DayPlan(TODAY, visits), (0.0, 0.0))) == ["near", "far", "none"]


# --------------------------------------------------------------------------- facts from records


def test_facts_from_records():
    customer = Customer(id="cust", store_name="王记便利店", customer_class=A, licence_expiry=date(2027, 1, 1),
                        latitude=28.1, longitude=113.1)
    old = Visit(id="v-old", customer_id="cust", check_in_at=datetime(2026, 11, 1, 9, 0))
    last = Visit(id="v-last", customer_id="cust", check_in_at=datetime(2026, 11, 16, 15, 30))
    never = Visit(id="v-none", customer_id="cust")
    other = Visit(id="v-other", customer_id="someone else", check_in_at=datetime(2026, 11, 22, 8, 0))
    tpl = ChecklistTemplate(items=[ChecklistItem("clean", "柜台整洁", "Clean"), ChecklistItem("price", "明码标价", "Prices")])
    answers = [ChecklistAnswer(visit_id="v-last", item_key="price", result=AnswerResult.FAIL),
               ChecklistAnswer(visit_id="v-last", item_key="clean", result=AnswerResult.FAIL),
               ChecklistAnswer(visit_id="v-last", item_key="gone", result=AnswerResult.FAIL),
               ChecklistAnswer(visit_id="v-old", item_key="clean", result=AnswerResult.FAIL)]
    follow_ups = [FollowUp(customer_id="cust", due_date=date(2026, 11, 30)),
                  FollowUp(customer_id="cust", due_date=date(2026, 11, 25)),
                  FollowUp(customer_id="cust"),
                  FollowUp(customer_id="cust", due_date=date(2026, 11, 1), status=FollowUpStatus.DONE),
                  FollowUp(customer_id="other", due_date=date(2026, 11, 1))]
    facts = facts_from_records(customer, visits=[old, last, never, other], last_visit_answers=answers, template=tpl,
                               follow_ups=follow_ups, open_complaint=True,
                               monthly_orders=[(date(2026, 10, 1), 30)])
    assert facts == CustomerPlanningFacts(
        customer_id="cust", store_name="王记便利店", customer_class=A, status=CustomerStatus.ACTIVE,
        last_visit=date(2026, 11, 16), failed_items=("柜台整洁", "明码标价", "gone"), open_follow_ups=3,
        earliest_follow_up_due=date(2026, 11, 25), open_complaint=True, licence_expiry=date(2027, 1, 1),
        monthly_orders=((date(2026, 10, 1), 30),), latitude=28.1, longitude=113.1)


def test_facts_for_a_customer_never_visited():
    facts = facts_from_records(Customer(id="new"))
    assert facts.last_visit is None and facts.failed_items == () and facts.open_follow_ups == 0


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("bad", [
    dict(interval_days={A: 0, B: 14, C: 30}),
    dict(max_visits_per_day=0),
    dict(orders_drop_percent=0),
    dict(orders_min_history_months=7),
    dict(licence_warning_days=-1),
    dict(working_weekdays=frozenset({7})),
])
def test_nonsense_rules_are_refused(bad):
    with pytest.raises(ValueError):
        CadenceRules(**bad)
