"""The DB worker and the operation hub: off-thread execution, ordered delivery, errors, changes."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.gui import operations as ops
from fieldapp.store.customers import CustomerInvalid, get_customer
from fieldapp.store.journal import pending_entries
from fieldapp.store.migrate import open_profile_database
from tests.conftest import make_customer

from .conftest import start_hub


def test_query_runs_off_the_ui_thread_and_delivers_on_it(qtbot, hub):
    ui_thread = threading.get_ident()
    seen = {}

    def fn(engine):
        seen["worker"] = threading.get_ident()
        return 42

    def success(result):
        seen["callback"] = threading.get_ident()
        seen["result"] = result

    with qtbot.waitSignal(hub.worker.sig_job_finished):
        ops.QueryOp(parent=None, op=fn, success=success).run_in_background()
    assert seen["result"] == 42
    assert seen["worker"] != ui_thread
    assert seen["callback"] == ui_thread


def test_jobs_run_one_at_a_time_in_order(qtbot, hub):
    order = []
    release = threading.Event()
    running = []

    def slow(engine):
        running.append(1)
        assert len(running) == 1  # never two at once
        release.wait(5)
        running.pop()
        return "slow"

    ops.QueryOp(parent=None, op=slow, success=order.append).run_in_background()
    for i in range(5):
        ops.QueryOp(parent=None, op=lambda engine, i=i: i, success=order.append).run_in_background()
    release.set()
    qtbot.waitUntil(lambda: len(order) == 6)
    assert order == ["slow", 0, 1, 2, 3, 4]


def test_failure_goes_to_the_failure_callback(qtbot, hub):
    errors = []

    def boom(engine):
        raise ValueError("disk on fire")

    with qtbot.waitSignal(hub.worker.sig_job_finished):
        ops.QueryOp(parent=None, op=boom, success=lambda r: None).failure(errors.append).run_in_background()
    assert isinstance(errors[0], ValueError)


def test_unhandled_failure_shows_a_message_box_instead_of_crashing(qtbot, hub, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))

    def boom(engine):
        raise RuntimeError("database is locked")

    with qtbot.waitSignal(hub.worker.sig_job_finished):
        ops.QueryOp(parent=None, op=boom, success=lambda r: None).run_in_background()
    assert len(shown) == 1 and "database is locked" in shown[0]


def test_cancelled_job_does_not_call_back(qtbot, hub):
    called = []
    release = threading.Event()
    ops.QueryOp(parent=None, op=lambda e: release.wait(5), success=lambda r: None).run_in_background()
    job = ops.QueryOp(parent=None, op=lambda e: 1, success=called.append).run_in_background()
    job.cancel()
    marker = []
    ops.QueryOp(parent=None, op=lambda e: 2, success=marker.append).run_in_background()
    release.set()
    qtbot.waitUntil(lambda: marker == [2])
    assert called == []


def test_callbacks_of_a_deleted_parent_are_skipped(qtbot, hub):
    called = []
    widget = QWidget()
    release = threading.Event()
    ops.QueryOp(parent=None, op=lambda e: release.wait(5), success=lambda r: None).run_in_background()
    ops.QueryOp(parent=widget, op=lambda e: 1, success=called.append).run_in_background()
    widget.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget))
    release.set()
    marker = []
    ops.QueryOp(parent=None, op=lambda e: 2, success=marker.append).run_in_background()
    qtbot.waitUntil(lambda: marker == [2])
    assert called == []


def test_save_customer_announces_what_changed(qtbot, hub, engine_of):
    customer = make_customer(code="NEW-1")
    saved = []
    with qtbot.waitSignal(hub.operation_did_execute) as blocker:
        ops.save_customer(parent=None, customer=customer).success(saved.append).run_in_background(initiator="me")
    changes, initiator = blocker.args
    assert initiator == "me"
    assert changes.customers and changes.journal
    assert changes.customer_ids == frozenset({customer.id})
    assert saved[0].op == "insert"
    with engine_of.connect() as conn:
        assert get_customer(conn, customer.id).code == "NEW-1"
        assert any(e["row_id"] == customer.id for e in pending_entries(conn))


def test_save_copies_the_customer_so_the_ui_can_keep_editing(qtbot, hub, engine_of):
    customer = make_customer(code="COPY-1")
    op = ops.save_customer(parent=None, customer=customer)
    customer.store_name = "changed after submitting"
    customer.tags.append("late tag")
    with qtbot.waitSignal(hub.operation_did_execute):
        op.run_in_background()
    with engine_of.connect() as conn:
        stored = get_customer(conn, customer.id)
    assert stored.store_name == "王记便利店" and stored.tags == ["近学校"]


def test_invalid_customer_fails_with_customer_invalid_and_announces_nothing(qtbot, hub):
    errors, announced = [], []
    hub.operation_did_execute.connect(lambda *args: announced.append(args))
    with qtbot.waitSignal(hub.worker.sig_job_finished):
        ops.save_customer(parent=None, customer=make_customer(grade=31)).failure(errors.append) \
            .run_in_background()
    assert isinstance(errors[0], CustomerInvalid)
    assert [e.field for e in errors[0].errors] == ["grade"]
    assert announced == []


def test_shutdown_finishes_queued_writes(qtbot, gui_profile):
    hub = start_hub(gui_profile)
    release = threading.Event()
    ops.QueryOp(parent=None, op=lambda e: release.wait(5), success=lambda r: None).run_in_background()
    customer = make_customer(code="AT-EXIT")
    ops.save_customer(parent=None, customer=customer).run_in_background()
    release.set()
    hub.shutdown()  # returns only after the save committed
    engine = open_profile_database(gui_profile)
    try:
        with engine.connect() as conn:
            assert get_customer(conn, customer.id) is not None
    finally:
        engine.dispose()


def test_only_one_hub_at_a_time(hub):
    worker = ops.DbWorker()
    try:
        with pytest.raises(RuntimeError):
            ops.OperationHub(worker)
    finally:
        worker.shutdown()
