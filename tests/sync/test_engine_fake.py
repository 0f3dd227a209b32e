"""The sync engine against an in-memory server: convergence, faults, resync, photos, cancellation."""

from __future__ import annotations

import hashlib
import os
import threading
import uuid

import pytest
from sqlalchemy import select

from fieldapp.core.protocol import PHOTO_CHUNK_BYTES
from fieldapp.store import sync_state as ss
from fieldapp.store.customers import get_customer, save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_count, write_row
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile
from fieldapp.store.schema import SYNCED_TABLES, customers
from fieldapp.sync import errors as E
from fieldapp.sync.engine import SyncEngine
from tests.conftest import make_customer

from .fakeserver import FakeClient, FakeServer


class Laptop:
    def __init__(self, root, server: FakeServer, name: str, **kwargs):
        self.profile = Profile(root / name)
        self.engine = open_profile_database(self.profile)
        self.client = FakeClient(server)
        self.sync_engine = SyncEngine(self.engine, self.profile, self.client, None, **kwargs)

    def sync(self, **kwargs):
        return self.sync_engine.sync(**kwargs)

    def save(self, customer):
        with write_transaction(self.engine) as conn:
            save_customer(conn, customer)

    def get(self, customer_id):
        with self.engine.connect() as conn:
            return get_customer(conn, customer_id)

    def rows(self, entity="customer"):
        table = SYNCED_TABLES[entity]
        with self.engine.connect() as conn:
            return {r.id: (r.version, bool(r.deleted)) for r in conn.execute(
                select(table.c.id, table.c.version, table.c.deleted).where(table.c.version > 0))}

    def pending(self):
        with self.engine.connect() as conn:
            return pending_count(conn)


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def laptops(tmp_path, server):
    made = []

    def make(name, **kwargs):
        laptop = Laptop(tmp_path, server, name, **kwargs)
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.engine.dispose()


def server_rows(server, entity="customer"):
    return {row_id: (r.version, r.deleted) for (e, row_id), r in server.visible().items() if e == entity}


def code() -> str:
    return "C" + uuid.uuid4().hex[:8]


def test_two_laptops_converge(laptops, server):
    a, b = laptops("a"), laptops("b")
    ca, cb = make_customer(code=code()), make_customer(code=code(), store_name="张记")
    a.save(ca)
    b.save(cb)
    ra = a.sync()
    assert ra.status == "ok", ra.message
    assert ra.pushed == 1 and ra.applied == 1
    rb = b.sync()
    assert rb.status == "ok" and rb.pulled >= 2
    a.sync()
    assert a.rows() == b.rows() == server_rows(server)
    assert a.pending() == b.pending() == 0
    assert a.get(cb.id).store_name == "张记"


def test_concurrent_edits_merge_and_conflict(laptops, server):
    a, b = laptops("a"), laptops("b")
    customer = make_customer(code=code(), notes="base")
    a.save(customer)
    a.sync()
    b.sync()
    ca, cb = a.get(customer.id), b.get(customer.id)
    ca.notes = "from A"
    cb.notes = "from B"
    cb.phone = "13911112222"
    a.save(ca)
    b.save(cb)
    assert a.sync().status == "ok"
    report = b.sync()
    assert report.status == "conflicts" and report.conflicts == 1
    merged = b.get(customer.id)
    assert merged.phone == "13911112222"
    assert "from A" in merged.notes and "from B" in merged.notes  # free text: both kept
    with b.engine.connect() as conn:
        conflict = ss.open_conflicts(conn)[0]
    assert conflict.fields["notes"]["local"] == "from B"
    a.sync()
    assert a.get(customer.id).notes == merged.notes
    assert a.rows() == b.rows() == server_rows(server)


def test_edit_chain_of_one_row_in_one_batch_is_not_a_conflict(laptops, server):
    a = laptops("a")
    customer = make_customer(code=code())
    a.save(customer)
    for phone in ("13900000001", "13900000002", "13900000003"):
        customer.phone = phone
        a.save(customer)
    report = a.sync()
    assert report.status == "ok" and report.pushed == 4 and report.conflicts == 0
    assert server.rows[("customer", customer.id)].values["phone"] == "13900000003"
    assert server.push_calls == 1


def test_chain_rows_false_rebases_between_batches(laptops, server):
    a = laptops("a", chain_rows=False)
    customer = make_customer(code=code())
    a.save(customer)
    customer.phone = "13900000009"
    a.save(customer)
    report = a.sync()
    assert report.status == "ok" and report.applied == 2  # the second was rebased: applied, not merged
    assert server.push_calls == 2


def test_lost_push_reply_is_replayed_without_duplicates(laptops, server):
    a = laptops("a")
    for _ in range(3):
        a.save(make_customer(code=code()))
    a.client.fail["push"] = ["after"]
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "offline" and report.retryable
    assert a.pending() == 3 and server.applied_mutations == 3
    report = a.sync()
    assert report.status == "ok" and report.pushed == 3
    assert server.applied_mutations == 3  # replays answered from stored outcomes
    assert a.rows() == server_rows(server)


def test_crash_before_recording_outcomes_is_safe(laptops, server):
    a = laptops("a")
    a.save(make_customer(code=code()))

    def crash(point):
        if point == "before_push_commit":
            raise RuntimeError("power cut")

    a.sync_engine.fault_hook = crash
    with pytest.raises(RuntimeError):
        a.sync()
    assert a.pending() == 1  # the transaction recording the answer was rolled back
    a.sync_engine.fault_hook = None
    assert a.sync().status == "ok"
    assert a.pending() == 0 and server.applied_mutations == 1
    assert a.rows() == server_rows(server)


def test_interrupted_pull_resumes_from_stored_cursor(laptops, server):
    for i in range(5):
        server.put("customer", f"s{i}", _server_customer(f"S{i}"))
    a = laptops("a", pull_limit=2)
    a.client.fail["pull"] = [None, "after"]
    report = a.sync()
    assert report.status == "failed"
    assert len(a.rows()) == 2  # the first page was kept with its cursor
    with a.engine.connect() as conn:
        cursor = ss.get_cursor(conn)
    assert cursor is not None
    cursors_before = len(a.client.calls)
    report = a.sync()
    assert report.status == "ok"
    assert a.rows() == server_rows(server)
    assert a.client.calls[cursors_before:].count("pull") >= 2


def test_revocation_removes_rows_unless_they_hold_unsent_edits(laptops, server):
    server.put("customer", "keep", _server_customer("K"))
    server.put("customer", "drop", _server_customer("D"))
    a = laptops("a")
    a.sync()
    edited = a.get("keep")
    edited.notes = "unsent"
    a.save(edited)
    a.client.fail["push"] = ["before"]  # the edit cannot go up this time
    a.sync()
    server.hide("customer", "keep")
    server.hide("customer", "drop")
    report = a.sync_engine.sync()  # push succeeds now; the edit is acked first
    assert report.status == "ok", report.message
    assert a.get("drop") is None
    assert a.get("keep") is None  # its edit was acknowledged before the pull; then it left the scope

    server.put("customer", "k2", _server_customer("K2"))
    a.sync()
    edited = a.get("k2")
    edited.notes = "stays"
    a.save(edited)
    server.hide("customer", "k2")
    with ss.sync_transaction(a.engine) as conn:  # apply a pull directly while the edit is pending
        response = server.pull("x", ss.get_cursor(conn))
        ss.remove_rows(conn, response.revoked)
    assert a.get("k2").notes == "stays"


def test_full_resync_pushes_first_and_prunes_stale_rows(laptops, server):
    server.put("customer", "old", _server_customer("OLD"))
    a = laptops("a")
    a.sync()
    # The server forgot the row entirely (e.g. restored); our cursor is too old.
    del server.rows[("customer", "old")]
    server.put("customer", "new", _server_customer("NEW"))
    server.min_cursor = server.change_seq + 1
    local = make_customer(code=code())
    a.save(local)
    report = a.sync()
    assert report.status == "ok", report.message
    assert report.full_resync
    assert a.get("old") is None and a.get("new") is not None
    assert a.get(local.id) is not None and a.pending() == 0
    assert a.rows() == server_rows(server)


def test_digest_mismatch_triggers_one_full_repull(laptops, server):
    for i in range(3):
        server.put("customer", f"d{i}", _server_customer(f"D{i}"))
    a = laptops("a")
    a.sync()
    with write_transaction(a.engine) as conn:  # drift: a row vanished locally
        conn.execute(customers.delete().where(customers.c.id == "d1"))
    report = a.sync()
    assert report.repulled == ["customer"] and report.digest_mismatch == []
    assert a.get("d1") is not None


def test_cancel_between_batches_keeps_the_outbox(laptops, server):
    a = laptops("a", batch_size=1)
    for _ in range(3):
        a.save(make_customer(code=code()))
    stop = threading.Event()

    def progress(phase, done, total):
        if phase == "push" and done == 1:
            stop.set()

    report = a.sync(progress=progress, cancel=stop)
    assert report.status == "failed" and report.cancelled
    assert a.pending() == 2
    assert a.sync().status == "ok" and a.pending() == 0


def test_protocol_mismatch_keeps_outbox(laptops, server):
    a = laptops("a")
    a.save(make_customer(code=code()))

    def too_old(*_args):
        raise E.ProtocolMismatch("too old", client_too_old=True, status=426, code="protocol_too_old")

    a.client.push = too_old
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "protocol"
    assert a.pending() == 1
    with a.engine.connect() as conn:
        assert ss.get_state(conn, ss.LAST_STATUS) == "failed"


def _add_photo(laptop: Laptop, size: int) -> tuple[str, bytes]:
    data = os.urandom(size)
    sha = hashlib.sha256(data).hexdigest()
    path = laptop.profile.photo_dir / sha[:2] / f"{sha}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    customer = make_customer(code=code())
    laptop.save(customer)
    visit_id, att_id = str(uuid.uuid4()), str(uuid.uuid4())
    with write_transaction(laptop.engine) as conn:
        write_row(conn, "visit", visit_id, {"customer_id": customer.id, "visit_type": "service",
                                            "status": "completed"})
        write_row(conn, "attachment", att_id, {"visit_id": visit_id, "item_key": None, "sha256": sha,
                                               "filename": "p.jpg", "mime_type": "image/jpeg",
                                               "size_bytes": size})
    return sha, data


def test_photos_upload_in_chunks_before_the_attachment(laptops, server):
    a = laptops("a")
    sha, data = _add_photo(a, PHOTO_CHUNK_BYTES * 2 + 100)
    report = a.sync()
    assert report.status == "ok", report.message
    assert bytes(server.photos[sha]) == data and report.photos_uploaded == 1
    assert a.client.calls.index("photo_put") < a.client.calls.index("push")
    assert a.client.calls.count("photo_put") == 3


def test_photo_upload_resumes_after_a_cut(laptops, server):
    a = laptops("a")
    sha, data = _add_photo(a, PHOTO_CHUNK_BYTES * 3)
    a.client.fail["photo_put"] = [None, "after"]  # the second chunk arrives, its reply is lost
    report = a.sync()
    assert report.status == "failed" and a.pending() == 3
    assert len(server.photos[sha]) == 2 * PHOTO_CHUNK_BYTES
    a.client.calls.clear()
    report = a.sync()
    assert report.status == "ok"
    assert bytes(server.photos[sha]) == data
    assert a.client.calls.count("photo_put") == 1  # only the missing chunk


def test_missing_photo_is_a_warning_not_a_blocker(laptops, server):
    a = laptops("a")
    sha, _ = _add_photo(a, 1000)
    for path in a.profile.photo_dir.rglob(f"{sha}*"):
        path.unlink()
    report = a.sync()
    assert report.status == "ok" and a.pending() == 0
    assert any("not in this laptop" in w for w in report.warnings)


def test_sync_overview_reflects_state(laptops, server):
    from fieldapp.sync.engine import sync_overview

    a = laptops("a")
    a.save(make_customer(code=code()))
    overview = sync_overview(a.engine)
    assert overview.pending == 1 and overview.last_sync_at is None
    a.sync()
    overview = sync_overview(a.engine)
    assert overview.pending == 0 and overview.last_status == "ok" and overview.last_sync_at


def _server_customer(code_: str) -> dict:
    from fieldapp.store.customers import customer_to_values

    values = customer_to_values(make_customer(code=code_))
    values["licence_expiry"] = values["licence_expiry"].isoformat()
    return values


def test_photo_upload_follows_the_servers_offset_and_restarts_after_hash_mismatch(laptops, server):
    a = laptops("a")
    sha, data = _add_photo(a, PHOTO_CHUNK_BYTES * 2)
    real_put = a.client.put_photo_chunk
    errors = [E.RequestRejected("gap", status=409, code="offset_gap",
                                detail={"sha256": sha, "size_bytes": len(data), "received_bytes": 0,
                                        "complete": False}),
              E.RequestRejected("bad hash", status=422, code="hash_mismatch")]
    offsets = []

    def flaky_put(sha_, offset, total, chunk):
        offsets.append(offset)
        if len(offsets) in (2, 3):
            server.photos[sha_] = bytearray()  # the server lost what it had
            raise errors.pop(0)
        return real_put(sha_, offset, total, chunk)

    a.client.put_photo_chunk = flaky_put
    report = a.sync()
    assert report.status == "ok", report.message
    assert bytes(server.photos[sha]) == data
    assert offsets[:3] == [0, PHOTO_CHUNK_BYTES, 0]


def test_demo_profile_cannot_sign_in(tmp_path):
    from fieldapp.store.meta import DEMO_KEY
    from fieldapp.store.schema import profile_meta
    from fieldapp.sync.account import DemoProfile, login

    engine = open_profile_database(Profile(tmp_path / "demo"))
    with engine.begin() as conn:
        conn.execute(profile_meta.insert().values(key=DEMO_KEY, value="1"))
    with pytest.raises(DemoProfile, match="demo data"):
        login(engine, "http://127.0.0.1:9", "wang", "pw")
    engine.dispose()
