"""AB cover in the store: journaled periods, the A-and-B-not-away-together rule, visits on behalf of A;
team members; publishing a template version."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldapp.core.entities import ChecklistItem, ItemKind, VisitType
from fieldapp.store import cover as C
from fieldapp.store import visits as V
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_entries, write_row
from fieldapp.store.publishing import TemplateRefused, publish_template_version
from fieldapp.store.schema import change_journal
from fieldapp.store.team import TeamError, display_names, list_members, set_backup
from fieldapp.store.templates import current_template

from ..conftest import make_customer

D0 = date(2026, 12, 1)
A, B, X = "mgr-a", "mgr-b", "mgr-x"


@pytest.fixture
def team(engine):
    with write_transaction(engine) as conn:
        for uid, name in ((A, "张三"), (B, "李四"), (X, "王五")):
            write_row(conn, "team_member", uid, {"username": uid, "display_name": name, "role": "manager",
                                                 "team_id": "t1"})
    return engine


def act(engine, fn, *args, **kwargs):
    with write_transaction(engine) as conn:
        return fn(conn, *args, **kwargs)


def test_record_cover_is_journaled_and_refuses_overlapping_leave(team):
    period = act(team, C.record_cover, A, B, D0, D0 + timedelta(days=4), "年假")
    with team.connect() as conn:
        (entry,) = [e for e in pending_entries(conn) if e["entity"] == "cover_period"]
        assert entry["op"] == "insert" and entry["changes"]["start_date"] == [None, "2026-12-01"]
        assert C.cover_periods_of(conn, B) == [period]
    # B cannot go on leave while covering A, with A as backup: both away.
    with pytest.raises(C.CoverError) as info:
        act(team, C.record_cover, B, A, D0 + timedelta(days=3), D0 + timedelta(days=6))
    assert "cannot be away at the same time" in str(info.value) and "李四" not in info.value.messages[0].text
    assert info.value.messages[0].params["b"] == "张三"
    # Nor with someone else as backup: B covers A then.
    with pytest.raises(C.CoverError, match="covers"):
        act(team, C.record_cover, B, X, D0 + timedelta(days=2), D0 + timedelta(days=2))
    with pytest.raises(C.CoverError, match="already has a cover period"):
        act(team, C.record_cover, A, X, D0 + timedelta(days=4), D0 + timedelta(days=8))
    with pytest.raises(C.CoverError, match="ends"):
        act(team, C.record_cover, X, B, D0, D0 - timedelta(days=1))
    with pytest.raises(C.CoverError, match="themselves"):
        act(team, C.record_cover, X, X, D0, D0)
    # After the period (or once it is cancelled) B may take leave.
    act(team, C.record_cover, B, A, D0 + timedelta(days=5), D0 + timedelta(days=6))
    act(team, C.cancel_cover, period.id)
    act(team, C.record_cover, B, X, D0 + timedelta(days=2), D0 + timedelta(days=2))
    with team.connect() as conn:
        assert C.get_cover(conn, period.id).cancelled
        assert [p.id for p in C.cover_periods_of(conn, A, include_cancelled=True)][0] == period.id


def test_change_dates_is_rechecked(team):
    first = act(team, C.record_cover, A, B, D0, D0 + timedelta(days=2))
    act(team, C.record_cover, B, A, D0 + timedelta(days=5), D0 + timedelta(days=6))
    with pytest.raises(C.CoverError, match="cannot be away"):
        act(team, C.change_cover_dates, first.id, D0, D0 + timedelta(days=5))
    act(team, C.change_cover_dates, first.id, D0, D0 + timedelta(days=4))
    with team.connect() as conn:
        assert C.get_cover(conn, first.id).end_date == D0 + timedelta(days=4)


def test_on_behalf_for_inside_the_period_only(team):
    customer = make_customer(manager_id=A)
    with write_transaction(team) as conn:
        save_customer(conn, customer)
    act(team, C.record_cover, A, B, D0, D0 + timedelta(days=2))
    with team.connect() as conn:
        assert C.on_behalf_for(conn, customer.id, B, D0 + timedelta(days=1)) == A
        assert V.on_behalf_for(conn, customer.id, B, D0 + timedelta(days=3)) is None   # after the period
        assert C.on_behalf_for(conn, customer.id, A, D0) is None                      # own customer
        assert C.on_behalf_for(conn, customer.id, X, D0) is None                      # not the backup
        assert C.covered_managers(conn, B, D0) == [A]
    now = datetime(2026, 12, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    with write_transaction(team) as conn:
        visit = V.start_visit(conn, customer.id, VisitType.SERVICE, B, now,
                              on_behalf_of=V.on_behalf_for(conn, customer.id, B, now.date()))
    assert visit.on_behalf_of == A and visit.manager_id == B


def test_team_members_and_backup_assignment(team):
    with team.connect() as conn:
        assert [m.name for m in list_members(conn, "t1")] == sorted(["张三", "李四", "王五"])
        assert display_names(conn)[A] == "张三"
    act(team, set_backup, A, B)
    with team.connect() as conn:
        entries = [e for e in pending_entries(conn) if e["entity"] == "team_member" and e["op"] == "update"]
        assert entries[-1]["changes"] == {"backup_id": [None, B]}
    with pytest.raises(TeamError):
        act(team, set_backup, A, A)


def test_publish_template_version(engine):
    items = [ChecklistItem("clean", "柜台整洁", "Clean", ItemKind.PASS_FAIL, 60),
             ChecklistItem("price", "明码标价", "Prices", ItemKind.PASS_FAIL, 40)]
    first = act(engine, publish_template_version, "counter_arrangement", "柜台整理", "Counter", items)
    second = act(engine, publish_template_version, "counter_arrangement", "柜台整理", "Counter", items[:1] + [
        ChecklistItem("minors", "不向未成年人售烟标识", "Minors sign", ItemKind.PASS_FAIL, 40)])
    assert (first.version, second.version) == (1, 2)
    with engine.connect() as conn:
        assert current_template(conn).id == second.id
        ops = conn.execute(select(change_journal.c.op).where(change_journal.c.entity == "checklist_template")).all()
        assert len(ops) == 2
    with pytest.raises(TemplateRefused) as info:
        act(engine, publish_template_version, "counter_arrangement", "柜台整理", "Counter",
            [items[0], ChecklistItem("clean", "重复", "Dup", ItemKind.PASS_FAIL, 40)])
    assert "used by items 1 and 2" in str(info.value)
    with pytest.raises(TemplateRefused, match="no items"):
        act(engine, publish_template_version, "counter_arrangement", "柜台整理", "Counter", [])
    with pytest.raises(TemplateRefused, match="add up to 90"):
        act(engine, publish_template_version, "x", "X", "X", [items[0], ChecklistItem("b", "b", "b", weight=30)])
