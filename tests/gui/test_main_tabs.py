"""The main window's tabs: customers (file + history), today's plan, the visit — and how they lead to each other."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from fieldapp.core.entities import VisitType
from fieldapp.gui.main_window import DETAIL_FILE, DETAIL_HISTORY, TAB_CUSTOMERS, TAB_PLAN, TAB_VISIT
from fieldapp.gui.visit.plan_view import COLUMNS as PLAN_COLUMNS
from fieldapp.gui.visit.visit_screen import PAGE_START, PAGE_VISIT
from fieldapp.store import visits as store_visits
from fieldapp.store.db import write_transaction

from .conftest import open_main_window, wait_rows_loaded


def select_first_customer(qtbot, window) -> str:
    model = window.list_panel.model
    wait_rows_loaded(qtbot, model)
    window.list_panel.view.selectRow(0)
    customer_id = model.customer_id(0)
    qtbot.waitUntil(lambda: window.form.customer_id == customer_id, timeout=5000)
    return customer_id


def test_the_tabs_and_their_names(qtbot, window):
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Customers", "Today's plan", "Visit"]
    assert tabs.widget(TAB_PLAN) is window.plan and tabs.widget(TAB_VISIT) is window.visit
    assert [window.detail_tabs.tabText(i) for i in range(2)] == ["Customer file", "Visit history"]
    assert tabs.currentIndex() == TAB_CUSTOMERS
    window.tab_actions[TAB_PLAN].trigger()
    assert tabs.currentIndex() == TAB_PLAN
    assert window.tab_actions[TAB_VISIT].shortcut().toString() == "Ctrl+3"
    assert window.action_sync_now.shortcut().toString() == "F9"


def test_the_tabs_in_chinese(qtbot, hub, gui_profile, zh_ui):
    window = open_main_window(qtbot, gui_profile, zh_ui)
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["客户档案", "今日计划", "拜访"]
    assert window.start_visit_button.text() == "开始拜访"
    assert window.action_sync_now.iconText() == "立即同步"


def test_selecting_a_customer_shows_its_history(qtbot, window):
    with qtbot.waitSignal(window.history.sig_loaded, timeout=5000):
        customer_id = select_first_customer(qtbot, window)
    assert window.history.customer_id == customer_id
    window.detail_tabs.setCurrentIndex(DETAIL_HISTORY)
    model = window.list_panel.model
    wait_rows_loaded(qtbot, model, range(2))
    with qtbot.waitSignal(window.history.sig_loaded, timeout=5000):
        window.list_panel.view.selectRow(1)
    assert window.history.customer_id == model.customer_id(1)
    assert window.history.snapshot is not None and window.history.snapshot.customer.id == model.customer_id(1)


def test_plan_start_visit_switches_to_the_visit_tab_with_the_customer(qtbot, window):
    plan = window.plan
    window.tabs.setCurrentIndex(TAB_PLAN)
    qtbot.waitUntil(lambda: plan.model.rowCount() > 0, timeout=10_000)
    row = 0
    customer_id = plan.model.visit(row).customer_id
    index = plan.model.index(row, PLAN_COLUMNS.index("action"))
    rect = plan.view.visualRect(index)
    with qtbot.waitSignal(window.visit.sig_start_info_loaded, timeout=5000) as loaded:
        qtbot.mouseClick(plan.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.left() + 20, rect.top() + 14))
    assert window.tabs.currentIndex() == TAB_VISIT
    assert window.visit.page == PAGE_START
    assert loaded.args[0].customer.id == customer_id
    assert window.visit.start_title.text() == f"Visit {loaded.args[0].customer.store_name}"


def test_start_visit_from_the_customer_file(qtbot, window):
    assert not window.start_visit_button.isEnabled()  # nothing selected yet
    customer_id = select_first_customer(qtbot, window)
    assert window.start_visit_button.isEnabled() and window.action_start_visit.isEnabled()
    with qtbot.waitSignal(window.visit.sig_start_info_loaded, timeout=5000) as loaded:
        window.start_visit_button.click()
    assert window.tabs.currentIndex() == TAB_VISIT
    assert loaded.args[0].customer.id == customer_id
    # Check in: the visit tab is marked while the visit is in progress.
    with qtbot.waitSignal(window.visit.sig_visit_started, timeout=5000):
        window.visit.check_in_button.click()
    assert window.tabs.tabText(TAB_VISIT) == "Visit (in progress)"
    assert window.visit_badge.isVisible()
    assert window.visit_badge.text() == f"Visit in progress: {loaded.args[0].customer.store_name}"
    window.tabs.setCurrentIndex(TAB_CUSTOMERS)
    window.visit_badge.click()
    assert window.tabs.currentIndex() == TAB_VISIT


def test_visit_history_button_opens_the_customer_history(qtbot, window):
    customer_id = select_first_customer(qtbot, window)
    with qtbot.waitSignal(window.visit.sig_start_info_loaded, timeout=5000):
        window.start_visit(customer_id)
    window.history.set_customer(None)
    with qtbot.waitSignal(window.history.sig_loaded, timeout=5000):
        window.visit.sig_open_history.emit(customer_id)
    assert window.tabs.currentIndex() == TAB_CUSTOMERS
    assert window.detail_tabs.currentIndex() == DETAIL_HISTORY
    assert window.history.customer_id == customer_id


def test_a_visit_in_progress_is_resumed_at_start(qtbot, hub, gui_profile, engine_of, translations):
    with engine_of.connect() as conn:
        customer_id = conn.exec_driver_sql("SELECT id FROM customers ORDER BY code LIMIT 1").scalar()
    with write_transaction(engine_of) as conn:
        visit = store_visits.start_visit(conn, customer_id, VisitType.INSPECTION, None,
                                         datetime.now().astimezone())
    window_holder = {}

    def build():
        from fieldapp.gui.main_window import MainWindow

        window = MainWindow(gui_profile, translations)
        qtbot.addWidget(window, before_close_func=lambda w: w.form.revert())
        window.show()
        window_holder["w"] = window
        return window

    window = build()
    with qtbot.waitSignal(window.sig_resume_checked, timeout=10_000) as resumed:
        window.start()
    assert resumed.args == [True]
    assert window.tabs.currentIndex() == TAB_VISIT
    assert window.visit.page == PAGE_VISIT and window.visit.visit_id == visit.id
    assert window.tabs.tabText(TAB_VISIT) == "Visit (in progress)"
    assert window.tabs.tabBar().tabTextColor(TAB_VISIT).name() == "#cf222e"


def test_nothing_in_progress_stays_on_the_customers_tab(qtbot, hub, gui_profile, translations):
    from fieldapp.gui.main_window import MainWindow

    window = MainWindow(gui_profile, translations)
    qtbot.addWidget(window, before_close_func=lambda w: w.form.revert())
    window.show()
    with qtbot.waitSignal(window.sig_resume_checked, timeout=10_000) as resumed:
        window.start()
    assert resumed.args == [False]
    assert window.tabs.currentIndex() == TAB_CUSTOMERS
    assert window.tabs.tabText(TAB_VISIT) == "Visit" and not window.visit_badge.isVisible()


def test_closing_flushes_the_visit_before_the_sync_thread_stops(qtbot, hub, gui_profile, translations,
                                                                monkeypatch):
    window = open_main_window(qtbot, gui_profile, translations)
    order = []
    monkeypatch.setattr(window.visit, "flush", lambda: order.append("flush"))
    original = window.sync.shutdown
    monkeypatch.setattr(window.sync, "shutdown", lambda: (order.append("sync"), original()))
    window.form.revert()
    window.close()
    assert order == ["flush", "sync"]
    assert not window.sync.worker.is_running


def test_plan_row_double_click_opens_the_customer_file(qtbot, window):
    window.tabs.setCurrentIndex(TAB_PLAN)
    plan = window.plan
    qtbot.waitUntil(lambda: plan.model.rowCount() > 0, timeout=10_000)
    customer_id = plan.model.visit(0).customer_id
    plan.sig_open_customer.emit(customer_id)
    assert window.tabs.currentIndex() == TAB_CUSTOMERS
    assert window.detail_tabs.currentIndex() == DETAIL_FILE
    qtbot.waitUntil(lambda: window.form.customer_id == customer_id, timeout=5000)
    QApplication.processEvents()
