"""The change journal is written in the same transaction as the change it records."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from fieldapp.store import journal
from fieldapp.store.customers import (
    CustomerInvalid,
    CustomerQuery,
    delete_customer,
    get_customer,
    save_customer,
    search_customer_ids,
)
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_count, pending_entries, tombstone_row, write_row
from fieldapp.store.schema import change_journal, customers
from tests.conftest import make_customer


def _counts(conn) -> tuple[int, int, int]:
    """(customer rows, journal entries, search entries)."""
    return (
        conn.execute(select(func.count()).select_from(customers)).scalar_one(),
        conn.execute(select(func.count()).select_from(change_journal)).scalar_one(),
        conn.execute(text("SELECT count(*) FROM customer_search")).scalar_one(),
    )


def _entries(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(change_journal).order_by(change_journal.c.seq)).mappings().all()
    return [dict(r, changes=json.loads(r["changes"])) for r in rows]


class Boom(Exception):
    pass


def test_failure_after_save_rolls_back_row_search_entry_and_journal(engine):
    with pytest.raises(Boom):
        with write_transaction(engine) as conn:
            save_customer(conn, make_customer())
            assert _counts(conn) == (1, 1, 1)  # written on this connection...
            raise Boom
    with engine.connect() as conn:
        assert _counts(conn) == (0, 0, 0)  # ...and all gone together


def test_failure_after_write_row_rolls_back_both(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1"))
    with pytest.raises(Boom):
        with write_transaction(engine) as conn:
            write_row(conn, "customer", "c1", {"store_name": "改名店"})
            raise Boom
    with engine.connect() as conn:
        assert get_customer(conn, "c1").store_name == "王记便利店"
    assert [e["op"] for e in _entries(engine)] == ["insert"]


def test_failure_while_journaling_leaves_no_row(engine, monkeypatch):
    def broken_journal(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(journal, "_journal", broken_journal)
    with pytest.raises(Boom):
        with write_transaction(engine) as conn:
            save_customer(conn, make_customer())
    with engine.connect() as conn:
        assert _counts(conn) == (0, 0, 0)


def test_other_connections_see_row_and_entry_only_together(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer())
        with engine.connect() as reader:  # WAL: a reader sees the last committed state
            assert _counts(reader) == (0, 0, 0)
    with engine.connect() as reader:
        assert _counts(reader) == (1, 1, 1)


def test_insert_writes_exactly_one_entry_with_all_synced_values(engine):
    customer = make_customer(id="c1", licence_expiry=date(2030, 6, 30), tags=["近学校", "新品试点"])
    with write_transaction(engine) as conn:
        result = save_customer(conn, customer)
    assert result.op == "insert"
    [entry] = _entries(engine)
    assert entry["seq"] == result.seq
    assert (entry["entity"], entry["row_id"], entry["op"], entry["base_version"]) == ("customer", "c1", "insert", 0)
    assert entry["acked_at"] is None
    changes = entry["changes"]
    assert changes["store_name"] == [None, "王记便利店"]
    assert changes["licence_expiry"] == [None, "2030-06-30"]
    assert changes["tags"] == [None, ["近学校", "新品试点"]]
    assert changes["market_type"] == [None, "rural"]
    assert changes["grade"] == [None, 12]
    # bookkeeping and local-only columns are never part of a synced change
    for local in ("id", "search_key", "created_at", "updated_at", "version", "deleted"):
        assert local not in changes
    assert set(result.changed) == set(changes)


def test_update_journals_only_changed_fields_with_old_and_new_values(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1"))
        # as if the server had acknowledged version 7 of this row
        conn.execute(update(customers).where(customers.c.id == "c1").values(version=7))
    with write_transaction(engine) as conn:
        customer = get_customer(conn, "c1")
        customer.store_name = "王记超市"
        customer.grade = 25
        result = save_customer(conn, customer)
    assert result.op == "update"
    assert result.changed == ("grade", "store_name")
    entry = _entries(engine)[-1]
    assert entry["op"] == "update"
    assert entry["base_version"] == 7
    assert entry["changes"]["store_name"] == ["王记便利店", "王记超市"]
    assert entry["changes"]["grade"] == [12, 25]
    assert "owner" not in entry["changes"]
    assert len(_entries(engine)) == 2


def test_update_that_changes_nothing_writes_nothing(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1"))
    with engine.connect() as conn:
        before = conn.execute(select(customers).where(customers.c.id == "c1")).mappings().one()
    with write_transaction(engine) as conn:
        result = save_customer(conn, get_customer(conn, "c1"))
    assert (result.op, result.changed, result.seq) == ("none", (), None)
    with engine.connect() as conn:
        after = conn.execute(select(customers).where(customers.c.id == "c1")).mappings().one()
    assert dict(after) == dict(before)  # not even updated_at moved
    assert len(_entries(engine)) == 1


def test_tombstone_is_journaled_and_row_kept(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1"))
        conn.execute(update(customers).where(customers.c.id == "c1").values(version=3))
    with write_transaction(engine) as conn:
        result = delete_customer(conn, "c1")
    assert result.op == "delete"
    entry = _entries(engine)[-1]
    assert (entry["op"], entry["base_version"], entry["changes"]) == ("delete", 3, {"deleted": [False, True]})
    with engine.connect() as conn:
        row = conn.execute(select(customers.c.deleted).where(customers.c.id == "c1")).one()
        assert row.deleted is True  # a tombstone, not a physical delete
        assert search_customer_ids(conn, CustomerQuery()) == []
    # deleting again is a no-op
    with write_transaction(engine) as conn:
        assert tombstone_row(conn, "customer", "c1").op == "none"
        assert delete_customer(conn, "missing").op == "none"
    assert len(_entries(engine)) == 2


def test_saving_a_deleted_customer_revives_it_and_its_search_entry(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1"))
        delete_customer(conn, "c1")
    with write_transaction(engine) as conn:
        result = save_customer(conn, make_customer(id="c1"))
    assert result.op == "update"
    assert _entries(engine)[-1]["changes"] == {"deleted": [True, False]}
    with engine.connect() as conn:
        assert search_customer_ids(conn, CustomerQuery(text="便利")) == ["c1"]


def test_invalid_customer_raises_and_writes_nothing(engine):
    with pytest.raises(CustomerInvalid) as info:
        with write_transaction(engine) as conn:
            save_customer(conn, make_customer(licence_no="12345", store_name=""))
    assert {e.field for e in info.value.errors} == {"licence_no", "store_name"}
    assert "Licence number" in str(info.value)
    with engine.connect() as conn:
        assert _counts(conn) == (0, 0, 0)


def test_expired_licence_is_only_a_warning_and_saves(engine):
    with write_transaction(engine) as conn:
        assert save_customer(conn, make_customer(licence_expiry=date(2001, 1, 1))).op == "insert"


def test_duplicate_code_refused(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1", code="C0001", store_name="王记便利店"))
    with pytest.raises(CustomerInvalid) as info:
        with write_transaction(engine) as conn:
            save_customer(conn, make_customer(id="c2", code="C0001", store_name="李家超市"))
    [error] = info.value.errors
    assert error.field == "code"
    assert "C0001" in error.render() and "王记便利店" in error.render()
    with engine.connect() as conn:
        assert _counts(conn) == (1, 1, 1)


def test_code_of_a_deleted_customer_can_be_reused(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1", code="C0001"))
        delete_customer(conn, "c1")
        assert save_customer(conn, make_customer(id="c2", code="C0001")).op == "insert"


def test_pending_entries_until_acknowledged(engine):
    with write_transaction(engine) as conn:
        save_customer(conn, make_customer(id="c1", code="C1"))
        save_customer(conn, make_customer(id="c2", code="C2"))
        delete_customer(conn, "c1")
    with engine.connect() as conn:
        assert pending_count(conn) == 3
        assert [(e["row_id"], e["op"]) for e in pending_entries(conn)] == [
            ("c1", "insert"), ("c2", "insert"), ("c1", "delete")]
    with write_transaction(engine) as conn:
        conn.execute(update(change_journal).where(change_journal.c.seq == 1).values(acked_at="2026-11-23T00:00:00Z"))
    with engine.connect() as conn:
        assert pending_count(conn) == 2
        assert [e["seq"] for e in pending_entries(conn, limit=1)] == [2]


def test_write_row_refuses_unknown_entity_and_columns(engine):
    with write_transaction(engine) as conn:
        with pytest.raises(ValueError):
            write_row(conn, "nonsense", "x", {})
        with pytest.raises(ValueError, match="unknown columns"):
            write_row(conn, "purchase", "p1", {"customer_id": "c1", "colour": "red"})
        assert _counts(conn) == (0, 0, 0)


def test_sync_transaction_leaves_foreign_keys_on_for_the_next_user_of_the_connection(engine):
    """Applying a pull page turns foreign keys off on its connection; the pool must not hand that on."""
    from fieldapp.store.sync_state import sync_transaction

    for _ in range(3):  # cycle through the pool's connections
        with sync_transaction(engine) as conn:
            conn.exec_driver_sql("SELECT 1")
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
