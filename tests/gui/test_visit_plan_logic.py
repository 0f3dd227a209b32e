"""The merged plan (pure): saved days keep their order and reasons, drops move on, new warnings are flagged."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fieldapp.core.entities import CustomerClass, Visit, VisitStatus
from fieldapp.core.planning import CustomerPlanningFacts, DayPlan, ReasonKind
from fieldapp.gui.visit.plan_logic import edit_add, edit_drop, edit_move, leg_distances, merged_plan
from fieldapp.store.day_plans import SavedDayPlan, decode_day_plan, encode_day_plan

MONDAY = date(2026, 11, 23)


def facts(cid: str, name: str, *, last: date | None = None, klass=CustomerClass.B, lat=None, lon=None,
          **kw) -> CustomerPlanningFacts:
    return CustomerPlanningFacts(customer_id=cid, store_name=name, customer_class=klass, last_visit=last,
                                 latitude=lat, longitude=lon, **kw)


def test_saved_day_round_trips_through_json():
    plan = merged_plan([facts("a", "甲店", licence_expiry=MONDAY + timedelta(days=3)), facts("b", "乙店")], MONDAY)
    day = plan.days[0]
    text = encode_day_plan(day.plan, {"x"})
    saved = decode_day_plan(MONDAY, text)
    assert saved.plan == day.plan and saved.dropped == {"x"}
    assert saved.plan.visits[0].reasons[0].message.render() == day.visits[0].reasons[0].message.render()
    assert decode_day_plan(MONDAY, "{not json") is None
    assert decode_day_plan(MONDAY, '{"version": 99, "visits": []}') is None


def test_saved_order_is_kept_and_new_warnings_come_last():
    all_facts = [facts("a", "甲店"), facts("b", "乙店"), facts("c", "丙店")]
    first = merged_plan(all_facts[:2], MONDAY).days[0]
    reordered = edit_move(first, first.visits[1].customer_id, 0)
    saved = {MONDAY: SavedDayPlan(reordered.plan, frozenset())}
    merged = merged_plan(all_facts, MONDAY, saved=saved).days[0]
    assert [v.customer_id for v in merged.visits] == [v.customer_id for v in reordered.visits] + ["c"]
    assert merged.saved and merged.new_ids == {"c"}


def test_a_dropped_customer_moves_to_the_next_day_of_the_week():
    all_facts = [facts("a", "甲店"), facts("b", "乙店")]
    today = merged_plan(all_facts, MONDAY).days[0]
    dropped = edit_drop(today, "a")
    week = merged_plan(all_facts, MONDAY, horizon_days=7,
                       saved={MONDAY: SavedDayPlan(dropped.plan, dropped.dropped)})
    assert [v.customer_id for v in week.days[0].visits] == ["b"]
    assert [v.customer_id for v in week.days[1].visits] == ["a"]
    assert week.days[1].visits[0].day == MONDAY + timedelta(days=1)


def test_visited_customer_keeps_its_saved_reasons_and_is_marked():
    tz = timezone(timedelta(hours=8))
    before = merged_plan([facts("a", "甲店")], MONDAY).days[0]
    after_visit = [facts("a", "甲店", last=MONDAY)]  # the planner no longer wants it today
    visit = Visit(id="v1", customer_id="a", status=VisitStatus.COMPLETED, score=90.0,
                  check_in_at=datetime(2026, 11, 23, 9, 0, tzinfo=tz))
    merged = merged_plan(after_visit, MONDAY, saved={MONDAY: SavedDayPlan(before.plan)},
                         visits_today=[visit]).days[0]
    assert [v.customer_id for v in merged.visits] == ["a"]
    assert merged.visits[0].reasons == before.visits[0].reasons
    assert merged.marks["a"].score == 90.0


def test_adding_by_hand_shows_the_manual_and_the_current_reasons():
    day = merged_plan([], MONDAY).days[0]
    f = facts("z", "远郊店", last=MONDAY - timedelta(days=3), open_follow_ups=2)
    added = edit_add(day, f, MONDAY, note="零售户来电")
    kinds = [r.kind for r in added.visits[0].reasons]
    assert kinds[0] is ReasonKind.MANUAL and ReasonKind.OPEN_FOLLOW_UP in kinds
    assert added.saved


def test_leg_distances_skip_stops_without_position():
    plan = DayPlan(MONDAY, tuple(merged_plan([facts("a", "甲", lat=28.0, lon=113.0), facts("b", "乙"),
                                               facts("c", "丙", lat=28.1, lon=113.0)], MONDAY).days[0].visits))
    legs = dict(zip([v.customer_id for v in plan.visits], leg_distances(plan.visits)))
    assert legs["b"] is None  # no position
    measured = [km for km in legs.values() if km is not None]
    assert len(measured) == 1 and 11.0 < measured[0] < 11.2  # 0.1 degree of latitude; the first stop has none
