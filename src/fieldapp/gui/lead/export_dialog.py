"""Export the team's ledgers (导出): which ledger, which period, XLSX or CSV, where.

The file is written off-thread (:func:`fieldapp.gui.lead.ops.export_ledger`);
headers are Chinese when the UI is Chinese. UI thread only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.periods import PeriodKind, period_containing

from ..i18n import current_language
from ..visit.widgets import GREEN, RED, enum_text, message_text
from . import ops


def choose_path(parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str:
    """Ask where to save; "" when cancelled. Tests patch this."""
    path, _selected = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    return path


class ExportDialog(QDialog):
    """Choose and write a ledger; ``sig_exported(rows, path)`` after the file is written."""

    sig_exported = Signal(int, str)
    sig_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None,
                 manager_ids: list[str] | None = None):
        super().__init__(parent)
        self._today = today or date.today
        self._manager_ids = manager_ids
        self.setWindowTitle(self.tr("Export ledgers"))
        self.ledger_combo = QComboBox(self)
        for kind, text in (("visit_list", self.tr("Visit list")),
                           ("service_ledger", self.tr("Personalized service ledger")),
                           ("market_ledger", self.tr("Real-time market ledger"))):
            self.ledger_combo.addItem(text, kind)
        self.kind_combo = QComboBox(self)
        for kind in PeriodKind:
            self.kind_combo.addItem(enum_text(kind), kind)
        self.day_edit = QDateEdit(QDate(self._today()), self)
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.period_label = QLabel(self)
        self.format_combo = QComboBox(self)
        self.format_combo.addItem("Excel (XLSX)", "xlsx")
        self.format_combo.addItem("CSV", "csv")
        self.path_edit = QLineEdit(self)
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Ledger"), self.ledger_combo)
        form.addRow(self.tr("Period"), self.kind_combo)
        form.addRow(self.tr("Containing the day"), self.day_edit)
        form.addRow("", self.period_label)
        form.addRow(self.tr("Format"), self.format_combo)
        form.addRow(self.tr("File"), path_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setObjectName("exportButton")
        self.buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.export)
        self.browse_button.clicked.connect(self.browse)
        for combo in (self.kind_combo, self.format_combo, self.ledger_combo):
            combo.currentIndexChanged.connect(self._update)
        self.day_edit.dateChanged.connect(self._update)
        self.path_edit.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.resize(520, 0)
        self._update()

    def period(self):
        return period_containing(self.kind_combo.currentData(), self.day_edit.date().toPython())

    def _update(self, *_args: object) -> None:
        self.period_label.setText(message_text(self.period().label()))
        self.export_button.setEnabled(bool(self.path_edit.text().strip()))
        path = self.path_edit.text().strip()
        if path:
            wanted = "." + self.format_combo.currentData()
            p = Path(path)
            if p.suffix.lower() in (".xlsx", ".csv") and p.suffix.lower() != wanted:
                self.path_edit.blockSignals(True)
                self.path_edit.setText(str(p.with_suffix(wanted)))
                self.path_edit.blockSignals(False)

    def browse(self) -> None:
        fmt = self.format_combo.currentData()
        suggested = f"{self.ledger_combo.currentText()}-{self.period().key}.{fmt}"
        file_filter = "Excel (*.xlsx)" if fmt == "xlsx" else "CSV (*.csv)"
        path = choose_path(self, self.tr("Export to"), suggested, file_filter)
        if path:
            self.path_edit.setText(path)

    def export(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            return
        self.export_button.setEnabled(False)
        self.result_label.setStyleSheet("")
        self.result_label.setText(self.tr("Exporting…"))
        lang = "zh_CN" if current_language() == "zh_CN" else "en"
        ops.export_ledger(parent=self, kind=self.ledger_combo.currentData(), period=self.period(), path=path,
                          fmt=self.format_combo.currentData(), lang=lang, manager_ids=self._manager_ids,
                          success=lambda rows: self._done(rows, path)).failure(self._failed).run_in_background()

    def _done(self, rows: int, path: str) -> None:
        self.export_button.setEnabled(True)
        self.result_label.setStyleSheet(f"color: {GREEN};")
        self.result_label.setText(self.tr("Rows written: {rows}. File: {path}").format(rows=rows, path=path))
        self.sig_exported.emit(rows, path)

    def _failed(self, error: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.result_label.setStyleSheet(f"color: {RED};")
        text = self.tr("The export failed: {error}").format(error=error)
        self.result_label.setText(text)
        self.sig_failed.emit(text)
