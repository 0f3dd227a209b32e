"""Managed settings in the window: locked fields, saving the user's own, a bad managed file, the language."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication

from fieldapp.gui import i18n
from fieldapp.gui import settings_dialog as settings_dialog_module
from fieldapp.gui.app import AppController
from fieldapp.gui.main_window import choose_language
from fieldapp.gui.settings_dialog import SettingsDialog
from fieldapp.settings import ENV_MANAGED_CONFIG, load_settings

from .conftest import open_main_window


@pytest.fixture
def managed(tmp_path, monkeypatch):
    """Write the machine-wide settings file for this test: ``managed('key = value\\n...')``."""
    path = tmp_path / "managed" / "config.toml"
    path.parent.mkdir()
    monkeypatch.setenv(ENV_MANAGED_CONFIG, str(path))

    def write(text: str):
        path.write_text(text, encoding="utf-8")
        return path

    return write


def open_dialog(qtbot, settings, **kwargs) -> SettingsDialog:
    dialog = SettingsDialog(settings, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_locked_keys_are_disabled_and_say_it_is_it(qtbot, managed, gui_profile, translations):
    managed('server_url = "https://sync.region.example"\nsync_interval_minutes = 30\nlanguage = "zh_CN"\n'
            'locked = ["server_url", "language"]\n')
    settings = load_settings(gui_profile.data_dir)
    dialog = open_dialog(qtbot, settings)
    assert dialog.server_edit.text() == "https://sync.region.example"
    assert not dialog.server_edit.isEnabled()
    assert dialog.server_edit.toolTip() == "Set by IT"
    assert dialog.lock_badges["server_url"].isVisible() and dialog.lock_badges["server_url"].text() == "Set by IT"
    assert not dialog.language_combo.isEnabled() and dialog.language_combo.currentData() == "zh_CN"
    # IT's default that is not locked: editable, and says where it comes from.
    assert dialog.interval_spin.isEnabled() and dialog.interval_spin.value() == 30
    assert dialog.interval_spin.toolTip() == "Default from IT; you can change it."
    assert not dialog.lock_badges["sync_interval_minutes"].isVisible()
    assert dialog.ca_edit.isEnabled()
    assert str(settings.managed_path) in dialog.managed_note.text()


def test_locked_tooltip_in_chinese(qtbot, managed, gui_profile, zh_ui):
    managed('server_url = "https://sync.region.example"\nlocked = ["server_url"]\n')
    dialog = open_dialog(qtbot, load_settings(gui_profile.data_dir))
    assert dialog.server_edit.toolTip() == "由 IT 统一设置"
    assert dialog.windowTitle() == "设置"


def test_saving_writes_the_user_file_off_the_ui_thread(qtbot, managed, gui_profile, translations, monkeypatch):
    managed('server_url = "https://sync.region.example"\nlocked = ["server_url"]\n')
    settings = load_settings(gui_profile.data_dir)
    threads = []
    original = settings_dialog_module.write_user_settings

    def recording(settings, changes):
        threads.append(threading.current_thread())
        return original(settings, changes)

    monkeypatch.setattr(settings_dialog_module, "write_user_settings", recording)
    dialog = open_dialog(qtbot, settings)
    dialog.interval_spin.setValue(45)
    with qtbot.waitSignal(dialog.sig_saved, timeout=5000) as saved:
        dialog.buttons.accepted.emit()
    new_settings, language = saved.args
    assert threads and threads[0] is not threading.main_thread()
    assert new_settings.effective("sync_interval_minutes") == 45
    assert new_settings.effective("server_url") == "https://sync.region.example"  # locked, untouched
    assert "sync_interval_minutes = 45" in settings.user_path.read_text(encoding="utf-8")
    assert "server_url" not in settings.user_path.read_text(encoding="utf-8")
    assert language == ""  # follow the system: nothing chosen


def test_invalid_values_are_refused_in_the_dialog(qtbot, managed, gui_profile, translations):
    managed("")
    settings = load_settings(gui_profile.data_dir)
    dialog = open_dialog(qtbot, settings)
    dialog.server_edit.setText("http://sync.region.example")
    dialog.ca_edit.setText("/nonexistent/ca.pem")
    dialog.buttons.accepted.emit()
    assert dialog.problems["server_url"].isVisible() and "https://" in dialog.problems["server_url"].text()
    assert dialog.problems["ca_bundle"].isVisible() and "does not exist" in dialog.problems["ca_bundle"].text()
    assert dialog.isVisible() and not settings.user_path.exists()


def test_the_window_applies_saved_settings(qtbot, managed, hub, gui_profile, translations):
    managed("")
    window = open_main_window(qtbot, gui_profile, translations)
    dialog = window.show_settings()
    assert dialog.isVisible()
    dialog.interval_spin.setValue(5)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
    with qtbot.waitSignal(dialog.sig_saved, timeout=5000):
        dialog.buttons.accepted.emit()
    QApplication.processEvents()
    assert window.settings.effective("sync_interval_minutes") == 5
    assert window.sync.interval_minutes() == 5
    assert i18n.saved_language() == "zh_CN"
    assert window.menu_file.title() == "文件(&F)"
    window.set_language("en")


def test_a_bad_managed_file_is_reported_and_the_window_opens(qtbot, managed, gui_profile, translations):
    path = managed('server_url = "https://sync.region.example"\nsync_interval_minutes = = 5\n')
    controller = AppController(gui_profile, translations)
    try:
        with qtbot.waitSignal(controller.sig_first_start_checked, timeout=10_000):
            controller.start()
        window = controller.window
        qtbot.addWidget(window)
        assert window.isVisible()
        assert window.settings_warning.isVisible()
        assert window.settings_warning.text() == "Settings problem"
        assert str(path) in window.statusBar().currentMessage()
        assert "syntax error" in window.statusBar().currentMessage()
        box = window.show_settings_problems()
        assert box.isVisible() and f"{path}:2" in box.detailedText()
        box.close()
        qtbot.waitUntil(lambda: window.list_panel.model.rowCount() > 0, timeout=10_000)
        assert window.settings.effective("server_url") is None  # the whole broken file is ignored
    finally:
        controller.shutdown()


def test_an_invalid_value_is_reported_with_its_line(qtbot, managed, hub, gui_profile, translations):
    path = managed('server_url = "ftp://nope"\nsync_interval_minutes = 10\n')
    window = open_main_window(qtbot, gui_profile, translations)
    assert window.settings_warning.isVisible()
    assert f"{path}:1" in window.statusBar().currentMessage()
    assert window.settings.effective("sync_interval_minutes") == 10  # the valid key still applies
    dialog = window.show_settings()
    assert dialog.warnings_label.isVisible() and f"{path}:1" in dialog.warnings_label.text()
    dialog.reject()


def test_it_s_locked_language_wins_and_the_menu_is_disabled(qtbot, managed, hub, gui_profile, translations):
    managed('language = "zh_CN"\nlocked = ["language"]\n')
    settings = load_settings(gui_profile.data_dir)
    i18n.save_language("en")
    assert choose_language("en", settings) == "zh_CN"  # beats --lang and the user's choice
    window = open_main_window(qtbot, gui_profile, translations)
    assert all(not action.isEnabled() for action in window.language_actions.values())
    window.set_language("en")  # refused: stays as IT set it
    assert i18n.saved_language() == "en"  # not overwritten either


def test_language_order_without_a_lock(managed, gui_profile):
    managed('language = "zh_CN"\n')  # IT's default, not locked
    settings = load_settings(gui_profile.data_dir)
    assert choose_language(None, settings) == "zh_CN"
    assert choose_language("en", settings) == "en"
    i18n.save_language("en")
    assert choose_language(None, settings) == "en"  # the user's own choice beats IT's default


def test_an_it_server_skips_the_demo_offer(qtbot, managed, tmp_path, translations, monkeypatch):
    from fieldapp.gui import app as gui_app
    from fieldapp.store.profile import Profile

    managed('server_url = "https://sync.region.example"\n')
    monkeypatch.setattr(gui_app, "offer_demo_data", lambda *_a: pytest.fail("demo offered"))
    controller = AppController(Profile(tmp_path / "empty"), translations, prompt_sign_in=True)
    try:
        with qtbot.waitSignal(controller.sig_first_start_checked, timeout=10_000):
            controller.start()
        window = controller.window
        qtbot.addWidget(window)
        # Instead, the window asks for the password (server from IT).
        qtbot.waitUntil(lambda: window.login_dialog is not None and window.login_dialog.isVisible(), timeout=10_000)
        assert window.login_dialog.server_edit.text() == "https://sync.region.example"
        window.login_dialog.reject()
    finally:
        controller.shutdown()


def test_background_calls_report_back_on_the_ui_thread(qtbot):
    from fieldapp.gui.sync_worker import run_in_thread

    seen = {}

    def work():
        seen["worker"] = threading.current_thread()
        return 42

    def done(result, error):
        seen["done"] = (threading.current_thread(), result, error)

    run_in_thread(work, done)
    qtbot.waitUntil(lambda: "done" in seen, timeout=5000)
    assert seen["worker"] is not threading.main_thread()
    assert seen["done"] == (threading.main_thread(), 42, None)
