"""The main window: customer list and customer form side by side, menus, status bar.

UI thread only. The window owns no data: the list and the form fetch what they
show through :mod:`.operations`, and the status bar refreshes itself after
every operation that changed customers, the sync outbox or the profile.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSplitter, QStyle, QToolBar, QWidget

from fieldapp import __version__
from fieldapp.store.profile import Profile

from . import operations as ops
from .customer_form import CustomerForm
from .customer_list import CustomerListPanel
from .i18n import LANGUAGES, Translations, app_settings, current_language, save_language
from .icons import app_icon

FORM_WIDTH = 500  # initial width of the form; the list gets the rest
STATUS_STYLE = """
QLabel#demoBadge { background: #e8590c; color: white; font-weight: 700; border-radius: 3px; padding: 1px 8px; }
QLabel#pendingLabel { padding: 0 6px; }
QLabel#profileLabel { color: #6b7280; padding: 0 6px; }
"""


class MainWindow(QMainWindow):
    """FieldApp's main window. Build it after the profile's database is open."""

    #: a profile status query finished (tests wait on it)
    sig_status_refreshed = Signal(object)

    def __init__(self, profile: Profile, translations: Translations | None = None,
                 parent: QWidget | None = None,
                 load_demo: Callable[[], None] | None = None):
        super().__init__(parent)
        self.profile = profile
        self._translations = translations
        self._load_demo = load_demo
        self._status: ops.ProfileStatus | None = None
        self._status_job: ops.Job | None = None
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())

        self.list_panel = CustomerListPanel(self)
        self.form = CustomerForm(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(self.form)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setContentsMargins(8, 8, 8, 4)
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_menus()
        self._build_status_bar()

        self.list_panel.sig_current_customer_changed.connect(self._on_list_selection)
        self.form.sig_saved.connect(self._on_form_saved)
        self.form.sig_state_changed.connect(self._update_actions)
        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)

        self.retranslate_ui()
        self.resize(1360, 820)
        self._restore_geometry()
        self._update_actions()

    def start(self) -> None:
        """Run the first queries (the database must be open)."""
        self.list_panel.start()
        self.refresh_status()

    # --- building ---------------------------------------------------------

    def _build_actions(self) -> None:
        style = self.style()
        self.action_new = QAction(style.standardIcon(QStyle.StandardPixmap.SP_FileIcon), "", self)
        self.action_new.setShortcut(QKeySequence.StandardKey.New)
        self.action_new.triggered.connect(self.form.start_new)
        self.action_save = QAction(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "", self)
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.action_save.triggered.connect(self.form.save)
        self.action_delete = QAction(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "", self)
        self.action_delete.triggered.connect(self.form.delete_current)
        self.action_quit = QAction("", self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.action_quit.triggered.connect(self.close)
        self.action_find = QAction(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "", self)
        self.action_find.setShortcut(QKeySequence.StandardKey.Find)
        self.action_find.triggered.connect(self.list_panel.focus_search)
        self.action_refresh = QAction(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "", self)
        self.action_refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        self.action_refresh.triggered.connect(self._refresh_all)
        self.action_toolbar = QAction("", self)
        self.action_toolbar.setCheckable(True)
        self.action_toolbar.setChecked(True)
        self.action_about = QAction("", self)
        self.action_about.setMenuRole(QAction.MenuRole.AboutRole)
        self.action_about.triggered.connect(self.show_about)
        self.action_load_demo = QAction("", self)
        self.action_load_demo.triggered.connect(self._request_demo)
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for lang, name in LANGUAGES.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setData(lang)
            action.setChecked(lang == current_language())
            action.triggered.connect(lambda _checked=False, lang=lang: self.set_language(lang))
            self.language_group.addAction(action)
            self.language_actions[lang] = action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        self.menu_file.addAction(self.action_new)
        self.menu_file.addAction(self.action_save)
        self.menu_file.addAction(self.action_delete)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.action_load_demo)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.action_quit)
        self.menu_view = bar.addMenu("")
        self.menu_view.addAction(self.action_find)
        self.menu_view.addAction(self.action_refresh)
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.action_toolbar)
        self.menu_settings = bar.addMenu("")
        self.menu_language = self.menu_settings.addMenu("")
        for action in self.language_actions.values():
            self.menu_language.addAction(action)
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.action_about)

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.action_new, self.action_save, self.action_delete):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.action_refresh)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.action_toolbar.toggled.connect(self.toolbar.setVisible)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setStyleSheet(STATUS_STYLE)
        self.demo_badge = QLabel(self)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.hide()
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pendingLabel")
        self.profile_label = QLabel(self)
        self.profile_label.setObjectName("profileLabel")
        self.profile_label.setToolTip(str(self.profile.db_path))
        status.addWidget(self.demo_badge)
        status.addWidget(self.profile_label, 1)
        status.addPermanentWidget(self.pending_label)

    # --- behaviour --------------------------------------------------------

    def _on_list_selection(self, customer_id: str) -> None:
        if customer_id == self.form.customer_id and not self.form.is_new:
            return
        if not self.form.confirm_discard():
            # Put the selection back on what the form still shows — after the view has
            # finished the selection change that called us, or it would win.
            keep = self.form.customer_id
            QTimer.singleShot(0, self, lambda: self.list_panel.select_customer(keep, notify=False))
            return
        self.form.load_customer(customer_id)

    def _on_form_saved(self, customer_id: str) -> None:
        # A new customer should appear selected once the refreshed list lands.
        self.list_panel.select_customer(customer_id, notify=False)

    def _update_actions(self) -> None:
        loaded = self.form.customer_id is not None
        self.action_save.setEnabled(self.form.save_button.isEnabled())
        self.action_delete.setEnabled(loaded and not self.form.is_saving)
        empty = self._status is not None and self._status.customer_count == 0
        self.action_load_demo.setVisible(self._load_demo is not None)
        self.action_load_demo.setEnabled(empty)

    def _on_operation(self, changes: ops.OpChanges, _initiator: object) -> None:
        if changes.anything:
            self.refresh_status()

    def refresh_status(self) -> None:
        """Re-read the status bar facts off-thread (pending sync count, demo flag)."""
        if self._status_job is not None:
            self._status_job.cancel()
        self._status_job = ops.profile_status(parent=self, success=self._on_status).run_in_background()

    def _on_status(self, status: ops.ProfileStatus) -> None:
        self._status_job = None
        self._status = status
        self._show_status()
        self._update_actions()
        self.sig_status_refreshed.emit(status)

    def _show_status(self) -> None:
        self.profile_label.setText(self.tr("Profile: {path}").format(path=str(self.profile.data_dir)))
        if self._status is None:
            self.pending_label.setText("")
            return
        pending = self._status.pending_changes
        self.pending_label.setText(self.tr("%Ln change(s) waiting to sync", "", pending) if pending
                                   else self.tr("Everything synced"))
        self.demo_badge.setVisible(self._status.demo)

    def _refresh_all(self) -> None:
        self.list_panel.model.refresh()
        self.refresh_status()

    def _request_demo(self) -> None:
        if self._load_demo is not None:
            self._load_demo()

    def set_language(self, lang: str) -> None:
        """Switch the UI language now and remember it for the next start."""
        save_language(lang)
        if self._translations is not None:
            self._translations.switch(lang)  # Qt sends LanguageChange to every widget
        self.language_actions[lang].setChecked(True)

    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About FieldApp"), self.tr(
            "<h3>FieldApp {version}</h3>"
            "<p>Customer files, visits and sync for field account managers — works offline.</p>"
            "<p>Data folder:<br><code>{path}</code></p>").format(
                version=__version__, path=str(self.profile.data_dir)))

    def has_demo_badge(self) -> bool:
        return self.demo_badge.isVisibleTo(self)

    # --- window state -----------------------------------------------------

    def _restore_geometry(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([max(self.width() - FORM_WIDTH, 400), FORM_WIDTH])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.form.confirm_discard():
            event.ignore()
            return
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("FieldApp Field Assistant"))
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_settings.setTitle(self.tr("&Settings"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.action_new.setText(self.tr("&New customer"))
        self.action_save.setText(self.tr("&Save"))
        self.action_delete.setText(self.tr("&Delete customer…"))
        # Toolbar labels without mnemonics: Qt would show the "(&N)" of a Chinese menu text.
        self.action_new.setIconText(self.tr("New customer"))
        self.action_save.setIconText(self.tr("Save"))
        self.action_delete.setIconText(self.tr("Delete"))
        self.action_refresh.setIconText(self.tr("Refresh"))
        self.action_load_demo.setText(self.tr("Load &demo data…"))
        self.action_quit.setText(self.tr("&Quit"))
        self.action_find.setText(self.tr("&Find customer"))
        self.action_refresh.setText(self.tr("&Refresh"))
        self.action_toolbar.setText(self.tr("Show &toolbar"))
        self.action_about.setText(self.tr("&About FieldApp"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        self.demo_badge.setText(self.tr("DEMO DATA"))
        self.demo_badge.setToolTip(self.tr("This profile holds made-up demo data. Do not enter real customers here."))
        self._show_status()

