"""The customer form: load, edit, validate inline, save through the operation, create, delete."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QMessageBox

from fieldapp.gui import operations as ops
from fieldapp.store.customers import count_customers, get_customer
from fieldapp.store.journal import pending_count, pending_entries

from .conftest import SMALL, open_main_window, wait_rows_loaded


def select_row(qtbot, window, row: int) -> str:
    """Click a row as the user does and wait until the form shows that customer."""
    model = window.list_panel.model
    customer_id = model.customer_id(row)
    window.list_panel.view.selectRow(row)
    qtbot.waitUntil(lambda: window.form.customer_id == customer_id and not window.form.is_new, timeout=5000)
    return customer_id


def stored(engine, customer_id):
    with engine.connect() as conn:
        return get_customer(conn, customer_id)


def journal(engine):
    with engine.connect() as conn:
        return pending_entries(conn, limit=10_000)


def save_and_wait(qtbot, form):
    with qtbot.waitSignal(form.sig_saved, timeout=5000):
        form.save_button.click()


def test_selecting_a_customer_fills_every_field(qtbot, window, engine_of):
    customer_id = select_row(qtbot, window, 5)
    customer = stored(engine_of, customer_id)
    values = window.form.form_values()
    assert values["code"] == customer.code
    assert values["store_name"] == customer.store_name
    assert values["licence_expiry"] == customer.licence_expiry.isoformat()
    assert values["grade"] == str(customer.grade)
    assert values["route"] == customer.route
    assert values["status"] == customer.status.value
    assert values["market_type"] == customer.market_type.value
    assert window.form.title_label.text() == customer.store_name
    assert customer.customer_class.value in window.form.class_value.text()
    assert not window.form.is_dirty()


def test_editing_and_saving_persists_and_journals(qtbot, window, engine_of):
    customer_id = select_row(qtbot, window, 3)
    before = len(journal(engine_of))
    form = window.form
    form.set_field("owner", "赵铁柱")
    form.set_field("phone", "0731-84561234")
    form.set_field("tags", "近学校，旅游景区")
    assert form.is_dirty() and form.save_button.isEnabled()
    save_and_wait(qtbot, form)

    customer = stored(engine_of, customer_id)
    assert customer.owner == "赵铁柱" and customer.phone == "0731-84561234"
    assert customer.tags == ["近学校", "旅游景区"]
    entries = journal(engine_of)
    assert len(entries) == before + 1
    last = entries[-1]
    assert last["row_id"] == customer_id and last["op"] == "update"
    assert last["changes"]["owner"][1] == "赵铁柱"
    assert not form.is_dirty()
    assert form.banner_text() == "Saved."
    # The status bar counts the new change waiting to sync.
    qtbot.waitUntil(lambda: window.pending_label.text() == f"{len(entries):,} changes waiting to sync", timeout=5000)


def test_the_list_shows_the_saved_values(qtbot, window):
    customer_id = select_row(qtbot, window, 2)
    window.form.set_field("store_name", "改名后的便利店")
    save_and_wait(qtbot, window.form)
    model = window.list_panel.model

    def shows_new_name():
        row = model.row_of(customer_id)
        if row is None:
            return False
        name = model.data(model.index(row, 1))
        return name == "改名后的便利店"

    qtbot.waitUntil(shows_new_name, timeout=5000)
    assert window.list_panel.current_customer_id() == customer_id  # still selected after the refresh


def test_grade_31_is_refused_inline_and_not_saved(qtbot, window, engine_of):
    customer_id = select_row(qtbot, window, 4)
    original = stored(engine_of, customer_id)
    entries_before = journal(engine_of)
    form = window.form
    form.set_field("grade", "31")
    assert "1 to 30" in form.error_text("grade")  # shown as the user types
    assert form.error_text("licence_no") == ""
    assert form.editors["grade"].property("validation") == "error"

    saves = []
    form.sig_saved.connect(saves.append)
    form.save_button.click()
    assert form.banner_text() == "Not saved. Please correct: Grade."
    qtbot.wait(100)  # a save, had one wrongly started, would finish in this time
    assert saves == []
    assert stored(engine_of, customer_id) == original
    assert journal(engine_of) == entries_before


def test_bad_licence_number_is_refused_naming_the_field(qtbot, window, engine_of):
    customer_id = select_row(qtbot, window, 6)
    original = stored(engine_of, customer_id)
    form = window.form
    form.set_field("licence_no", "43012")
    assert "12 digits" in form.error_text("licence_no")
    form.set_field("licence_expiry", "2027-02-30")
    assert "not a date" in form.error_text("licence_expiry")
    form.save_button.click()
    assert form.banner_text() == "Not saved. Please correct: Licence number, Licence expiry."
    qtbot.wait(100)
    assert stored(engine_of, customer_id) == original


def test_messages_are_chinese_in_the_chinese_ui(qtbot, hub, gui_profile, zh_ui):
    window = open_main_window(qtbot, gui_profile, zh_ui)
    select_row(qtbot, window, 1)
    form = window.form
    form.set_field("grade", "31")
    assert form.error_text("grade") == "档位必须是 1 到 30 之间的整数。"
    form.save_button.click()
    assert form.banner_text() == "未保存。请更正：档位。"
    assert form._rows["grade"].label.text() == "档位"
    form.revert()


def test_a_warning_does_not_block_saving(qtbot, window, engine_of):
    customer_id = select_row(qtbot, window, 7)
    form = window.form
    form.set_field("licence_expiry", "2020-01-31")
    assert "expired on 2020-01-31" in form.error_text("licence_expiry")
    assert form._rows["licence_expiry"].error.property("severity") == "warning"
    save_and_wait(qtbot, form)
    assert stored(engine_of, customer_id).licence_expiry.isoformat() == "2020-01-31"


def test_duplicate_code_from_the_store_is_shown_inline(qtbot, window, engine_of):
    model = window.list_panel.model
    wait_rows_loaded(qtbot, model, range(2))
    other_code = model.data(model.index(0, 0))
    customer_id = select_row(qtbot, window, 1)
    original = stored(engine_of, customer_id)
    form = window.form
    form.set_field("code", other_code)
    assert form.error_text("code") == ""  # only the store can know about duplicates
    with qtbot.waitSignal(form.sig_validated, timeout=5000):
        form.save_button.click()
    qtbot.waitUntil(lambda: not form.is_saving, timeout=5000)
    assert f"The customer code {other_code} is already used" in form.error_text("code")
    assert form.banner_text() == "Not saved. Please correct: Customer code."
    assert stored(engine_of, customer_id) == original
    form.set_field("code", original.code)  # editing the field clears the store's complaint
    assert form.error_text("code") == ""


def test_new_customer_is_created_and_selected(qtbot, window, engine_of):
    form = window.form
    window.action_new.trigger()
    assert form.is_new and form.banner_text().startswith("New customer")
    assert form.error_text("code") == ""  # untouched fields are not nagged about yet
    form.save_button.click()
    assert form.banner_text() == ("Not saved. Please correct: Customer code, Store name, Owner, Licence number, "
                                  "Licence expiry, Grade, Address.")
    assert "required" in form.error_text("code")  # after a save attempt every problem is shown
    values = {"code": "N-0001", "licence_no": "430121999999", "licence_expiry": "2029-12-31",
              "store_name": "新开便利店", "owner": "周新", "address": "长沙县星沙街道1号", "grade": "22",
              "route": "R09", "tags": "新品试点"}
    for name, value in values.items():
        form.set_field(name, value)
    assert form.class_value.text().startswith("A")  # grade 22: class A, derived live
    model = window.list_panel.model
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        save_and_wait(qtbot, form)
    customer_id = form.customer_id
    customer = stored(engine_of, customer_id)
    assert customer.code == "N-0001" and customer.grade == 22 and customer.customer_class.value == "A"
    assert model.rowCount() == SMALL + 1
    assert window.list_panel.current_customer_id() == customer_id
    assert not form.is_new
    # The new route is offered as a filter at once.
    qtbot.waitUntil(lambda: window.list_panel.route_combo.findData("R09") > 0, timeout=5000)


def test_delete_asks_and_removes(qtbot, window, engine_of, monkeypatch):
    customer_id = select_row(qtbot, window, 8)
    asked = []

    def no(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(no))
    window.form.delete_button.click()
    assert len(asked) == 1 and "Delete the customer file of" in asked[0]
    assert stored(engine_of, customer_id) is not None

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    model = window.list_panel.model
    with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
        window.form.delete_button.click()
    assert model.rowCount() == SMALL - 1 and model.row_of(customer_id) is None
    assert window.form.customer_id is None
    with engine_of.connect() as conn:
        assert count_customers(conn) == SMALL - 1
        assert pending_entries(conn)[-1]["op"] == "delete"


def test_switching_customer_with_unsaved_edits_asks_first(qtbot, window, monkeypatch):
    first = select_row(qtbot, window, 2)
    window.form.set_field("notes", "还没保存")
    answers = []

    def keep_editing(box):
        answers.append(box.text())
        next(b for b in box.buttons() if b.text() == "Keep editing").click()

    monkeypatch.setattr(QMessageBox, "exec", keep_editing)
    window.list_panel.view.selectRow(9)
    assert len(answers) == 1 and "did not save" in answers[0]
    assert window.form.customer_id == first and window.form.is_dirty()
    qtbot.waitUntil(lambda: window.list_panel.current_customer_id() == first)  # the selection went back

    def discard(box):
        next(b for b in box.buttons() if b.text() == "Discard changes").click()

    monkeypatch.setattr(QMessageBox, "exec", discard)
    second = window.list_panel.model.customer_id(9)
    window.list_panel.view.selectRow(9)
    qtbot.waitUntil(lambda: window.form.customer_id == second, timeout=5000)
    assert not window.form.is_dirty()


def test_pending_changes_are_counted_in_the_status_bar(qtbot, window, engine_of):
    with engine_of.connect() as conn:
        pending = pending_count(conn)
    qtbot.waitUntil(lambda: window.pending_label.text() != "", timeout=5000)
    assert window.pending_label.text() == f"{pending:,} changes waiting to sync"
    assert not window.has_demo_badge()


def test_edits_made_while_saving_stay_on_the_form(qtbot, window, hub, engine_of):
    customer_id = select_row(qtbot, window, 3)
    form = window.form
    release = threading.Event()
    ops.QueryOp(parent=None, op=lambda e: release.wait(5), success=lambda r: None).run_in_background()
    form.set_field("owner", "第一次保存")
    form.save_button.click()
    assert form.is_saving and not form.save_button.isEnabled()
    form.set_field("owner", "保存时又改了")  # typed while the worker was busy
    with qtbot.waitSignal(form.sig_saved, timeout=5000):
        release.set()
    assert stored(engine_of, customer_id).owner == "第一次保存"
    assert form.form_values()["owner"] == "保存时又改了"
    assert form.is_dirty()
