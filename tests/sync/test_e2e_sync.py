"""End to end: the real server process (SQLite and PostgreSQL) and real client profiles.

Offline edits on several laptops, sync, convergence; concurrent edits merged
or recorded as conflicts; scope (own customers, team, AB cover) with grants and
revocations; a batch sent twice; protocol mismatch.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldapp.core.merge import TEXT_SEPARATOR
from fieldapp.core.protocol import Mutation, MutationOp, OutcomeStatus
from fieldapp.store import sync_state as ss
from fieldapp.store.journal import pending_entries
from fieldapp.sync.engine import SyncReport

from .e2e import assert_converged, server_view

pytestmark = pytest.mark.slow


def test_offline_edits_on_three_laptops_converge(live_server, laptops, team):
    names = team(managers=2, lead=True)
    a, b = laptops(live_server.url, names["m1"]), laptops(live_server.url, names["m2"])
    lead = laptops(live_server.url, names["lead"])
    # offline work on each laptop
    a_customers = [a.new_customer(store_name=f"甲店{i}") for i in range(3)]
    b_customer = b.new_customer(store_name="乙店")
    visit = a.new_visit(a_customers[0].id, answers=3, note="想要新品")
    a.edit(a_customers[2].id, notes="离线修改")
    assert a.pending() > 0 and b.pending() > 0

    for laptop in (a, b, lead, a, b):
        report = laptop.sync()
        assert report.status == "ok", report.message
    assert a.pending() == b.pending() == 0

    view_a = assert_converged(a)
    view_b = assert_converged(b)
    view_lead = assert_converged(lead)
    # scope: each manager their own customers; the lead the whole team
    assert set(view_a["customer"]) == {c.id for c in a_customers}
    assert set(view_b["customer"]) == {b_customer.id}
    assert set(view_lead["customer"]) == {c.id for c in a_customers} | {b_customer.id}
    assert visit in view_lead["visit"] and len(view_lead["checklist_answer"]) == 3
    # the server assigned the creator as manager, and that came back down
    assert a.get(a_customers[0].id).manager_id == a.user.id
    # search works on pulled rows
    from fieldapp.store.customers import CustomerQuery, search_customer_ids

    with lead.engine.connect() as conn:
        assert search_customer_ids(conn, CustomerQuery(text="乙店")) == [b_customer.id]

    # a lead's edit reaches the manager
    lead.edit(a_customers[1].id, needs="补货")
    assert lead.sync().status == "ok"
    assert a.sync().status == "ok"
    assert a.get(a_customers[1].id).needs == "补货"
    assert_converged(a)


def test_new_customer_and_its_visit_in_one_batch(live_server, laptops, team):
    """A customer created offline and visited before the next sync: both go up in one push."""
    names = team(managers=1)
    a = laptops(live_server.url, names["m1"])
    customer = a.new_customer(store_name="新开的店")
    visit = a.new_visit(customer.id, answers=2, note="第一次拜访")
    report = a.sync()
    assert report.status == "ok", [(c.entity, c.reason) for c in a.open_conflicts()]
    assert report.rejected == 0
    view = assert_converged(a)
    assert visit in view["visit"]


def test_new_customer_edited_before_the_first_sync(live_server, laptops, team):
    names = team(managers=1)
    a = laptops(live_server.url, names["m1"])
    customer = a.new_customer()
    a.edit(customer.id, needs="刚建就改")
    report = a.sync()
    assert report.status == "ok" and report.rejected == 0
    assert assert_converged(a)["customer"][customer.id][0] == 2


def test_concurrent_edits_merge_and_record_conflicts(live_server, laptops, team):
    names = team(managers=1)
    first = laptops(live_server.url, names["m1"], name="desk")
    customer = first.new_customer(notes="初始", phone="13800000000", address="老地址")
    assert first.sync().status == "ok"
    second = laptops(live_server.url, names["m1"], name="field")  # same manager, second laptop
    assert second.sync().status == "ok"

    first.edit(customer.id, notes="店主想要新品", phone="13811111111")
    second.edit(customer.id, notes="投诉送货晚", address="新地址", phone="13822222222")
    assert first.sync().status == "ok"
    report = second.sync()
    assert report.status == "conflicts", report.message
    assert report.conflicts == 1

    merged = second.get(customer.id)
    assert merged.address == "新地址"                    # changed on one side only: taken
    assert merged.phone == "13811111111"                 # both changed: the server keeps its value
    assert merged.notes == "店主想要新品" + TEXT_SEPARATOR + "投诉送货晚"  # free text: both kept
    (conflict,) = second.open_conflicts()
    assert conflict.kind == "conflict" and conflict.server_conflict_id
    assert conflict.fields["phone"]["local"] == "13822222222"  # the losing value is kept locally
    assert conflict.fields["phone"]["server"] == "13811111111"

    # the server's conflict record is there for the conflicts view
    records = second.client.list_conflicts()["conflicts"]
    assert any(r["id"] == conflict.server_conflict_id for r in records)

    assert first.sync().status == "ok"
    assert first.get(customer.id).notes == merged.notes
    assert_converged(first)
    assert_converged(second)


def test_edit_of_a_row_deleted_elsewhere_is_a_conflict_not_a_loss(live_server, laptops, team):
    from fieldapp.store.customers import delete_customer
    from fieldapp.store.db import write_transaction

    names = team(managers=1)
    a = laptops(live_server.url, names["m1"], name="a")
    customer = a.new_customer()
    a.sync()
    b = laptops(live_server.url, names["m1"], name="b")
    b.sync()
    with write_transaction(a.engine) as conn:
        delete_customer(conn, customer.id)
    b.edit(customer.id, needs="还要进货")
    assert a.sync().status == "ok"
    report = b.sync()
    assert report.status == "conflicts" and report.conflicts == 1
    (conflict,) = b.open_conflicts()
    assert conflict.fields["needs"]["local"] == "还要进货"
    assert b.get(customer.id) is None or b.rows()[customer.id][1]  # the tombstone stays
    assert_converged(a)
    assert_converged(b)


def test_batch_sent_twice_is_applied_once(live_server, laptops, team):
    names = team(managers=1)
    a = laptops(live_server.url, names["m1"])
    customers = [a.new_customer() for _ in range(3)]
    a.edit(customers[0].id, needs="改一下")             # a row inserted and updated in one batch
    with a.engine.connect() as conn:
        entries = pending_entries(conn)
    mutations = [Mutation(seq=e["seq"], entity=e["entity"], row_id=e["row_id"], op=MutationOp(e["op"]),
                          base_version=e["base_version"], changes=e["changes"]) for e in entries]
    first = a.client.push(a.client_id, mutations)       # the reply is "lost": not recorded locally
    rows_after_first = live_server.row_count("customer")
    second = a.client.push(a.client_id, mutations)      # the same batch again
    assert [o.status for o in first.outcomes] == [o.status for o in second.outcomes]
    assert [o.version for o in first.outcomes] == [o.version for o in second.outcomes]
    assert all(o.status == OutcomeStatus.APPLIED for o in second.outcomes)
    assert live_server.row_count("customer") == rows_after_first
    assert live_server.applied_count(a.client_id) == len(entries)
    report = a.sync()                                   # sends it a third time, then records
    assert report.status == "ok" and report.pushed == len(entries) and report.conflicts == 0
    assert live_server.applied_count(a.client_id) == len(entries)
    view = assert_converged(a)
    assert view["customer"][customers[0].id][0] == 2   # insert + one update: version 2, not more
    assert all(view["customer"][c.id][0] == 1 for c in customers[1:])


def test_out_of_scope_customer_never_reaches_the_client(live_server, laptops, team):
    names = team(managers=2)
    owner = laptops(live_server.url, names["m1"])
    other = laptops(live_server.url, names["m2"])
    secret = owner.new_customer(store_name="别人的店")
    owner.sync()
    other.sync()
    assert secret.id not in other.ids()
    assert secret.id not in server_view(other).get("customer", {})
    # pushing to it is refused without telling anything about it
    mutation = Mutation(seq=10_000, entity="customer", row_id=secret.id, op=MutationOp.UPDATE, base_version=1,
                        changes={"notes": ["", "偷看"]})
    (outcome,) = other.client.push(other.client_id, [mutation]).outcomes
    assert outcome.status == OutcomeStatus.REJECTED and outcome.values is None
    assert outcome.reason.startswith("not_found")
    # a visit for it is refused too
    visit = Mutation(seq=10_001, entity="visit", row_id="v-" + secret.id, op=MutationOp.INSERT, base_version=0,
                     changes={"customer_id": [None, secret.id], "visit_type": [None, "service"],
                              "status": [None, "completed"]})
    (outcome,) = other.client.push(other.client_id, [visit]).outcomes
    assert outcome.status == OutcomeStatus.REJECTED and outcome.values is None
    assert "v-" + secret.id not in server_view(owner).get("visit", {})
    assert other.sync().status == "ok"
    assert secret.id not in other.ids()
    assert_converged(other)
    assert_converged(owner)


def test_ab_cover_grants_and_revokes(live_server, laptops, team):
    names = team(managers=2)
    a = laptops(live_server.url, names["m1"], name="A")
    b = laptops(live_server.url, names["m2"], name="B")
    a_customers = [a.new_customer() for _ in range(2)]
    a.new_visit(a_customers[0].id, answers=1)
    assert a.sync().status == "ok"
    assert b.sync().status == "ok"
    assert not (set(b.ids()) & {c.id for c in a_customers})

    today = date.today()
    live_server.add_cover(names["m1"], names["m2"], today - timedelta(days=1), today + timedelta(days=3))
    report = b.sync()
    assert report.status == "ok", report.message
    view = assert_converged(b)
    assert {c.id for c in a_customers} <= set(view["customer"])       # granted: A's customers ...
    assert len(view.get("visit", {})) == 1                             # ... with their visits

    # B visits one of A's customers on A's behalf while covering
    visit = b.new_visit(a_customers[1].id, answers=1, note="代拜访")
    assert b.sync().status == "ok"
    assert a.sync().status == "ok"
    assert visit in set(a.ids("visit"))

    live_server.end_cover(names["m1"], names["m2"])                   # the cover period is over
    report = b.sync()
    assert report.status == "ok", report.message
    assert report.removed > 0
    assert not (set(b.ids()) & {c.id for c in a_customers})           # revoked: gone from B's laptop
    assert not b.ids("visit") and not b.ids("checklist_answer")
    assert_converged(b)
    assert_converged(a)


def test_revoked_rows_with_unsent_edits_are_kept(live_server, laptops, team):
    names = team(managers=2)
    a = laptops(live_server.url, names["m1"], name="A")
    b = laptops(live_server.url, names["m2"], name="B")
    customer = a.new_customer()
    a.sync()
    today = date.today()
    live_server.add_cover(names["m1"], names["m2"], today - timedelta(days=1), today + timedelta(days=3))
    b.sync()
    live_server.end_cover(names["m1"], names["m2"])
    b.edit(customer.id, needs="离线时写的")
    # Pull only (as if the push had failed): the row holds an unsent edit, so it stays.
    b.sync_engine._pull(SyncReport(), None, None)
    assert b.get(customer.id).needs == "离线时写的"
    # The next full sync pushes it (refused: no longer B's customer), records that, then removes the row.
    report = b.sync()
    assert report.rejected == 1 and report.status == "conflicts"
    assert b.get(customer.id) is None
    (refused,) = [c for c in b.open_conflicts() if c.kind == "rejected"]
    assert refused.fields["needs"]["local"] == "离线时写的"               # nothing typed is lost


def test_protocol_mismatch_keeps_the_outbox(live_server, laptops, team, monkeypatch):
    from fieldapp.core.protocol import PROTOCOL_HEADER

    names = team(managers=1)
    a = laptops(live_server.url, names["m1"])
    a.new_customer()
    a.client.session.headers[PROTOCOL_HEADER] = "999"   # a FieldApp newer than the server
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "protocol"
    assert "update the server" in report.message
    assert a.pending() == 1
    a.client.session.headers[PROTOCOL_HEADER] = "0"     # a FieldApp older than the server
    report = a.sync()
    assert report.status == "failed" and "Update FieldApp" in report.message
    assert a.pending() == 1
    with a.engine.connect() as conn:
        assert ss.get_state(conn, ss.LAST_STATUS) == "failed"
    from fieldapp.core.protocol import PROTOCOL_VERSION

    a.client.session.headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
    assert a.sync().status == "ok" and a.pending() == 0


def test_conflict_resolved_from_the_laptop_reaches_everyone(live_server, laptops, team):
    from fieldapp.sync import conflicts

    names = team(managers=1)
    first = laptops(live_server.url, names["m1"], name="desk")
    customer = first.new_customer(phone="13800000000")
    first.sync()
    second = laptops(live_server.url, names["m1"], name="field")
    second.sync()
    first.edit(customer.id, phone="13811111111")
    second.edit(customer.id, phone="13822222222")
    first.sync()
    assert second.sync().status == "conflicts"
    (conflict,) = second.open_conflicts()
    listed = conflicts.server_conflicts(second.client)
    assert conflict.server_conflict_id in {c.id for c in listed.conflicts}

    row = conflicts.resolve(second.engine, second.client, conflict.id, conflicts.KEEP_MINE)
    assert row is not None and row.values["phone"] == "13822222222"
    assert second.get(customer.id).phone == "13822222222"
    assert not second.open_conflicts()
    assert second.sync().status == "ok"
    assert first.sync().status == "ok"
    assert first.get(customer.id).phone == "13822222222"
    assert conflict.server_conflict_id not in {c.id for c in conflicts.server_conflicts(first.client).conflicts}
    assert_converged(first)
    assert_converged(second)


def test_refused_change_can_be_dismissed(live_server, laptops, team):
    from fieldapp.sync import conflicts

    names = team(managers=1)
    a = laptops(live_server.url, names["m1"])
    customer = a.new_customer()
    a.sync()
    a.edit(customer.id, manager_id="someone-else")   # only leads and admins may reassign
    report = a.sync()
    assert report.status == "conflicts" and report.rejected == 1
    (refused,) = a.open_conflicts()
    assert refused.kind == "rejected" and "manager_id" in refused.fields
    assert a.get(customer.id).manager_id == a.user.id   # the refused value was put back
    with pytest.raises(Exception):
        conflicts.resolve(a.engine, a.client, refused.id, conflicts.KEEP_MINE)
    conflicts.dismiss(a.engine, refused.id)
    assert not a.open_conflicts()
    assert a.sync().status == "ok"
    assert_converged(a)
