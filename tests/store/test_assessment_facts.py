"""Assessment facts read from a small database: visits made here and pulled, acks, follow-ups, plans."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from fieldapp.core.assessment import Share, assess
from fieldapp.core.entities import CustomerClass, CustomerStatus, FollowUpStatus, VisitStatus, VisitType
from fieldapp.core.periods import PeriodKind, period_containing
from fieldapp.core.planning import DayPlan, PlannedVisit
from fieldapp.core.protocol import MutationOutcome, OutcomeStatus, RowChange
from fieldapp.store import journal as journal_module
from fieldapp.store import sync_state as sync_state_module
from fieldapp.store import visits as V
from fieldapp.store.assessment_facts import build_assessment_facts, checklist_items, team_manager_ids
from fieldapp.store.day_plans import save_day_plan
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_entries
from fieldapp.store.schema import change_journal
from fieldapp.store.sync_state import USER_ID, apply_changes, record_outcomes, set_state
from fieldapp.store.templates import install_template

from .test_visits import TZ, counter_template, setup_customer
from .test_history import complete_visit

WANG, LI = "mgr-wang", "mgr-li"
W47 = period_containing(PeriodKind.WEEK, date(2026, 11, 18))  # 2026-11-16 .. 11-22


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def push_all(engine, monkeypatch, when: datetime) -> None:
    """Acknowledge every pending journal entry as applied, at ``when`` (what a sync does)."""
    monkeypatch.setattr(sync_state_module, "utc_now", lambda: utc_text(when))
    with write_transaction(engine) as conn:
        entries = pending_entries(conn, limit=10_000)
        record_outcomes(conn, entries, [MutationOutcome(int(e["seq"]), OutcomeStatus.APPLIED) for e in entries])


@pytest.fixture
def db(engine, profile, monkeypatch):
    """wang's laptop: wang's customers c1 (A), c2 (B); li's c5 (A) and a closed one; li's visit pulled.

    Visits made here: v_old 11-09 (c1, synced 11-09 18:00), v2 11-16 (c1; synced 11-19 12:00, i.e. late),
    v_cover 11-18 at li's c5 on behalf of li (synced 11-19 12:00), v_open 11-20 in progress.
    Pulled from the server: li's visit at c5 on 11-20 (score 75). Nothing checked in after 11-22 counts.
    """
    monkeypatch.setattr(journal_module, "utc_now", lambda: utc_text(at(11, 1)))
    with write_transaction(engine) as conn:
        install_template(conn, counter_template())
        set_state(conn, USER_ID, WANG)
    ids = {
        "c1": setup_customer(engine, code="C1", licence_no="430121100001", grade=25, customer_class=CustomerClass.A,
                             manager_id=WANG, backup_manager_id=LI),
        "c2": setup_customer(engine, code="C2", licence_no="430121100002", grade=12, customer_class=CustomerClass.B,
                             manager_id=WANG),
        "c5": setup_customer(engine, code="C5", licence_no="430121100005", grade=25, customer_class=CustomerClass.A,
                             manager_id=LI, backup_manager_id=WANG),
        "c9": setup_customer(engine, code="C9", licence_no="430121100009", grade=3, customer_class=CustomerClass.C,
                             manager_id=LI, status=CustomerStatus.CLOSED),
    }
    ids["v_old"] = complete_visit(engine, profile, ids["c1"], at(11, 9), 30, manager=WANG)
    push_all(engine, monkeypatch, at(11, 9, 18))
    ids["v2"] = complete_visit(engine, profile, ids["c1"], at(11, 16, 9), 40, failed=("display", "price_tags"),
                               notes={"complaints": "送货太晚"}, manager=WANG)
    ids["v_cover"] = complete_visit(engine, profile, ids["c5"], at(11, 18, 15), 25, manager=WANG, on_behalf_of=LI)
    push_all(engine, monkeypatch, at(11, 19, 12))
    ids["v_late"] = complete_visit(engine, profile, ids["c2"], at(11, 23, 9), 20, manager=WANG)  # next week
    with write_transaction(engine) as conn:
        ids["v_open"] = V.start_visit(conn, ids["c2"], VisitType.SERVICE, WANG, at(11, 20, 9)).id
    # li's visit, pulled: no journal entry here
    ids["v_li"] = "visit-li-1"
    with write_transaction(engine) as conn:
        apply_changes(conn, [RowChange("visit", ids["v_li"], 4, False, {
            "customer_id": ids["c5"], "visit_type": "service", "status": "completed", "manager_id": LI,
            "on_behalf_of": None, "check_in_at": "2026-11-20T14:00:00+08:00",
            "check_out_at": "2026-11-20T14:30:00+08:00", "score": 75.0})])
    return ids


def test_visits_from_the_database(engine, db):
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end, tz=TZ)
    visits = {v.visit_id: v for v in facts.visits}
    # v_old (11-09) is within the 30-day lookback; v_late (11-23) is after the range
    assert set(visits) == {db["v_old"], db["v2"], db["v_cover"], db["v_open"], db["v_li"]}
    v2 = visits[db["v2"]]
    assert (v2.manager_id, v2.customer_id, v2.customer_class, v2.status) == (
        WANG, db["c1"], CustomerClass.A, VisitStatus.COMPLETED)
    assert v2.check_in_at == at(11, 16, 9) and v2.check_out_at == at(11, 16, 9, 40)
    assert v2.failed_items == ("display", "price_tags")
    assert v2.score == 25.0  # counter_clean (20) passed of 20 + 30 + 30 applicable (minors_sign unanswered)
    assert v2.has_complaint is True
    assert v2.synced_at == at(11, 19, 12)  # the ack of the check-out change
    assert visits[db["v_old"]].synced_at == at(11, 9, 18)
    cover = visits[db["v_cover"]]
    assert (cover.manager_id, cover.on_behalf_of, cover.credited_to) == (WANG, LI, LI)
    assert visits[db["v_open"]].status is VisitStatus.IN_PROGRESS and visits[db["v_open"]].synced_at is None
    pulled = visits[db["v_li"]]
    assert (pulled.manager_id, pulled.score, pulled.synced_at, pulled.failed_items) == (LI, 75.0, None, ())


def test_a_rejected_check_out_is_not_synced(engine, db):
    with engine.begin() as conn:
        conn.execute(update(change_journal).where(change_journal.c.row_id == db["v2"]).values(
            outcome='{"status": "rejected", "version": null, "reason": "x", "conflict_id": null}'))
        facts = build_assessment_facts(conn, W47.start, W47.end, tz=TZ)
    assert {v.visit_id: v for v in facts.visits}[db["v2"]].synced_at is None


def test_customers_items_and_team(engine, db):
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end)
        assert team_manager_ids(conn) == [LI, WANG]
        assert [i.key for i in checklist_items(conn)] == ["counter_clean", "display", "price_tags", "minors_sign"]
    by_id = {c.customer_id: c for c in facts.customers}
    assert (by_id[db["c1"]].customer_class, by_id[db["c1"]].manager_id, by_id[db["c1"]].backup_manager_id) == (
        CustomerClass.A, WANG, LI)
    assert by_id[db["c9"]].status is CustomerStatus.CLOSED


def test_manager_filter_keeps_cover_visits_and_customers_visits(engine, db):
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end, manager_ids=[LI])
    assert {c.customer_id for c in facts.customers} == {db["c5"], db["c9"]}
    # li's own pulled visit, and wang's visit on behalf of li
    assert {v.visit_id for v in facts.visits} == {db["v_li"], db["v_cover"]}


def test_follow_ups_closing_dates_and_complaints(engine, db, monkeypatch):
    def now(moment):
        monkeypatch.setattr(journal_module, "utc_now", lambda: utc_text(moment))

    with write_transaction(engine) as conn:
        on_time = V.add_follow_up(conn, db["c1"], "回访价签", date(2026, 11, 18), owner_id=WANG, visit_id=db["v2"])
        late = V.add_follow_up(conn, db["c2"], "补宣传品", date(2026, 11, 17), owner_id=WANG)
        still_open = V.add_follow_up(conn, db["c2"], "新品需求", date(2026, 11, 20))
        old = V.add_follow_up(conn, db["c1"], "早已完成", date(2026, 10, 1), owner_id=WANG)
        V.close_follow_up(conn, old.id)  # done, due long before: not read (not open, not changed since)
    now(at(11, 18, 20))  # 12:00 UTC
    with write_transaction(engine) as conn:
        V.close_follow_up(conn, on_time.id)
    now(at(11, 19, 7))  # 2026-11-18 23:00 UTC: the local date is the 19th
    with write_transaction(engine) as conn:
        V.close_follow_up(conn, late.id)
    # li's follow-up, pulled already done: closed elsewhere, date unknown here
    with write_transaction(engine) as conn:
        apply_changes(conn, [RowChange("follow_up", "fu-li", 2, False, {
            "customer_id": db["c5"], "visit_id": db["v_li"], "title": "处理投诉", "due_date": "2026-11-21",
            "status": "done", "owner_id": LI, "source_item_key": None})])
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end, tz=TZ)
    fus = {f.follow_up_id: f for f in facts.follow_ups}
    assert old.id not in fus
    assert (fus[on_time.id].status, fus[on_time.id].closed_on, fus[on_time.id].is_complaint,
            fus[on_time.id].created_on) == (FollowUpStatus.DONE, date(2026, 11, 18), True, date(2026, 11, 16))
    assert fus[late.id].closed_on == date(2026, 11, 19) and fus[late.id].is_complaint is False
    assert fus[still_open.id].closed_on is None and fus[still_open.id].owner_id is None
    assert fus[still_open.id].created_on == date(2026, 11, 1)  # created_at (patched clock), local date
    assert (fus["fu-li"].status, fus["fu-li"].closed_on, fus["fu-li"].due_date) == (
        FollowUpStatus.DONE, None, date(2026, 11, 21))

    result = assess(facts, W47, [WANG, LI])
    wang = result.manager(WANG)
    # due in W47 for wang: on_time (18th, closed 18th), late (17th, closed 19th), still_open (20th; owner = c2's
    # manager) -> 1/3
    assert (wang.follow_ups_on_time, wang.follow_ups_late, wang.follow_ups_open) == (Share(1, 3), 1, 1)
    # li: fu-li due 21st, done elsewhere: closing date unknown
    assert (result.manager(LI).follow_ups_on_time, result.manager(LI).follow_ups_close_unknown) == (Share(0, 1), 1)


def test_saved_day_plans_are_the_signed_in_managers(engine, db):
    with write_transaction(engine) as conn:
        save_day_plan(conn, DayPlan(date(2026, 11, 16), (PlannedVisit(db["c1"], date(2026, 11, 16), 10, ()),
                                                         PlannedVisit(db["c2"], date(2026, 11, 16), 10, ()))))
        save_day_plan(conn, DayPlan(date(2026, 11, 23), (PlannedVisit(db["c2"], date(2026, 11, 23), 10, ()),)))
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end)
        nobody = build_assessment_facts(conn, W47.start, W47.end, plan_owner_id=None)
    assert sorted((p.manager_id, p.customer_id, p.day) for p in facts.planned) == sorted([
        (WANG, db["c1"], date(2026, 11, 16)), (WANG, db["c2"], date(2026, 11, 16))])
    assert nobody.planned == ()
    wang = assess(facts, W47, [WANG]).manager(WANG)
    assert (wang.planned, wang.done_as_planned) == (2, Share(1, 2))  # c1 visited on the 16th (v2), c2 not


def test_figures_end_to_end(engine, db):
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end, tz=TZ)
    result = assess(facts, W47, [WANG, LI])
    wang, li = result.manager(WANG), result.manager(LI)
    # wang: c1 (11-09, 11-16, end 11-22: 6 days) covered; c2 (B) only an in-progress visit -> 1/2
    assert wang.coverage == Share(1, 2)
    assert (wang.visits, wang.visits_on_behalf, wang.score.value) == (1, 1, 25.0)
    # made by wang in W47: v2 (synced 11-19 12:00, 3 days after 11-16 09:40: late) and v_cover (11-18 15:25 ->
    # 11-19 12:00: on time) -> 1/2
    assert (wang.late_syncs, wang.sync_unknown) == (Share(1, 2), 0)
    assert wang.complaints_without_follow_up == 1  # v2's complaint, no follow-up in this test
    # li: c5 visited 11-18 (wang for li) and 11-20 (li, pulled) -> but 11-16/17 need a visit since 11-09: none
    assert li.coverage == Share(0, 1)  # c9 is closed
    assert (li.visits, li.visits_by_others, li.score.value) == (2, 1, pytest.approx((75.0 + 100.0) / 2))
    assert (li.late_syncs, li.sync_unknown) == (Share(0, 0), 1)  # the pulled visit's sync time is unknown
    assert [f.key for f in wang.failed_items] == ["display", "price_tags"]
    assert wang.failed_items[0].label_zh == "卷烟出样"


def test_empty_database(engine):
    with engine.connect() as conn:
        facts = build_assessment_facts(conn, W47.start, W47.end)
        with pytest.raises(ValueError):
            build_assessment_facts(conn, W47.end, W47.start)
    assert facts.customers == () and facts.visits == () and facts.planned == ()
    assert assess(facts, W47).team.coverage.value is None
