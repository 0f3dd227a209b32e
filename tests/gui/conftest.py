"""Fixtures for the window tests: isolated settings, filled profiles, the DB worker and the main window.

No test may show a real modal dialog (offscreen, it would block forever): every
QMessageBox entry point fails the test unless the test patches it itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from fieldapp.gui import operations as ops
from fieldapp.gui.i18n import Translations
from fieldapp.gui.main_window import MainWindow
from fieldapp.store.migrate import open_profile_database
from fieldapp.store.profile import Profile

from .sample_data import copy_profile, fill_profile

SMALL = 300
LARGE = 5000


class UnexpectedDialog(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """QSettings (language, window geometry, hidden columns) go to a temp folder, never the user's."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch):
    def refuse(*args, **_kwargs):
        texts = [a.text() if isinstance(a, QMessageBox) else a for a in args if isinstance(a, (str, QMessageBox))]
        raise UnexpectedDialog(f"unexpected modal dialog: {texts}")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("question", "warning", "critical", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))


@pytest.fixture
def translations(qapp):
    """The English UI, as the app installs it (plural forms come from fieldapp_en.qm); removed after the test."""
    t = Translations(qapp)
    t.switch("en")
    yield t
    t.remove()


@pytest.fixture
def zh_ui(translations):
    translations.switch("zh_CN")
    return translations


@pytest.fixture(scope="session")
def small_template(tmp_path_factory) -> Path:
    profile = Profile(tmp_path_factory.mktemp("small-template"))
    fill_profile(profile, SMALL)
    return profile.db_path


@pytest.fixture(scope="session")
def large_template(tmp_path_factory) -> Path:
    profile = Profile(tmp_path_factory.mktemp("large-template"))
    fill_profile(profile, LARGE, seed=2)
    return profile.db_path


@pytest.fixture
def gui_profile(tmp_path, small_template) -> Profile:
    """A profile with SMALL customers, fresh for each test."""
    return copy_profile(small_template, tmp_path / "gui-profile")


def start_hub(profile: Profile) -> ops.OperationHub:
    return ops.OperationHub(ops.DbWorker(open_profile_database(profile)))


@pytest.fixture
def hub(gui_profile):
    hub = start_hub(gui_profile)
    yield hub
    hub.shutdown()


@pytest.fixture
def engine_of(hub):
    """The worker's engine, for assertions straight against the store (NullPool: own connections)."""
    return hub.worker.engine_for_tests()


def open_main_window(qtbot, profile: Profile, translations: Translations | None = None) -> MainWindow:
    window = MainWindow(profile, translations)
    # Closing must not ask about unsaved edits a test left behind.
    qtbot.addWidget(window, before_close_func=lambda w: w.form.revert())
    window.resize(1400, 850)
    window.show()
    with qtbot.waitSignal(window.list_panel.model.sig_ids_loaded, timeout=10_000):
        window.start()
    return window


@pytest.fixture
def window(qtbot, hub, gui_profile, translations):
    return open_main_window(qtbot, gui_profile, translations)


def wait_rows_loaded(qtbot, model, rows=range(1)) -> None:
    """Touch ``rows`` (as a view would) and wait until their page(s) arrived."""
    def loaded():
        for row in rows:
            model.data(model.index(row, 0))
        return all(model.is_row_loaded(row) for row in rows)

    qtbot.waitUntil(loaded, timeout=10_000)
