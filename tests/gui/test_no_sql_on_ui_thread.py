"""The rule the whole GUI is built around: no SQL runs on the UI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from sqlalchemy import event

from fieldapp.gui.customer_table_model import COLUMNS

from .conftest import open_main_window, wait_rows_loaded


def test_a_whole_session_runs_its_sql_off_the_ui_thread(qtbot, hub, gui_profile, translations):
    engine = hub.worker.engine_for_tests()
    threads: list[int] = []
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        threads.append(threading.get_ident())
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        window = open_main_window(qtbot, gui_profile, translations)
        panel, form, model = window.list_panel, window.form, window.list_panel.model
        wait_rows_loaded(qtbot, model, range(3))
        with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
            panel.search_edit.setText("超市")
        panel.view.selectRow(0)
        qtbot.waitUntil(lambda: form.customer_id == model.customer_id(0), timeout=5000)
        form.set_field("notes", "线程检查")
        with qtbot.waitSignal(form.sig_saved, timeout=5000):
            form.save_button.click()
        with qtbot.waitSignal(model.sig_ids_loaded, timeout=5000):
            model.sort(COLUMNS.index("owner"), Qt.SortOrder.DescendingOrder)
        qtbot.waitUntil(lambda: window.pending_label.text() != "", timeout=5000)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any(s.lstrip().upper().startswith("UPDATE") for s in statements)  # the save did run
    assert threading.main_thread().ident not in threads
