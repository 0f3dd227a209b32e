"""Applying server rows, acknowledgements and conflicts in the local store (no network)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from fieldapp.core.protocol import MutationOutcome, OutcomeStatus, RowChange, RowRef
from fieldapp.store import sync_state as ss
from fieldapp.store.customers import CustomerQuery, customer_to_values, get_customer, save_customer, search_customer_ids
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_count, pending_entries
from fieldapp.store.schema import change_journal, customers, visits
from tests.conftest import make_customer


def server_values(**overrides):
    values = customer_to_values(make_customer(**overrides))
    values["licence_expiry"] = values["licence_expiry"].isoformat() if values["licence_expiry"] else None
    return values


def ids_for(engine, query: str) -> list[str]:
    with engine.connect() as conn:
        return search_customer_ids(conn, CustomerQuery(text=query))


def test_new_rows_are_inserted_with_search_entries(engine):
    values = server_values(code="S1", store_name="李记超市", owner="李四")
    with ss.sync_transaction(engine) as conn:
        counts = ss.apply_changes(conn, [RowChange("customer", "c1", 3, False, values)])
    assert counts.inserted == 1
    with engine.connect() as conn:
        row = conn.execute(select(customers).where(customers.c.id == "c1")).mappings().one()
        assert row["version"] == 3 and row["store_name"] == "李记超市" and row["search_key"] >= 1
        assert pending_count(conn) == 0  # server rows are never journaled
    assert ids_for(engine, "记超") == ["c1"]


def test_update_replaces_values_and_reindexes(engine):
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "c1", 1, False, server_values(store_name="李记超市"))])
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "c1", 2, False, server_values(store_name="张家小卖部"))])
    assert ids_for(engine, "李记") == []
    assert ids_for(engine, "小卖") == ["c1"]
    # a tombstone hides it from search
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "c1", 3, True, server_values(store_name="张家小卖部"))])
    assert ids_for(engine, "小卖") == []


def test_stale_server_version_is_ignored(engine):
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "c1", 5, False, server_values(phone="1"))])
        counts = ss.apply_changes(conn, [RowChange("customer", "c1", 4, False, server_values(phone="2"))])
    assert counts.stale == 1
    with engine.connect() as conn:
        assert conn.execute(select(customers.c.phone)).scalar_one() == "1"


def test_pending_local_fields_are_kept_others_take_server_values(engine):
    customer = make_customer(store_name="原名", phone="13800000111")
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
    with ss.sync_transaction(engine) as conn:
        # the server acknowledged nothing yet; another client changed the phone and the name
        counts = ss.apply_changes(conn, [RowChange("customer", customer.id, 7, False,
                                                   server_values(store_name="服务器名", phone="13800000999"))])
    assert counts.kept_local == 1
    with engine.connect() as conn:
        local = get_customer(conn, customer.id)
        version = conn.execute(select(customers.c.version).where(customers.c.id == customer.id)).scalar_one()
    # all fields were part of the pending insert, so all keep the local value; version is the server's
    assert local.store_name == "原名" and local.phone == "13800000111" and version == 7

    # after acknowledging the insert, only a later edit is pending
    with write_transaction(engine) as conn:
        conn.execute(change_journal.update().values(acked_at="x"))
        customer.phone = "13800000222"
        save_customer(conn, customer)
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", customer.id, 8, False,
                                          server_values(store_name="服务器名", phone="13800000999"))])
    with engine.connect() as conn:
        local = get_customer(conn, customer.id)
    assert local.store_name == "服务器名"  # no pending edit: server value
    assert local.phone == "13800000222"  # pending edit kept
    assert ids_for(engine, "服务器") == [customer.id]


def test_revoked_rows_removed_unless_pending(engine):
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "a", 1, False, server_values(code="A")),
                                RowChange("customer", "b", 1, False, server_values(code="B"))])
    with write_transaction(engine) as conn:
        customer = get_customer(conn, "b")
        customer.notes = "local edit"
        save_customer(conn, customer)
    with ss.sync_transaction(engine) as conn:
        counts = ss.remove_rows(conn, [RowRef("customer", "a"), RowRef("customer", "b")])
    assert counts.removed == 1 and counts.kept_revoked == 1
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(select(customers.c.id))] == ["b"]
        assert conn.execute(text("SELECT count(*) FROM customer_search")).scalar_one() == 1


def test_revoked_parent_kept_while_a_child_remains(engine):
    visit_values = {"customer_id": "a", "visit_type": "service", "status": "completed"}
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("visit", "v1", 1, False, visit_values),
                                RowChange("customer", "a", 1, False, server_values(code="A"))])
    with ss.sync_transaction(engine) as conn:
        counts = ss.remove_rows(conn, [RowRef("customer", "a")])
    assert counts.kept_revoked == 1
    with ss.sync_transaction(engine) as conn:
        counts = ss.remove_rows(conn, [RowRef("customer", "a"), RowRef("visit", "v1")])
    assert counts.removed == 2
    with engine.connect() as conn:
        assert conn.execute(select(visits.c.id)).first() is None


def test_children_may_arrive_before_their_parent(engine):
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("visit", "v1", 1, False,
                                          {"customer_id": "later", "visit_type": "service", "status": "completed"})])
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "later", 1, False, server_values())])
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []


def test_tombstone_of_unknown_row_is_skipped(engine):
    with ss.sync_transaction(engine) as conn:
        counts = ss.apply_changes(conn, [RowChange("customer", "gone", 4, True, {})])
    assert counts.skipped == 1


def test_record_outcomes_acks_applies_and_rebases(engine):
    customer = make_customer()
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
        customer.phone = "13900000000"
        save_customer(conn, customer)
    with engine.connect() as conn:
        entries = pending_entries(conn)
    assert [e["base_version"] for e in entries] == [0, 0]
    first = entries[:1]
    values = server_values()
    values["manager_id"] = "server-assigned"
    with ss.sync_transaction(engine) as conn:
        counts = ss.record_outcomes(conn, first, [MutationOutcome(
            seq=first[0]["seq"], status=OutcomeStatus.APPLIED, version=1, values=values)])
    assert counts.applied == 1
    with engine.connect() as conn:
        rest = pending_entries(conn)
        row = conn.execute(select(customers).where(customers.c.id == customer.id)).mappings().one()
    assert len(rest) == 1 and rest[0]["base_version"] == 1  # rebased on the acknowledged insert
    assert row["version"] == 1
    assert row["manager_id"] == "server-assigned"  # server value for a field without pending edits
    assert row["phone"] == "13900000000"  # pending edit kept


def test_conflict_and_rejection_are_recorded_with_local_values(engine):
    customer = make_customer(notes="mine")
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
    with ss.sync_transaction(engine) as conn:
        ss.record_outcomes(conn, [], [])
    with engine.connect() as conn:
        entry = pending_entries(conn)[0]
    server = server_values(notes="theirs\n——\nmine")
    with ss.sync_transaction(engine) as conn:
        counts = ss.record_outcomes(conn, [entry], [MutationOutcome(
            seq=entry["seq"], status=OutcomeStatus.CONFLICT, version=4, values=server, conflict_id="srv-1")])
    assert counts.conflicts == 1 and counts.conflict_ids == ["srv-1"]
    with engine.connect() as conn:
        conflicts = ss.open_conflicts(conn)
        assert pending_count(conn) == 0
        assert get_customer(conn, customer.id).notes == "theirs\n——\nmine"
        outcome = json.loads(conn.execute(select(change_journal.c.outcome)).scalar_one())
    assert outcome["status"] == "conflict"
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "conflict" and c.server_conflict_id == "srv-1"
    assert c.fields["notes"]["local"] == "mine" and c.fields["notes"]["server"] == "theirs\n——\nmine"

    # a rejection keeps the local values too
    with write_transaction(engine) as conn:
        customer.notes = "again"
        save_customer(conn, customer)
    with engine.connect() as conn:
        entry = pending_entries(conn)[0]
    with ss.sync_transaction(engine) as conn:
        counts = ss.record_outcomes(conn, [entry], [MutationOutcome(
            seq=entry["seq"], status=OutcomeStatus.REJECTED, reason="outside your customers")])
    assert counts.rejected == 1
    with engine.connect() as conn:
        kinds = [(c.kind, c.reason) for c in ss.open_conflicts(conn)]
        assert ss.open_conflict_count(conn) == 2
    assert ("rejected", "outside your customers") in kinds
    with engine.connect() as conn:  # the refused value is put back to what the user saw before
        assert get_customer(conn, customer.id).notes == "theirs\n——\nmine"


def test_refused_delete_in_conflict_brings_the_row_back(engine):
    from fieldapp.store.customers import delete_customer

    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "c1", 2, False, server_values(store_name="还在店"))])
    with write_transaction(engine) as conn:
        delete_customer(conn, "c1")
    with engine.connect() as conn:
        entry = pending_entries(conn)[0]
    assert ids_for(engine, "还在") == []
    with ss.sync_transaction(engine) as conn:
        ss.record_outcomes(conn, [entry], [MutationOutcome(
            seq=entry["seq"], status=OutcomeStatus.CONFLICT, version=3, values=server_values(store_name="还在店"),
            conflict_id="k", reason="changed_on_server: kept")])
    with engine.connect() as conn:
        row = conn.execute(select(customers.c.deleted, customers.c.version)).one()
    assert (bool(row.deleted), row.version) == (False, 3)
    assert ids_for(engine, "还在") == ["c1"]


def test_replayed_outcome_for_acked_entry_is_ignored(engine):
    customer = make_customer()
    with write_transaction(engine) as conn:
        save_customer(conn, customer)
    with engine.connect() as conn:
        entries = pending_entries(conn)
    outcome = MutationOutcome(seq=entries[0]["seq"], status=OutcomeStatus.APPLIED, version=1)
    with ss.sync_transaction(engine) as conn:
        assert ss.record_outcomes(conn, entries, [outcome]).applied == 1
    with ss.sync_transaction(engine) as conn:
        counts = ss.record_outcomes(conn, entries, [outcome])
    assert counts.applied == 0 and counts.already_acked == 1


def test_local_digest_matches_protocol_definition(engine):
    with ss.sync_transaction(engine) as conn:
        ss.apply_changes(conn, [RowChange("customer", "b", 2, False, server_values(code="B")),
                                RowChange("customer", "a", 1, True, server_values(code="A"))])
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(code="LOCAL"))  # version 0: not on the server, not counted
    expected = hashlib.sha256(b"a:1:1\nb:2:0\n").hexdigest()
    with engine.connect() as conn:
        assert ss.local_digest(conn, "customer") == (2, expected)


def test_settings_round_trip_and_no_token(engine):
    with engine.begin() as conn:
        ss.save_settings(conn, ss.SyncSettings(server_url="https://s", username="u", user_id="1", role="manager"))
    with engine.connect() as conn:
        settings = ss.load_settings(conn)
        keys = {r[0] for r in conn.execute(text("SELECT key FROM sync_state"))}
    assert settings.configured and settings.role == "manager"
    assert not any("token" in k or "password" in k for k in keys)
