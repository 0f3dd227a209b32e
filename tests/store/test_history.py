"""Customer history and planning facts on a small hand-built dataset."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from fieldapp.core.entities import AnswerResult, CustomerClass, CustomerStatus, FollowUpStatus, VisitType
from fieldapp.core.planning import build_plan
from fieldapp.store import visits as V
from fieldapp.store.customers import delete_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.history import customer_history, last_visit_failed_items, purchase_history
from fieldapp.store.photos import attach_photo
from fieldapp.store.planning_facts import build_planning_facts
from fieldapp.store.schema import purchase_history as purchase_table
from fieldapp.store.templates import install_template

from .test_visits import MANAGER, TZ, counter_template, jpeg_bytes, setup_customer

TODAY = date(2026, 11, 23)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def complete_visit(engine, profile, customer_id, when: datetime, minutes: int, failed=(), notes=None,
                   visit_type=VisitType.INSPECTION, on_behalf_of=None, manager=MANAGER) -> str:
    with write_transaction(engine) as conn:
        visit = V.start_visit(conn, customer_id, visit_type, manager, when, on_behalf_of=on_behalf_of)
        for key in ("counter_clean", "display", "price_tags"):
            result = AnswerResult.FAIL if key in failed else AnswerResult.PASS
            V.set_answer(conn, visit.id, key, result=result, count=5 if key == "display" else None,
                         note="价签缺失" if key == "price_tags" and key in failed else None)
        attach_photo(conn, profile, visit.id, "display", jpeg_bytes())
        for field, value in (notes or {}).items():
            V.save_visit_note_field(conn, visit.id, field, value)
        V.check_out(conn, visit.id, when + timedelta(minutes=minutes))
    return visit.id


def add_purchases(engine, customer_id, rows):
    now = "2026-11-23T00:00:00.000+00:00"
    with write_transaction(engine) as conn:  # from the order system: not journaled
        conn.execute(insert(purchase_table), [
            dict(id=f"{customer_id}-{month}-{brand}", created_at=now, updated_at=now, deleted=False, version=1,
                 customer_id=customer_id, month=month, brand=brand, cartons=cartons, amount_yuan=cartons * 250.0)
            for month, brand, cartons in rows])


@pytest.fixture
def dataset(engine, profile):
    """Customer A with a history; B never visited; C complained at its only visit; D deleted."""
    with write_transaction(engine) as conn:
        install_template(conn, counter_template())
    a = setup_customer(engine, code="A1", licence_no="430121100001", store_name="王记便利店", grade=25,
                       customer_class=CustomerClass.A, latitude=28.1, longitude=113.0, licence_expiry=date(2026, 12, 10))
    b = setup_customer(engine, code="B1", licence_no="430121100002", store_name="李家超市", grade=12)
    c = setup_customer(engine, code="C1", licence_no="430121100003", store_name="张三食杂店", grade=3)
    d = setup_customer(engine, code="D1", licence_no="430121100004", store_name="已注销", grade=3)

    v1 = complete_visit(engine, profile, a, at(date(2026, 9, 1)), 30, failed=("display",))
    v2 = complete_visit(engine, profile, a, at(date(2026, 10, 1)), 20, failed=("price_tags", "counter_clean"),
                        notes={"complaints": "送货晚了两天"}, visit_type=VisitType.SERVICE, on_behalf_of="mgr-li",
                        manager="mgr-zhao")
    complete_visit(engine, profile, c, at(date(2026, 11, 2)), 15, notes={"complaints": "价格有疑问"})
    complete_visit(engine, profile, d, at(date(2026, 11, 3)), 15)
    with write_transaction(engine) as conn:
        # A visit of A started today and not finished; one started by mistake and discarded.
        mistaken = V.start_visit(conn, a, VisitType.GUIDANCE, MANAGER, at(TODAY, 8))
        V.discard_visit(conn, mistaken.id)
        current = V.start_visit(conn, a, VisitType.GUIDANCE, MANAGER, at(TODAY, 9))
        V.add_follow_up(conn, a, "补充宣传品", date(2026, 12, 1), visit_id=v2)
        V.add_follow_up(conn, a, "回访价签", date(2026, 11, 25), visit_id=v2)
        V.add_follow_up(conn, a, "了解新品需求")
        done = V.add_follow_up(conn, a, "已完成的事", date(2026, 10, 5))
        V.close_follow_up(conn, done.id)
        V.add_follow_up(conn, b, "B 的待办", date(2026, 11, 20))
        delete_customer(conn, d)
    add_purchases(engine, a, [("2026-06", "黄鹤楼", 99), ("2026-08", "黄鹤楼", 10), ("2026-08", "芙蓉王", 5),
                              ("2026-09", "黄鹤楼", 12), ("2026-11", "芙蓉王", 7), ("2026-12", "芙蓉王", 1)])
    add_purchases(engine, b, [("2026-10", "白沙", 40)])
    return {"a": a, "b": b, "c": c, "d": d, "v1": v1, "v2": v2, "current": current.id}


def test_customer_history_numbers(engine, dataset):
    with engine.connect() as conn:
        history = customer_history(conn, dataset["a"], purchase_months=4)
    # Visits, latest first; the discarded one is not there.
    assert [v.id for v in history.visits] == [dataset["current"], dataset["v2"], dataset["v1"]]
    assert history.visit_count == 3
    latest, second, first = history.visits
    assert latest.duration is None and latest.score is None and latest.day == TODAY
    assert (second.visit_type, second.score, second.duration, second.failed_count) == (
        VisitType.SERVICE, 37.5, timedelta(minutes=20), 2)  # 30 of 80 weight passed
    assert (second.manager_id, second.on_behalf_of) == ("mgr-zhao", "mgr-li")
    assert (first.score, first.duration, first.failed_count) == (62.5, timedelta(minutes=30), 1)
    assert history.scores == [(date(2026, 9, 1), 62.5), (date(2026, 10, 1), 37.5)]
    assert history.average_score == 50.0
    # Open follow-ups, earliest due first, undated last; done ones and other customers' not listed.
    assert [(f.title, f.due_date) for f in history.open_follow_ups] == [
        ("回访价签", date(2026, 11, 25)), ("补充宣传品", date(2026, 12, 1)), ("了解新品需求", None)]
    assert all(f.status is FollowUpStatus.OPEN for f in history.open_follow_ups)
    # Last completed visit's failures, in template order, labelled from its template.
    assert [(f.key, f.label_zh, f.note) for f in history.last_visit_failed] == [
        ("counter_clean", "柜台整洁", ""), ("price_tags", "明码标价", "价签缺失")]
    # Purchases: the 4 months up to the latest on record, gaps as zeros, per brand.
    assert [(m.month, m.cartons, m.by_brand) for m in history.purchases] == [
        ("2026-09", 12, {"黄鹤楼": 12}), ("2026-10", 0, {}), ("2026-11", 7, {"芙蓉王": 7}), ("2026-12", 1, {"芙蓉王": 1})]
    assert history.purchases[0].amount_yuan == 3000.0
    assert history.brands == ["黄鹤楼", "芙蓉王"]


def test_purchase_history_window_and_empty_customers(engine, dataset):
    with engine.connect() as conn:
        months, brands = purchase_history(conn, dataset["a"], months=3, last_month="2026-08")
        assert [(m.month, m.cartons) for m in months] == [("2026-06", 99), ("2026-07", 0), ("2026-08", 15)]
        assert months[2].by_brand == {"黄鹤楼": 10, "芙蓉王": 5}
        assert brands == ["黄鹤楼", "芙蓉王"]
        assert purchase_history(conn, dataset["c"]) == ([], [])
        empty = customer_history(conn, dataset["b"])
    assert empty.visits == [] and empty.scores == [] and empty.average_score is None
    assert empty.last_visit_failed == [] and [f.title for f in empty.open_follow_ups] == ["B 的待办"]


def test_failed_items_of_a_visit_keep_their_template_version_labels(engine, profile, dataset):
    with write_transaction(engine) as conn:
        newer = counter_template(2)
        newer.items[0].label_zh = "柜台整洁（新版）"
        install_template(conn, newer)
        assert last_visit_failed_items(conn, dataset["a"])[0].label_zh == "柜台整洁"


def test_planning_facts(engine, dataset):
    with engine.connect() as conn:
        facts = {f.customer_id: f for f in build_planning_facts(conn, TODAY)}
    assert set(facts) == {dataset["a"], dataset["b"], dataset["c"]}  # deleted D is not planned
    a, b, c = facts[dataset["a"]], facts[dataset["b"]], facts[dataset["c"]]
    assert (a.store_name, a.customer_class, a.status) == ("王记便利店", CustomerClass.A, CustomerStatus.ACTIVE)
    assert a.last_visit == TODAY  # the visit in progress counts
    assert a.failed_items == ("柜台整洁", "明码标价")  # of the last completed visit, in template order
    assert (a.open_follow_ups, a.earliest_follow_up_due) == (3, date(2026, 11, 25))
    assert a.open_complaint  # an open follow-up from the visit whose note recorded a complaint
    assert a.licence_expiry == date(2026, 12, 10)
    assert (a.latitude, a.longitude) == (28.1, 113.0)
    # 12 complete months before November 2026; the current and future months are left out.
    assert a.monthly_orders == ((date(2026, 6, 1), 99.0), (date(2026, 8, 1), 15.0), (date(2026, 9, 1), 12.0))
    assert (b.last_visit, b.failed_items, b.open_follow_ups, b.open_complaint) == (None, (), 1, False)
    assert b.earliest_follow_up_due == date(2026, 11, 20)
    assert b.monthly_orders == ((date(2026, 10, 1), 40.0),)
    assert c.open_complaint and c.last_visit == date(2026, 11, 2) and c.failed_items == ()
    # The facts feed the planner as they are.
    plan = build_plan(facts.values(), TODAY, horizon_days=7)
    assert {v.customer_id for v in plan.visits} >= {dataset["b"], dataset["c"]}


def test_complaint_is_settled_once_visited_again_without_one(engine, profile, dataset):
    with engine.connect() as conn:
        assert {f.customer_id: f.open_complaint for f in build_planning_facts(conn, TODAY)}[dataset["c"]]
    complete_visit(engine, profile, dataset["c"], at(TODAY, 14), 10, manager="mgr-chen")
    with engine.connect() as conn:
        facts = {f.customer_id: f for f in build_planning_facts(conn, TODAY)}
    assert not facts[dataset["c"]].open_complaint
    assert facts[dataset["c"]].last_visit == TODAY
