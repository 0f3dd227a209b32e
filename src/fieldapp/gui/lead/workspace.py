"""The team lead's workspace (团队): review queue, assessment dashboard, AB cover, exports, conflicts.

Shown by the main window when the signed-in user is a lead or an admin
(:attr:`LeadWorkspace.sig_role_known`). Until then — or for a manager — it
shows a short explanation instead of empty tables. UI thread only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from .. import operations as base_ops
from ..visit.widgets import GREY
from . import ops
from .cover import CoverView
from .dashboard import DashboardView
from .export_dialog import ExportDialog
from .review import ReviewView

TAB_REVIEW, TAB_DASHBOARD, TAB_COVER = range(3)


class LeadWorkspace(QWidget):
    """Tabs 审核 / 考核 / AB角 and an export button; ``sig_role_known(is_lead)`` after each team lookup."""

    sig_role_known = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, profile: Any = None,
                 today: Callable[[], date] | None = None, now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self._today = today or date.today
        self.team: ops.TeamInfo = ops.TeamInfo(None, ())
        self.export_dialog: ExportDialog | None = None
        self._started = False
        self._views_started = False
        self.review = ReviewView(self, profile=profile, today=self._today, now=now)
        self.dashboard = DashboardView(self, today=self._today)
        self.cover = CoverView(self, today=self._today)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("leadTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.review, "")
        self.tabs.addTab(self.dashboard, "")
        self.tabs.addTab(self.cover, "")
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("exportLedgersButton")
        self.export_button.clicked.connect(self.show_export)
        corner = QWidget(self)
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 8, 0)
        corner_layout.addWidget(self.export_button)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.empty = QLabel(self)
        self.empty.setObjectName("leadEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(f"color: {GREY}; font-size: 14px;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.tabs.setTabText(TAB_REVIEW, self.tr("Review"))
        self.tabs.setTabText(TAB_DASHBOARD, self.tr("Assessment"))
        self.tabs.setTabText(TAB_COVER, self.tr("AB cover"))
        self.export_button.setText(self.tr("Export ledgers…"))
        self.empty.setText(self.tr("The team workspace is for team leads. Sign in with a lead account to review "
                                   "your team's visits, see the assessment and arrange AB cover."))
        self.review.retranslate_ui()
        self.dashboard.retranslate_ui()
        self.cover.retranslate_ui()

    @property
    def is_lead(self) -> bool:
        return self.team.is_lead

    def start(self) -> None:
        """Look up who is signed in (off-thread); the views start once a lead is known."""
        self._started = True
        self.refresh_team()

    def refresh_team(self, *_args: object) -> None:
        if self._started:
            ops.load_team(parent=self, success=self._on_team).run_in_background()

    def _on_team(self, team: ops.TeamInfo) -> None:
        self.team = team
        self.stack.setCurrentWidget(self.tabs if team.is_lead else self.empty)
        for view in (self.review, self.dashboard, self.cover):
            view.set_team(team)
        if team.is_lead and not self._views_started:
            self._views_started = True
            for view in (self.review, self.dashboard, self.cover):
                view.start()
        self.sig_role_known.emit(team.is_lead)

    def _on_operation(self, changes: object, _initiator: object) -> None:
        if getattr(changes, "profile", False) or getattr(changes, "sync", False):
            self.refresh_team()

    def show_export(self) -> ExportDialog:
        ids = [m.id for m in self.team.managers] or None
        self.export_dialog = ExportDialog(self, today=self._today, manager_ids=ids)
        self.export_dialog.open()
        return self.export_dialog
