"""The main window: customer files, the visit plan and the visit screen in tabs; sync in the status bar.

Tabs:

- **Customers** (客户档案): the list and, beside it, the selected customer's
  file and history (:class:`~fieldapp.gui.visit.CustomerHistoryWidget`), with
  "Start visit" on the file;
- **Today's plan** (今日计划): :class:`~fieldapp.gui.visit.PlanView` (today / this week);
- **Visit** (拜访): :class:`~fieldapp.gui.visit.VisitScreen`; its tab is marked
  while a visit is in progress, and the status bar names the store;
- **Team** (团队): :class:`~fieldapp.gui.lead.LeadWorkspace`, added only while the
  signed-in user is a team lead or an administrator.

The status bar's right corner is the sync status
(:class:`~fieldapp.gui.sync_status.SyncStatusWidget`, driven by the
:class:`~fieldapp.gui.sync_worker.SyncController`); a button appears beside it
when the settings files had problems.

UI thread only. The window owns no data: every view fetches what it shows
through :mod:`.operations` and refreshes itself after ``operation_did_execute``.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from fieldapp import __version__
from fieldapp.settings import Settings, load_settings
from fieldapp.store.profile import Profile

from . import operations as ops
from .conflicts_view import ConflictsDialog
from .customer_form import CustomerForm
from .customer_list import CustomerListPanel
from .dialogs import widen
from .i18n import (
    LANGUAGES,
    SETTINGS_LANGUAGE_KEY,
    Translations,
    app_settings,
    current_language,
    render_message,
    save_language,
    saved_language,
    system_language,
)
from .icons import app_icon
from .lead import LeadWorkspace
from .login_dialog import LoginDialog
from .settings_dialog import SettingsDialog
from .sync_status import SyncState, SyncStatusWidget, detail_text, dot_pixmap, render, state_text, sync_icon
from .sync_worker import SyncController
from .visit import CustomerHistoryWidget, PlanView, VisitScreen
from .visit.widgets import svg_icon

FORM_WIDTH = 620  # initial width of the file / history pane; the list gets the rest
TAB_CUSTOMERS, TAB_PLAN, TAB_VISIT = range(3)
DETAIL_FILE, DETAIL_HISTORY = range(2)
VISIT_COLOUR = "#cf222e"
STATUS_STYLE = """
QLabel#demoBadge { background: #e8590c; color: white; font-weight: 700; border-radius: 3px; padding: 1px 8px; }
QLabel#profileLabel { color: #6b7280; padding: 0 6px; }
QToolButton#visitBadge { border: none; color: #cf222e; font-weight: 600; padding: 0 6px; }
QToolButton#visitBadge:hover { text-decoration: underline; }
QToolButton#settingsWarning { border: none; color: #9a6700; padding: 0 6px; }
QToolButton#settingsWarning:hover { text-decoration: underline; }
"""
TABS_STYLE = """
QTabWidget#mainTabs::pane { border: none; border-top: 1px solid #d0d7de; }
QTabWidget#mainTabs > QTabBar { background: #f6f8fa; }
QTabWidget#mainTabs > QTabBar::tab { padding: 8px 22px; min-width: 80px; border: none; background: transparent;
    border-bottom: 3px solid transparent; color: #57606a; }
QTabWidget#mainTabs > QTabBar::tab:hover { color: #1f2328; border-bottom: 3px solid #d0d7de; }
QTabWidget#mainTabs > QTabBar::tab:selected { color: #1f2328; border-bottom: 3px solid #0969da; font-weight: 600; }
QTabWidget#mainTabs[visiting="true"] > QTabBar::tab:last { color: #cf222e; font-weight: 600; }
QTabWidget#mainTabs[visiting="true"] > QTabBar::tab:last:selected { border-bottom: 3px solid #cf222e; }
QPushButton#startVisitButton { background: #1f883d; color: white; border: 1px solid #1a7f37; border-radius: 5px;
    padding: 3px 12px; font-weight: 600; margin: 2px 4px 4px 0; }
QPushButton#startVisitButton:hover { background: #1a7f37; }
QPushButton#startVisitButton:disabled { background: #94d3a2; border-color: #94d3a2; }
"""


def choose_language(explicit: str | None, settings: Settings | None) -> str:
    """The UI language at start: IT's locked choice, then ``--lang``, then the user's choice (Settings ▸
    Language), then IT's default, then the system's."""
    if settings is not None and settings.is_locked("language") and settings.effective("language") in LANGUAGES:
        return settings.effective("language")
    if explicit in LANGUAGES:
        return explicit
    saved = saved_language()
    if saved:
        return saved
    if settings is not None and settings.effective("language") in LANGUAGES:
        return settings.effective("language")
    return system_language()


class MainWindow(QMainWindow):
    """FieldApp's main window. Build it after the profile's database is open; then call :meth:`start`."""

    #: a profile status query finished (tests wait on it)
    sig_status_refreshed = Signal(object)
    #: the visit in progress was looked up at start (True: one was found and shown)
    sig_resume_checked = Signal(bool)

    def __init__(self, profile: Profile, translations: Translations | None = None,
                 parent: QWidget | None = None,
                 load_demo: Callable[[], None] | None = None, *,
                 settings: Settings | None = None,
                 sync_controller: SyncController | None = None,
                 prompt_sign_in: bool = False,
                 today: Callable[[], Any] | None = None,
                 now: Callable[[], Any] | None = None):
        super().__init__(parent)
        self.profile = profile
        self._translations = translations
        self._load_demo = load_demo
        self._status: ops.ProfileStatus | None = None
        self._status_job: ops.Job | None = None
        self._resuming = False
        self._prompt_sign_in = prompt_sign_in
        self._prompted = False
        self._sync_shut_down = False
        self.login_dialog: LoginDialog | None = None
        self.conflicts_dialog: ConflictsDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.details_box: QMessageBox | None = None
        # The settings are a small TOML read: fine while the window is being built, never in a slot.
        self.settings = settings if settings is not None else load_settings(profile.data_dir)
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())

        # customers tab: list | (file, history)
        self.list_panel = CustomerListPanel(self)
        self.form = CustomerForm(self)
        self.history = CustomerHistoryWidget(self, **({"today": today} if today else {}))
        self.detail_tabs = QTabWidget(self)
        self.detail_tabs.setObjectName("detailTabs")
        self.detail_tabs.setDocumentMode(True)
        self.detail_tabs.addTab(self.form, "")
        self.detail_tabs.addTab(self.history, "")
        self.start_visit_button = QPushButton(self)
        self.start_visit_button.setObjectName("startVisitButton")
        self.detail_tabs.setCornerWidget(self.start_visit_button, Qt.Corner.TopRightCorner)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list_panel)
        self.splitter.addWidget(self.detail_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setContentsMargins(8, 8, 8, 4)

        # the working day
        self.plan = PlanView(self, **({"today": today} if today else {}), **({"now": now} if now else {}))
        self.visit = VisitScreen(profile, self, **({"now": now} if now else {}))

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setStyleSheet(TABS_STYLE)
        self.tabs.addTab(self.splitter, "")
        self.tabs.addTab(self.plan, "")
        self.tabs.addTab(self.visit, "")
        self._visit_tab_colour = self.tabs.tabBar().tabTextColor(TAB_VISIT)
        # The team lead's workspace: a tab of its own once the signed-in user is known to be a lead.
        self.lead = LeadWorkspace(self, profile=profile, **({"today": today} if today else {}),
                                  **({"now": now} if now else {}))
        self.lead.hide()
        self.setCentralWidget(self.tabs)

        self.sync = sync_controller or SyncController(profile, self.settings, parent=self)
        if self.sync.parent() is None:
            self.sync.setParent(self)

        self._build_actions()
        self._build_menus()
        self._build_status_bar()

        self.list_panel.sig_current_customer_changed.connect(self._on_list_selection)
        self.form.sig_saved.connect(self._on_form_saved)
        self.form.sig_state_changed.connect(self._update_actions)
        self.form.sig_deleted.connect(lambda _cid: self.history.set_customer(None))
        self.start_visit_button.clicked.connect(self.start_visit_for_current)
        self.plan.sig_start_visit.connect(self.start_visit)
        self.plan.sig_resume_visit.connect(self.open_visit)
        self.plan.sig_open_customer.connect(self.show_customer)
        self.visit.sig_open_history.connect(lambda cid: self.show_customer(cid, history=True))
        self.history.sig_open_visit.connect(self.open_visit)
        for signal in (self.visit.sig_visit_loaded, self.visit.sig_visit_started, self.visit.sig_checked_out,
                       self.visit.sig_closed):
            signal.connect(self._update_visit_marks)
        self.visit.sig_visit_loaded.connect(self._on_visit_loaded)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.sync.sig_status_changed.connect(self._on_sync_status)
        self.sync.sig_sync_finished.connect(self._on_sync_finished)
        self.sync_status.sig_clicked.connect(self.on_sync_status_clicked)
        self.sync_status.sig_cancel.connect(self.sync.cancel)
        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.lead.sig_role_known.connect(self._show_team_tab)
        self.sync.sig_sync_finished.connect(self.lead.refresh_team)

        self.retranslate_ui()
        self.resize(1360, 820)
        self._restore_geometry()
        self._update_actions()
        self._apply_language_lock()
        self._show_settings_problems()

    def start(self) -> None:
        """Run the first queries (the database must be open): list, status, plan, the visit in progress, sync."""
        self.list_panel.start()
        self.refresh_status()
        self.plan.start()
        self._resuming = True
        self.visit.resume_in_progress()
        self.lead.start()
        self.sync.start()

    # --- building ---------------------------------------------------------

    def _build_actions(self) -> None:
        style = self.style()
        self.action_new = QAction(style.standardIcon(QStyle.StandardPixmap.SP_FileIcon), "", self)
        self.action_new.setShortcut(QKeySequence.StandardKey.New)
        self.action_new.triggered.connect(self.new_customer)
        self.action_save = QAction(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "", self)
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.action_save.triggered.connect(self.form.save)
        self.action_delete = QAction(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "", self)
        self.action_delete.triggered.connect(self.form.delete_current)
        self.action_start_visit = QAction(svg_icon("pin", "#1a7f37"), "", self)
        self.action_start_visit.triggered.connect(self.start_visit_for_current)
        self.action_quit = QAction("", self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.action_quit.triggered.connect(self.close)
        self.action_find = QAction(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "", self)
        self.action_find.setShortcut(QKeySequence.StandardKey.Find)
        self.action_find.triggered.connect(self._find_customer)
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
        self.tab_actions: list[QAction] = []
        for index in (TAB_CUSTOMERS, TAB_PLAN, TAB_VISIT):
            action = QAction("", self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, index=index: self.tabs.setCurrentIndex(index))
            self.tab_actions.append(action)
        # Sync: F9, as "Send/Receive" in the mail programs office users know (Ctrl+S is Save).
        self.action_sync_now = QAction(sync_icon(), "", self)
        self.action_sync_now.setShortcut(QKeySequence(Qt.Key.Key_F9))
        self.action_sync_now.triggered.connect(self.sync_now)
        self.action_cancel_sync = QAction("", self)
        self.action_cancel_sync.triggered.connect(self.sync.cancel)
        self.action_conflicts = QAction("", self)
        self.action_conflicts.triggered.connect(self.show_conflicts)
        self.action_sign_in = QAction("", self)
        self.action_sign_in.triggered.connect(self.show_sign_in)
        self.action_sign_out = QAction("", self)
        self.action_sign_out.triggered.connect(self.confirm_sign_out)
        self.action_settings = QAction("", self)
        self.action_settings.setShortcut(QKeySequence.StandardKey.Preferences)
        self.action_settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.action_settings.triggered.connect(self.show_settings)
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
        self.menu_file.addAction(self.action_start_visit)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.action_load_demo)
        self.menu_file.addSeparator()
        self.menu_file.addAction(self.action_quit)
        self.menu_view = bar.addMenu("")
        for action in self.tab_actions:
            self.menu_view.addAction(action)
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.action_find)
        self.menu_view.addAction(self.action_refresh)
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.action_toolbar)
        self.menu_sync = bar.addMenu("")
        self.menu_sync.addAction(self.action_sync_now)
        self.menu_sync.addAction(self.action_cancel_sync)
        self.menu_sync.addSeparator()
        self.menu_sync.addAction(self.action_conflicts)
        self.menu_sync.addSeparator()
        self.menu_sync.addAction(self.action_sign_in)
        self.menu_sync.addAction(self.action_sign_out)
        self.menu_sync.aboutToShow.connect(self._update_sync_actions)
        self.menu_settings = bar.addMenu("")
        self.menu_settings.addAction(self.action_settings)
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
        self.toolbar.addAction(self.action_start_visit)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.action_refresh)
        self.toolbar.addAction(self.action_sync_now)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.action_toolbar.toggled.connect(self.toolbar.setVisible)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setStyleSheet(STATUS_STYLE)
        self.demo_badge = QLabel(self)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.hide()
        self.profile_label = QLabel(self)
        self.profile_label.setObjectName("profileLabel")
        self.profile_label.setToolTip(str(self.profile.db_path))
        self.visit_badge = QToolButton(self)
        self.visit_badge.setObjectName("visitBadge")
        self.visit_badge.setCursor(Qt.CursorShape.PointingHandCursor)
        self.visit_badge.clicked.connect(lambda: self.tabs.setCurrentIndex(TAB_VISIT))
        self.visit_badge.hide()
        self.settings_warning = QToolButton(self)
        self.settings_warning.setObjectName("settingsWarning")
        self.settings_warning.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.settings_warning.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_warning.setCursor(Qt.CursorShape.PointingHandCursor)
        self.settings_warning.clicked.connect(self.show_settings_problems)
        self.settings_warning.hide()
        self.sync_status = SyncStatusWidget(self)
        self.pending_label = self.sync_status.pending_label
        status.addWidget(self.demo_badge)
        status.addWidget(self.profile_label, 1)
        status.addPermanentWidget(self.visit_badge)
        status.addPermanentWidget(self.settings_warning)
        status.addPermanentWidget(self.sync_status)

    # --- customers and visits ---------------------------------------------

    def _on_list_selection(self, customer_id: str) -> None:
        if customer_id == self.form.customer_id and not self.form.is_new:
            if self.history.customer_id != customer_id:
                self.history.set_customer(customer_id)
            return
        if not self.form.confirm_discard():
            # Put the selection back on what the form still shows — after the view has
            # finished the selection change that called us, or it would win.
            keep = self.form.customer_id
            QTimer.singleShot(0, self, lambda: self.list_panel.select_customer(keep, notify=False))
            return
        self.form.load_customer(customer_id)
        self.history.set_customer(customer_id)

    def _on_form_saved(self, customer_id: str) -> None:
        # A new customer should appear selected once the refreshed list lands.
        self.list_panel.select_customer(customer_id, notify=False)
        if self.history.customer_id != customer_id:
            self.history.set_customer(customer_id)

    def new_customer(self) -> None:
        self.tabs.setCurrentIndex(TAB_CUSTOMERS)
        self.detail_tabs.setCurrentIndex(DETAIL_FILE)
        self.form.start_new()

    def show_customer(self, customer_id: str, *, history: bool = False) -> None:
        """Show a customer's file (or history) on the customers tab."""
        self.tabs.setCurrentIndex(TAB_CUSTOMERS)
        self.detail_tabs.setCurrentIndex(DETAIL_HISTORY if history else DETAIL_FILE)
        if self.list_panel.select_customer(customer_id):
            # The selection loads the file and the history — unless the row was already selected.
            if self.form.customer_id == customer_id and self.history.customer_id != customer_id:
                self.history.set_customer(customer_id)
            return
        # Not in the current (filtered) list: show it anyway.
        if customer_id != self.form.customer_id and self.form.confirm_discard():
            self.form.load_customer(customer_id)
        self.history.set_customer(customer_id)

    def start_visit(self, customer_id: str) -> None:
        """Open the visit screen's start page for ``customer_id`` (preparation, visit type, check-in)."""
        self.visit.start_for_customer(customer_id)
        self.tabs.setCurrentIndex(TAB_VISIT)

    def start_visit_for_current(self) -> None:
        customer_id = self.form.customer_id
        if customer_id is not None and not self.form.is_new:
            self.start_visit(customer_id)

    def open_visit(self, visit_id: str) -> None:
        self.visit.open_visit(visit_id)
        self.tabs.setCurrentIndex(TAB_VISIT)

    def _on_visit_loaded(self, state: object) -> None:
        if not self._resuming:
            return
        self._resuming = False
        found = state is not None and self.visit.in_progress
        if found:
            self.tabs.setCurrentIndex(TAB_VISIT)
        self.sig_resume_checked.emit(found)

    def visit_in_progress(self) -> bool:
        return self.visit.in_progress

    def _update_visit_marks(self, *_args: object) -> None:
        in_progress = self.visit.in_progress
        bar = self.tabs.tabBar()
        if in_progress:
            self.tabs.setTabText(TAB_VISIT, self.tr("Visit (in progress)"))
            self.tabs.setTabIcon(TAB_VISIT, _dot_icon(VISIT_COLOUR))
            bar.setTabTextColor(TAB_VISIT, QColor(VISIT_COLOUR))
            customer = self.visit.state.customer if self.visit.state else None
            store = customer.store_name if customer is not None else ""
            self.visit_badge.setText(self.tr("Visit in progress: {store}").format(store=store))
            self.visit_badge.setToolTip(self.tr("Go to the visit"))
        else:
            self.tabs.setTabText(TAB_VISIT, self.tr("Visit"))
            self.tabs.setTabIcon(TAB_VISIT, _dot_icon(None))
            bar.setTabTextColor(TAB_VISIT, self._visit_tab_colour)
        self.visit_badge.setVisible(in_progress)
        if self.tabs.property("visiting") != in_progress:
            self.tabs.setProperty("visiting", in_progress)  # the style sheet colours the tab (the last one)
            self.tabs.style().unpolish(self.tabs)
            self.tabs.style().polish(self.tabs)
            bar.style().unpolish(bar)
            bar.style().polish(bar)

    def _on_tab_changed(self, _index: int) -> None:
        self._update_actions()  # the visit screen saves its pending typing itself when hidden

    def _find_customer(self) -> None:
        self.tabs.setCurrentIndex(TAB_CUSTOMERS)
        self.list_panel.focus_search()

    # --- actions and status -------------------------------------------------

    def _update_actions(self) -> None:
        loaded = self.form.customer_id is not None
        self.action_save.setEnabled(self.form.save_button.isEnabled())
        self.action_delete.setEnabled(loaded and not self.form.is_saving)
        can_visit = loaded and not self.form.is_new
        self.action_start_visit.setEnabled(can_visit)
        self.start_visit_button.setEnabled(can_visit)
        empty = self._status is not None and self._status.customer_count == 0
        self.action_load_demo.setVisible(self._load_demo is not None)
        self.action_load_demo.setEnabled(empty)
        self._update_sync_actions()

    def _update_sync_actions(self) -> None:
        status = self.sync.status
        syncing = status.state is SyncState.SYNCING
        demo = status.state is SyncState.DEMO
        self.action_sync_now.setEnabled(not syncing)
        self.action_cancel_sync.setEnabled(syncing)
        self.action_conflicts.setEnabled(status.open_conflicts > 0)
        self.action_sign_in.setEnabled(not demo and not syncing)
        self.action_sign_out.setEnabled(bool(status.username) and status.state is not SyncState.NOT_SIGNED_IN
                                        and not syncing)

    def _show_team_tab(self, is_lead: bool) -> None:
        index = self.tabs.indexOf(self.lead)
        if is_lead and index < 0:
            self.tabs.addTab(self.lead, self.tr("Team"))
        elif not is_lead and index >= 0:
            self.tabs.removeTab(index)
            self.lead.hide()

    def _on_operation(self, changes: ops.OpChanges, _initiator: object) -> None:
        if changes.anything:
            self.refresh_status()

    def refresh_status(self) -> None:
        """Re-read the status bar facts off-thread (customer count, demo flag)."""
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
        if self._status is not None:
            self.demo_badge.setVisible(self._status.demo)

    def _refresh_all(self) -> None:
        self.list_panel.model.refresh()
        self.refresh_status()
        self.sync.refresh_overview()
        if self.tabs.currentIndex() == TAB_PLAN:
            self.plan.refresh()

    def _request_demo(self) -> None:
        if self._load_demo is not None:
            self._load_demo()

    # --- sync ---------------------------------------------------------------

    def sync_now(self) -> None:
        """"Sync now": sign in first when the profile is not signed in (and may be)."""
        status = self.sync.status
        if status.state is SyncState.NOT_SIGNED_IN:
            self.show_sign_in()
            return
        if not self.sync.sync_now("manual"):
            self.statusBar().showMessage(self.tr("A sync is already running."), 5000)

    def _on_sync_status(self, status: Any) -> None:
        self.sync_status.set_status(status)
        self._update_sync_actions()
        self._maybe_prompt_sign_in(status)

    def _on_sync_finished(self, report: Any) -> None:
        if report.status == "failed" and report.error_kind == "demo_profile":
            # The refusal is the answer to "Sync now": say it where the user looks.
            self.statusBar().showMessage(detail_text(self.sync.status), 15_000)
        elif report.status == "failed" and report.error_kind == "cancelled":
            self.statusBar().showMessage(self.tr("Sync stopped. It continues from there next time."), 8000)

    def on_sync_status_clicked(self) -> None:
        """The status line was clicked: sign in, review conflicts, or see the details."""
        status = self.sync.status
        if status.needs_sign_in and status.state is not SyncState.DEMO:
            self.show_sign_in()
        elif status.state is SyncState.ATTENTION and status.attention == "conflicts":
            self.show_conflicts()
        else:
            self.show_sync_details()

    def show_sync_details(self) -> QMessageBox:
        """What sync is doing, why, and the one or two things that can be done about it (non-modal)."""
        if self.details_box is not None:
            self.details_box.close()
        status = self.sync.status
        icon = {SyncState.ATTENTION: QMessageBox.Icon.Warning, SyncState.DEMO: QMessageBox.Icon.Information,
                SyncState.OFFLINE: QMessageBox.Icon.Information}.get(status.state, QMessageBox.Icon.Information)
        box = QMessageBox(icon, self.tr("Sync"), state_text(status), QMessageBox.StandardButton.Close, self)
        box.setObjectName("syncDetails")
        box.setInformativeText(detail_text(status))
        widen(box)
        actions: dict[object, Callable[[], None]] = {}
        if status.state not in (SyncState.SYNCING, SyncState.DEMO, SyncState.NOT_SIGNED_IN):
            actions[box.addButton(self.tr("Sync now"), QMessageBox.ButtonRole.ActionRole)] = self.sync_now
        if status.needs_sign_in and status.state is not SyncState.DEMO:
            actions[box.addButton(self.tr("Sign in…"), QMessageBox.ButtonRole.ActionRole)] = self.show_sign_in
        if status.open_conflicts:
            actions[box.addButton(self.tr("Review conflicts…"),
                                  QMessageBox.ButtonRole.ActionRole)] = self.show_conflicts
        if status.state is SyncState.SYNCING:
            actions[box.addButton(self.tr("Stop sync"), QMessageBox.ButtonRole.ActionRole)] = self.sync.cancel
        box.buttonClicked.connect(lambda button: actions.get(button, lambda: None)())
        box.finished.connect(box.deleteLater)
        self.details_box = box
        box.destroyed.connect(lambda *_: setattr(self, "details_box", None))
        box.open()
        return box

    def show_sign_in(self) -> LoginDialog:
        if self.login_dialog is not None:
            self.login_dialog.raise_()
            self.login_dialog.activateWindow()
            return self.login_dialog
        dialog = LoginDialog(self.sync, self)
        dialog.sig_signed_in.connect(self._on_signed_in)
        dialog.finished.connect(lambda _r: self._forget_dialog("login_dialog"))
        self.login_dialog = dialog
        dialog.open()
        return dialog

    def _on_signed_in(self, result: Any) -> None:
        user = getattr(result, "user", None)
        name = getattr(user, "display_name", None) or getattr(user, "username", None) or ""
        message = self.tr("Signed in as {name}. Syncing…").format(name=name)
        warning = getattr(result, "warning", None)
        if warning is not None:  # e.g. no keyring: kept in memory only, asked again at the next start
            message = f"{message} {render(warning)}"
        self.statusBar().showMessage(message, 20_000)

    def confirm_sign_out(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Sign out"), self.tr(
            "Sign out of the sync server? Changes waiting to sync stay on this laptop and are sent after you sign "
            "in again."), QMessageBox.StandardButton.Cancel, self)
        sign_out = box.addButton(self.tr("Sign out"), QMessageBox.ButtonRole.AcceptRole)
        widen(box)
        box.buttonClicked.connect(lambda button: self.sync.sign_out() if button is sign_out else None)
        box.finished.connect(box.deleteLater)
        box.open()

    def show_conflicts(self) -> ConflictsDialog:
        if self.conflicts_dialog is None:
            self.conflicts_dialog = ConflictsDialog(self.sync, self)
            self.conflicts_dialog.finished.connect(lambda _r: self._forget_dialog("conflicts_dialog"))
        self.conflicts_dialog.view.refresh()
        self.conflicts_dialog.show()
        self.conflicts_dialog.raise_()
        return self.conflicts_dialog

    def _forget_dialog(self, name: str) -> None:
        dialog = getattr(self, name)
        setattr(self, name, None)
        if dialog is not None:
            dialog.deleteLater()

    def _maybe_prompt_sign_in(self, status: Any) -> None:
        """At start, ask for the password once when IT set a server or the sign-in expired."""
        if not self._prompt_sign_in or self._prompted or not status.known or status.state is SyncState.DEMO:
            return
        wants = (status.state is SyncState.NOT_SIGNED_IN and self.settings.effective("server_url")) or (
            status.attention == "sign_in")
        if wants:
            self._prompted = True
            QTimer.singleShot(0, self, self.show_sign_in)

    # --- settings -----------------------------------------------------------

    def show_settings(self) -> SettingsDialog:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return self.settings_dialog
        status = self.sync.status
        account = (self.tr("Signed in as {user} at {server}.").format(user=status.username, server=status.server_url)
                   if status.username and status.server_url else None)
        dialog = SettingsDialog(self.settings, self, language=saved_language(), account=account)
        dialog.sig_saved.connect(self.apply_settings)
        dialog.finished.connect(lambda _r: self._forget_dialog("settings_dialog"))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings, language: str | None = None) -> None:
        """Use new settings now: sync interval and server, language (unless IT locked it)."""
        self.settings = settings
        self.sync.apply_settings(settings)
        if language is not None and not settings.is_locked("language"):
            if language:
                if language != current_language():
                    self.set_language(language)
                else:
                    save_language(language)
            else:
                preferences = app_settings()
                preferences.remove(SETTINGS_LANGUAGE_KEY)
                preferences.sync()
                wanted = choose_language(None, settings)
                if wanted != current_language() and self._translations is not None:
                    self._translations.switch(wanted)
                    self.language_actions[wanted].setChecked(True)
        self._apply_language_lock()
        self.statusBar().showMessage(self.tr("Settings saved."), 5000)

    def _apply_language_lock(self) -> None:
        locked = self.settings.is_locked("language")
        for action in self.language_actions.values():
            action.setEnabled(not locked)
            action.setToolTip(self.tr("Set by IT") if locked else "")
        self.menu_language.setToolTipsVisible(True)

    def _show_settings_problems(self) -> None:
        """A bad settings file never stops the app: say so in the status bar, details on click."""
        messages = self.settings.messages
        self.settings_warning.setVisible(bool(messages))
        if messages:
            self.statusBar().showMessage(self.tr("Problem in the settings: {problem}").format(
                problem=render_message(messages[0])), 30_000)

    def show_settings_problems(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Settings"), self.tr(
            "Some settings could not be used. FieldApp works with safe defaults for them."),
            QMessageBox.StandardButton.Close, self)
        box.setObjectName("settingsProblems")
        box.setInformativeText(self.tr("Tell IT if a machine-wide settings file is named below."))
        box.setDetailedText("\n\n".join(render_message(m) for m in self.settings.messages))
        widen(box)
        box.finished.connect(box.deleteLater)
        box.open()
        return box

    def set_language(self, lang: str) -> None:
        """Switch the UI language now and remember it for the next start (unless IT locked it)."""
        if self.settings.is_locked("language"):
            locked = self.settings.effective("language")
            if locked in self.language_actions:
                self.language_actions[locked].setChecked(True)
            return
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
        tab = settings.value("window/tab", TAB_CUSTOMERS, type=int)
        if tab in (TAB_CUSTOMERS, TAB_PLAN):  # never reopen on an empty visit tab
            self.tabs.setCurrentIndex(tab)

    def shutdown_sync(self) -> None:
        """Stop the sync thread (cancelling a running sync). Safe to call twice."""
        if not self._sync_shut_down:
            self._sync_shut_down = True
            self.sync.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.form.confirm_discard():
            event.ignore()
            return
        if ops.OperationHub._instance is not None:
            self.visit.flush()  # typed notes reach the DB worker before it shuts down
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/tab", self.tabs.currentIndex())
        for dialog in (self.login_dialog, self.conflicts_dialog, self.settings_dialog, self.details_box):
            if dialog is not None:
                dialog.close()
        self.shutdown_sync()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("FieldApp Field Assistant"))
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_sync.setTitle(self.tr("S&ync"))
        self.menu_settings.setTitle(self.tr("&Settings"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.action_new.setText(self.tr("&New customer"))
        self.action_save.setText(self.tr("&Save"))
        self.action_delete.setText(self.tr("&Delete customer…"))
        self.action_start_visit.setText(self.tr("Start &visit"))
        # Toolbar labels without mnemonics: Qt would show the "(&N)" of a Chinese menu text.
        self.action_new.setIconText(self.tr("New customer"))
        self.action_save.setIconText(self.tr("Save"))
        self.action_delete.setIconText(self.tr("Delete"))
        self.action_start_visit.setIconText(self.tr("Start visit"))
        self.action_refresh.setIconText(self.tr("Refresh"))
        self.action_sync_now.setIconText(self.tr("Sync now"))
        self.action_start_visit.setToolTip(self.tr("Start a visit at the customer shown"))
        self.action_sync_now.setToolTip(self.tr("Send your changes and receive the server's (F9)"))
        self.start_visit_button.setText(self.tr("Start visit"))
        self.action_load_demo.setText(self.tr("Load &demo data…"))
        self.action_quit.setText(self.tr("&Quit"))
        self.action_find.setText(self.tr("&Find customer"))
        self.action_refresh.setText(self.tr("&Refresh"))
        self.action_toolbar.setText(self.tr("Show &toolbar"))
        self.action_about.setText(self.tr("&About FieldApp"))
        self.action_sync_now.setText(self.tr("Sync &now"))
        self.action_cancel_sync.setText(self.tr("&Stop sync"))
        self.action_conflicts.setText(self.tr("Review &conflicts…"))
        self.action_sign_in.setText(self.tr("Sign &in…"))
        self.action_sign_out.setText(self.tr("Sign &out…"))
        self.action_settings.setText(self.tr("Se&ttings…"))
        for action, text in zip(self.tab_actions, (self.tr("&Customers"), self.tr("Today's &plan"),
                                                   self.tr("V&isit"))):
            action.setText(text)
        self.tabs.setTabText(TAB_CUSTOMERS, self.tr("Customers"))
        self.tabs.setTabText(TAB_PLAN, self.tr("Today's plan"))
        if self.tabs.indexOf(self.lead) >= 0:
            self.tabs.setTabText(self.tabs.indexOf(self.lead), self.tr("Team"))
        self.lead.retranslate_ui()
        self.detail_tabs.setTabText(DETAIL_FILE, self.tr("Customer file"))
        self.detail_tabs.setTabText(DETAIL_HISTORY, self.tr("Visit history"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        self.demo_badge.setText(self.tr("DEMO DATA"))
        self.demo_badge.setToolTip(self.tr("This profile holds made-up demo data. Do not enter real customers here."))
        self.settings_warning.setText(self.tr("Settings problem"))
        self.settings_warning.setToolTip(self.tr("A settings file could not be used; click for details."))
        self._update_visit_marks()
        self._show_status()


def _dot_icon(colour: str | None):
    from PySide6.QtGui import QIcon, QPixmap

    if colour is None:
        empty = QPixmap(10, 10)
        empty.fill(Qt.GlobalColor.transparent)
        return QIcon(empty)
    return QIcon(dot_pixmap(colour))
