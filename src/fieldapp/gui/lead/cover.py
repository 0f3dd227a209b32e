"""AB cover (AB角): the team's leave periods, recording one, cancelling one.

Refusals (:class:`~fieldapp.store.cover.CoverError`, e.g. A and B away at the
same time) are shown inside the dialog, which stays open so the lead can fix
the dates. UI thread only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.store.cover import CoverError, CoverPeriod

from .. import operations as base_ops
from ..visit.widgets import GREEN, GREY, RED, message_text
from . import ops


def confirm(parent: QWidget | None, text: str) -> bool:
    """Ask before an action that cannot be undone. Tests patch this."""
    answer = QMessageBox.question(parent, "FieldApp", text)
    return answer == QMessageBox.StandardButton.Yes


class CoverModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[CoverPeriod] = []
        self.name_of: Callable[[str | None], str] = lambda uid: uid or ""
        self.today: date = date.today()

    def set_rows(self, rows: list[CoverPeriod]) -> None:
        self.beginResetModel()
        self.rows = sorted(rows, key=lambda p: (p.cancelled, p.start_date), reverse=False)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("On leave"), self.tr("Backup"), self.tr("From"), self.tr("To"), self.tr("Reason"),
                self.tr("State"))[section]

    def state(self, p: CoverPeriod) -> str:
        if p.cancelled:
            return self.tr("Cancelled")
        if p.end_date < self.today:
            return self.tr("Ended")
        if p.start_date <= self.today:
            return self.tr("Running")
        return self.tr("Planned") + ("" if p.synced else self.tr(" (waiting to sync)"))

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (self.name_of(p.manager_id), self.name_of(p.backup_id), p.start_date.isoformat(),
                    p.end_date.isoformat(), p.reason, self.state(p))[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if p.cancelled:
                return QBrush(QColor(GREY))
            if index.column() == 5 and p.covers(self.today):
                return QBrush(QColor(GREEN))
        return None


class CoverDialog(QDialog):
    """Record a leave period. Runs the op itself; a refusal is shown here and the dialog stays open."""

    sig_recorded = Signal(object)  # CoverPeriod
    sig_refused = Signal(str)

    def __init__(self, parent: QWidget | None, team: ops.TeamInfo, today: date):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record leave (AB cover)"))
        self.manager_combo = QComboBox(self)
        self.backup_combo = QComboBox(self)
        for member in team.managers:
            self.manager_combo.addItem(member.name, member.id)
            self.backup_combo.addItem(member.name, member.id)
        self.manager_combo.currentIndexChanged.connect(self._suggest_backup)
        self._team = team
        self.from_edit = QDateEdit(QDate(today), self)
        self.to_edit = QDateEdit(QDate(today + timedelta(days=2)), self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.reason_edit = QLineEdit(self)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("coverError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED}; background: #ffebe9; border: 1px solid #ff8182; "
                                       "border-radius: 4px; padding: 6px;")
        self.error_label.hide()
        form = QFormLayout()
        form.addRow(self.tr("On leave"), self.manager_combo)
        form.addRow(self.tr("Backup"), self.backup_combo)
        form.addRow(self.tr("From"), self.from_edit)
        form.addRow(self.tr("To"), self.to_edit)
        form.addRow(self.tr("Reason"), self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._suggest_backup()
        self.resize(420, 0)

    def _suggest_backup(self, *_args: object) -> None:
        manager = self.manager_combo.currentData()
        member = next((m for m in self._team.members if m.id == manager), None)
        if member is not None and member.backup_id:
            index = self.backup_combo.findData(member.backup_id)
            if index >= 0:
                self.backup_combo.setCurrentIndex(index)
                return
        if self.backup_combo.currentData() == manager and self.backup_combo.count() > 1:
            self.backup_combo.setCurrentIndex((self.manager_combo.currentIndex() + 1) % self.backup_combo.count())

    def save(self) -> None:
        self.error_label.hide()
        self.buttons.setEnabled(False)
        ops.record_cover_period(parent=self, manager_id=self.manager_combo.currentData() or "",
                                backup_id=self.backup_combo.currentData() or "",
                                start=self.from_edit.date().toPython(), end=self.to_edit.date().toPython(),
                                reason=self.reason_edit.text()) \
            .success(self._saved).failure(self._refused).run_in_background(initiator=self)

    def _saved(self, period: CoverPeriod) -> None:
        self.buttons.setEnabled(True)
        self.sig_recorded.emit(period)
        self.accept()

    def _refused(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, CoverError):
            text = "\n".join(message_text(m) for m in error.messages)
        else:
            text = str(error)
        self.error_label.setText(text)
        self.error_label.show()
        self.sig_refused.emit(text)


class CoverView(QWidget):
    """The cover periods, with "Record leave…" and "Cancel period"."""

    sig_loaded = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self._today = today or date.today
        self.team: ops.TeamInfo = ops.TeamInfo(None, ())
        self.dialog: CoverDialog | None = None
        self._started = False
        self.model = CoverModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("coverTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("newCoverButton")
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelCoverButton")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {GREY};")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.new_button.clicked.connect(self.new_cover)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()
        self._update_buttons()

    def retranslate_ui(self) -> None:
        self.new_button.setText(self.tr("Record leave…"))
        self.cancel_button.setText(self.tr("Cancel period"))
        self.hint.setText(self.tr("While a manager is on leave, the backup's laptop receives their customers on the "
                                  "next sync and visits are credited on their behalf. A and B cannot be away at the "
                                  "same time."))

    def set_team(self, team: ops.TeamInfo) -> None:
        self.team = team
        self.model.name_of = team.name
        self.model.set_rows(self.model.rows)

    def start(self) -> None:
        self._started = True
        self.refresh()

    def refresh(self) -> None:
        if self._started:
            ops.load_cover_periods(parent=self, success=self._on_rows).run_in_background()

    def _on_rows(self, rows: list[CoverPeriod]) -> None:
        self.model.today = self._today()
        self.model.set_rows(rows)
        self._update_buttons()
        self.sig_loaded.emit(len(rows))

    def _on_operation(self, changes: object, _initiator: object) -> None:
        if ops.touches(changes, "covers"):
            self.refresh()

    def selected(self) -> CoverPeriod | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def _update_buttons(self, *_args: object) -> None:
        period = self.selected()
        self.cancel_button.setEnabled(period is not None and not period.cancelled)
        self.new_button.setEnabled(len(self.team.managers) >= 2)

    def new_cover(self) -> CoverDialog:
        """Open the leave dialog (window-modal, not blocking); returns it."""
        self.dialog = CoverDialog(self, self.team, self._today())
        self.dialog.open()
        return self.dialog

    def cancel_selected(self) -> None:
        period = self.selected()
        if period is None or period.cancelled:
            return
        text = self.tr("Cancel the leave of {a} ({start} – {end})? {b} will no longer cover.").format(
            a=self.team.name(period.manager_id), b=self.team.name(period.backup_id),
            start=period.start_date.isoformat(), end=period.end_date.isoformat())
        if confirm(self, text):
            ops.cancel_cover_period(parent=self, cover_id=period.id).run_in_background(initiator=self)
