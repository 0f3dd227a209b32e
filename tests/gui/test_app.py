"""Starting the app: database problems, first start and demo data, language choice and switching."""

from __future__ import annotations

import argparse
import threading

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.gui import app as gui_app
from fieldapp.gui import i18n
from fieldapp.gui.app import EXIT_DATABASE_PROBLEM, AppController, run_app
from fieldapp.gui.demo import DEMO_CUSTOMERS, SETTING_NEVER_OFFER
from fieldapp.gui.main_window import MainWindow
from fieldapp.store.customers import save_customer
from fieldapp.store.db import write_transaction
from fieldapp.store.migrate import DatabaseProblem, open_profile_database
from fieldapp.store.profile import Profile
from fieldapp.store.schema import profile_meta
from tests.conftest import make_customer

from .conftest import SMALL


@pytest.fixture
def watchdog():
    """Ends a stuck event loop so a broken start fails the test instead of hanging it."""
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: QCoreApplication.exit(99))
    timer.start(20_000)
    yield
    timer.stop()


def args(profile: Profile, lang: str = "en", demo: bool = False) -> argparse.Namespace:
    return argparse.Namespace(data_dir=str(profile.data_dir), lang=lang, demo=demo, command=None)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_database_problem_is_explained_and_the_file_left_alone(tmp_path, monkeypatch, watchdog, lang):
    profile = Profile(tmp_path / "profile")
    profile.ensure_dirs()
    garbage = b"not a database at all " * 200
    profile.db_path.write_bytes(garbage)
    backup = profile.backup_dir / "fieldapp-20250101T000000000000Z-before-upgrade-from-0001.sqlite3"
    backup.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(DatabaseProblem) as problem:  # what the store says about this file
        open_profile_database(profile)
    english = problem.value.message.render()
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.informativeText())))

    code = run_app(args(profile, lang))

    assert code == EXIT_DATABASE_PROBLEM
    assert len(shown) == 1
    text, info = shown[0]
    assert str(profile.db_path) in text
    if lang == "en":
        assert text == english
        assert info.startswith("Backups of this profile, newest first:")
    else:
        assert text != english and "数据库" in text  # translated at display time
        assert info.startswith("此档案的备份")
    assert str(backup) in info
    assert profile.db_path.read_bytes() == garbage  # untouched


def fake_generator(count: int = 25, calls: list | None = None):
    """Stands in for fieldapp.demo.generate_demo_profile: writes ``count`` customers and the demo marker."""
    def generate(engine, customers, seed=0, progress=None, cancel=None):
        assert threading.current_thread() is not threading.main_thread()
        if calls is not None:
            calls.append(customers)
        with write_transaction(engine) as conn:
            for i in range(count):
                save_customer(conn, make_customer(code=f"DEMO{i:04d}", licence_no=f"430121{i:06d}"))
                if progress:
                    progress(i + 1, count)
            conn.execute(profile_meta.insert().values(key="demo", value="1"))
        return count

    return generate


def start_controller(qtbot, profile: Profile, demo: bool = False) -> AppController:
    """Run the start sequence up to the end of the first-start check (demo offered or loading)."""
    controller = AppController(profile, None, demo=demo)
    with qtbot.waitSignal(controller.sig_first_start_checked, timeout=10_000):
        controller.start()
    qtbot.addWidget(controller.window)
    return controller


@pytest.fixture
def controllers(qtbot):
    started: list[AppController] = []
    yield started
    for controller in started:
        controller.shutdown()


def test_demo_flag_fills_an_empty_profile_without_asking(qtbot, tmp_path, monkeypatch, controllers):
    calls = []
    monkeypatch.setattr(gui_app, "find_demo_generator", lambda: fake_generator(25, calls))
    controller = start_controller(qtbot, Profile(tmp_path / "empty"), demo=True)
    controllers.append(controller)
    window = controller.window
    qtbot.waitUntil(lambda: window.list_panel.model.rowCount() == 25, timeout=10_000)
    qtbot.waitUntil(window.has_demo_badge, timeout=5000)
    assert calls == [DEMO_CUSTOMERS]
    assert window.demo_badge.text() == "DEMO DATA"


def test_empty_profile_offers_demo_data(qtbot, tmp_path, monkeypatch, controllers):
    monkeypatch.setattr(gui_app, "find_demo_generator", lambda: fake_generator(12))
    offered = []

    def accept(box):
        offered.append(box.text() + "\n" + box.informativeText())
        next(b for b in box.buttons() if b.text() == "Load demo data").click()

    monkeypatch.setattr(QMessageBox, "exec", accept)
    controller = start_controller(qtbot, Profile(tmp_path / "empty"))
    controllers.append(controller)
    window = controller.window
    qtbot.waitUntil(lambda: window.list_panel.model.rowCount() == 12, timeout=10_000)
    assert len(offered) == 1 and "示例数据" in offered[0] and "DEMO DATA" in offered[0]
    qtbot.waitUntil(window.has_demo_badge, timeout=5000)


def test_declining_with_do_not_ask_again_is_remembered(qtbot, tmp_path, monkeypatch, controllers):
    monkeypatch.setattr(gui_app, "find_demo_generator", lambda: fake_generator(3))

    def decline(box):
        box.checkBox().setChecked(True)
        next(b for b in box.buttons() if b.text() == "Start empty").click()

    monkeypatch.setattr(QMessageBox, "exec", decline)
    profile = Profile(tmp_path / "empty")
    controller = start_controller(qtbot, profile)
    controllers.append(controller)
    qtbot.waitUntil(lambda: i18n.app_settings().value(SETTING_NEVER_OFFER, False, type=bool), timeout=5000)
    assert controller.window.list_panel.model.rowCount() == 0
    assert not controller.window.has_demo_badge()
    controller.shutdown()
    controller.window.close()

    def refuse(box):
        raise AssertionError("asked again")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    again = start_controller(qtbot, profile)  # would fail in `refuse` if it offered again
    controllers.append(again)
    assert again.demo_loader is None


def test_demo_flag_leaves_a_filled_profile_alone(qtbot, gui_profile, monkeypatch, controllers):
    def must_not_run(*a, **k):
        raise AssertionError("demo generator called on a filled profile")

    monkeypatch.setattr(gui_app, "find_demo_generator", lambda: must_not_run)
    controller = start_controller(qtbot, gui_profile, demo=True)
    controllers.append(controller)
    assert controller.window.list_panel.model.rowCount() == SMALL
    assert controller.demo_loader is None


def test_cancelling_the_demo_load_stops_it(qtbot, tmp_path, monkeypatch, controllers):
    started = threading.Event()

    class Cancelled(Exception):
        pass

    def slow_generator(engine, customers, seed=0, progress=None, cancel=None):
        started.set()
        for i in range(500):
            if cancel():
                raise Cancelled()
            progress(i, 500)
            threading.Event().wait(0.01)
        raise AssertionError("cancel was never seen")

    monkeypatch.setattr(gui_app, "find_demo_generator", lambda: slow_generator)
    controller = start_controller(qtbot, Profile(tmp_path / "empty"), demo=True)
    controllers.append(controller)
    qtbot.waitUntil(started.is_set, timeout=5000)
    loader = controller.demo_loader
    with qtbot.waitSignal(loader.sig_finished, timeout=10_000) as finished:
        loader.cancel()
    assert finished.args == [False]  # no error box: a cancelled load is not an error
    assert controller.window.statusBar().currentMessage() == "Loading demo data was stopped."


def test_real_demo_generator_through_the_window(qtbot, tmp_path, controllers, translations):
    controller = start_controller(qtbot, Profile(tmp_path / "empty"), demo=True)
    controllers.append(controller)
    window = controller.window
    qtbot.waitUntil(lambda: window.list_panel.model.rowCount() == DEMO_CUSTOMERS, timeout=30_000)
    qtbot.waitUntil(window.has_demo_badge, timeout=5000)
    assert window.list_panel.count_label.text() == f"{DEMO_CUSTOMERS:,} customers"


def test_language_choice_order(monkeypatch):
    monkeypatch.setattr(i18n.QLocale, "system", staticmethod(lambda: QLocale("zh_TW")))
    assert i18n.resolve_language(None) == "zh_CN"  # any Chinese system locale
    monkeypatch.setattr(i18n.QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert i18n.resolve_language(None) == "en"
    i18n.save_language("zh_CN")
    assert i18n.resolve_language(None) == "zh_CN"  # the saved setting beats the system
    assert i18n.resolve_language("en") == "en"  # --lang beats both


def test_switching_language_relabels_the_window_and_is_saved(qtbot, window, translations):
    panel = window.list_panel
    assert panel.model.headerData(1, Qt.Orientation.Horizontal) == "Store name"
    assert window.menu_file.title() == "&File"
    window.language_actions["zh_CN"].trigger()
    assert i18n.saved_language() == "zh_CN"
    QApplication.processEvents()  # LanguageChange events are posted
    assert panel.model.headerData(1, Qt.Orientation.Horizontal) == "店名"
    assert window.menu_file.title() == "文件(&F)"
    assert window.windowTitle() == "FieldApp 外勤助手"
    assert panel.count_label.text() == f"共 {SMALL} 个客户"
    assert panel.class_combo.itemText(0) == "全部分类"
    assert window.form._groups["basic"].title() == "基本信息"
    window.set_language("en")
    QApplication.processEvents()
    assert window.menu_file.title() == "&File"
    assert panel.count_label.text() == f"{SMALL} customers"


def test_run_app_opens_the_window_and_returns_0_when_it_closes(gui_profile, watchdog):
    seen = []

    def close_when_ready():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        ready = [w for w in windows if w.list_panel.model.rowCount() == SMALL]
        if not ready:
            QTimer.singleShot(20, close_when_ready)
            return
        seen.append((ready[0].windowTitle(), ready[0].profile_label.text()))
        ready[0].close()

    QTimer.singleShot(0, close_when_ready)
    assert run_app(args(gui_profile, lang="zh_CN")) == 0
    assert seen == [("FieldApp 外勤助手", f"档案：{gui_profile.data_dir}")]
