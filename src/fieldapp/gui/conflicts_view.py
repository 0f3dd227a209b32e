"""The conflicts view: what a sync could not settle by itself, with both values side by side.

A conflict (someone changed the same field on the server) keeps both values;
the user keeps theirs, takes the server's, or edits a value of their own. A
refused change (the server would not take it) can only be dismissed — the
values stay in the record until then. Nothing typed is lost either way.

The list is read from the local store (``sync_conflicts``) on the DB worker.
Settling goes through the server (:func:`fieldapp.sync.conflicts.resolve`), so
it runs on the sync thread as an operation of the
:class:`~fieldapp.gui.sync_worker.SyncController`; when it lands, the hub
announces what changed and every view (this one included) refreshes.

UI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from fieldapp.core.entities import BusinessFormat, CustomerStatus, IntegrityRating, MarketType, OrderDay
from fieldapp.store import customers as store_customers
from fieldapp.store import sync_state as ss
from fieldapp.store.sync_state import LocalConflict

from . import operations as ops
from .i18n import enum_label, field_label, list_separator
from .sync_status import local_time, render
from .sync_worker import SyncOpChanges

translate = QCoreApplication.translate

KEEP_MINE = "mine"
KEEP_SERVER = "server"
CUSTOM = "custom"

_ENUMS = {"status": CustomerStatus, "market_type": MarketType, "business_format": BusinessFormat,
          "order_day": OrderDay, "integrity_rating": IntegrityRating}
_LONG_TEXT = {"notes", "needs", "concerns", "complaints", "market_info", "abnormalities", "advice", "free_text",
              "address", "note", "description"}

STYLE = """
QLabel#conflictTitle { font-size: 13pt; font-weight: 600; }
QLabel#conflictReason { color: #57606a; }
QLabel#conflictEmpty { color: #6e7781; font-size: 11pt; }
QLabel#conflictError { background: #ffebe9; border: 1px solid #ff8182; border-radius: 5px; padding: 6px 8px; }
QPushButton#keepMine { font-weight: 600; }
"""


@dataclass(frozen=True)
class ConflictRow:
    """One open record and what to call it (the store name for a customer)."""

    conflict: LocalConflict
    label: str  # e.g. "万家福便利店 (CSX001440)"; empty when unknown


def load_conflicts(*, parent: Any, success) -> ops.QueryOp[list[ConflictRow]]:
    """Open conflicts and refused changes, oldest first, with the customers' names."""

    def op(engine: Engine) -> list[ConflictRow]:
        with engine.connect() as conn:
            conflicts = ss.open_conflicts(conn)
            ids = [c.row_id for c in conflicts if c.entity == "customer"]
            names = store_customers.fetch_customer_rows(conn, ids) if ids else {}
        rows = []
        for conflict in conflicts:
            info = names.get(conflict.row_id) if conflict.entity == "customer" else None
            label = f"{info.get('store_name', '')} ({info.get('code', '')})" if info else ""
            rows.append(ConflictRow(conflict, label))
        return rows

    return ops.QueryOp(parent=parent, op=op, success=success)


# --- presentation helpers ------------------------------------------------------------------------


def entity_label(entity: str) -> str:
    labels = {
        "customer": translate("ConflictsView", "Customer file"), "visit": translate("ConflictsView", "Visit"),
        "checklist_answer": translate("ConflictsView", "Checklist answer"),
        "visit_note": translate("ConflictsView", "Visit notes"),
        "follow_up": translate("ConflictsView", "Follow-up"), "attachment": translate("ConflictsView", "Photo"),
        "purchase": translate("ConflictsView", "Purchase"),
        "checklist_template": translate("ConflictsView", "Checklist template"),
    }
    return labels.get(entity, entity)


def titled(kind: str, name: str) -> str:
    """"Customer file: 万家福便利店 (CSX001440)" — the colon as the language writes it."""
    return translate("ConflictsView", "{kind}: {name}").format(kind=kind, name=name)


def name_of_field(entity: str, name: str) -> str:
    if name == "deleted":
        return translate("ConflictsView", "Deleted")
    return field_label(name) if entity == "customer" else name.replace("_", " ")


def show_value(name: str, value: Any) -> str:
    """A stored (wire) value as the user knows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate("ConflictsView", "Yes") if value else translate("ConflictsView", "No")
    if isinstance(value, list):
        return list_separator().join(str(v) for v in value) or "—"
    enum = _ENUMS.get(name)
    if enum is not None:
        try:
            return enum_label(enum(value))
        except ValueError:
            pass
    return str(value)


def parse_like(text: str, sample: Any) -> Any:
    """Typed text back into the type of ``sample`` (the local or server value)."""
    text = text.strip()
    if isinstance(sample, bool):
        return text.lower() in ("1", "true", "yes", "是")
    if isinstance(sample, int) and not isinstance(sample, bool):
        try:
            return int(text)
        except ValueError:
            return text or None
    if isinstance(sample, float):
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text or None
    if isinstance(sample, list):
        parts = [p.strip() for p in text.replace("、", ",").replace("，", ",").split(",")]
        return [p for p in parts if p]
    return text or None


def reason_text(conflict: LocalConflict) -> str:
    """Why the record is open, from the server's reason (``code: English detail``)."""
    reason = conflict.reason or ""
    code, _, rest = reason.partition(":")
    if conflict.kind == "conflict":
        if code == "deleted_on_server":
            return translate("ConflictsView", "Deleted on the server while you changed it here. Keep yours to "
                                              "restore it with your changes.")
        if code == "changed_on_server":
            return translate("ConflictsView", "You deleted it, but someone changed it on the server meanwhile. "
                                              "Keep yours to delete it after all.")
        listed = rest.replace("changed on both sides", "").strip(" :")
        names = [name_of_field(conflict.entity, n.strip()) for n in listed.split(",") if n.strip()]
        if names:
            return translate("ConflictsView", "Changed here and on the server: {fields}.").format(
                fields=list_separator().join(names))
        return translate("ConflictsView", "Changed here and on the server.")
    return translate("ConflictsView", "The server refused this change: {reason}").format(
        reason=rest.strip() or reason or "—")


# --- models ----------------------------------------------------------------------------------------


class ConflictListModel(QAbstractTableModel):
    COLUMNS = ("what", "problem", "when")

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.rows: list[ConflictRow] = []

    def set_rows(self, rows: list[ConflictRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Record"), self.tr("Problem"), self.tr("Found"))[section]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        conflict = row.conflict
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "what":
                kind = entity_label(conflict.entity)
                return titled(kind, row.label or conflict.row_id[:8])
            if column == "problem":
                return self.tr("Conflict") if conflict.kind == "conflict" else self.tr("Refused")
            return local_time(conflict.created_at)
        if role == Qt.ItemDataRole.ForegroundRole and column == "problem":
            return QBrush(QColor("#cf222e" if conflict.kind == "conflict" else "#9a6700"))
        return None


class FieldsModel(QAbstractTableModel):
    """Field | mine | the server's — one row per field the change touched."""

    COLUMNS = ("field", "mine", "server")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.conflict: LocalConflict | None = None
        self.names: list[str] = []

    def set_conflict(self, conflict: LocalConflict | None) -> None:
        self.beginResetModel()
        self.conflict = conflict
        self.names = sorted(conflict.fields) if conflict else []
        self.endResetModel()

    def differs(self, name: str) -> bool:
        values = self.conflict.fields.get(name, {}) if self.conflict else {}
        return values.get("local") != values.get("server")

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.names)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Field"), self.tr("Mine (this laptop)"), self.tr("Theirs (server)"))[section]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if self.conflict is None or not index.isValid():
            return None
        name = self.names[index.row()]
        values = self.conflict.fields.get(name, {})
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == "field":
                return name_of_field(self.conflict.entity, name)
            return show_value(name, values.get("local" if column == "mine" else "server"))
        if role == Qt.ItemDataRole.FontRole and column == "field" and self.differs(name):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and self.differs(name) and column != "field":
            return QBrush(QColor("#ddf4ff" if column == "mine" else "#fff8c5"))
        return None


# --- edit dialog -----------------------------------------------------------------------------------


class EditValuesDialog(QDialog):
    """Type the value to keep for each field (prefilled with mine). Open with :meth:`open`."""

    def __init__(self, conflict: LocalConflict, parent: QWidget | None = None):
        super().__init__(parent)
        self.conflict = conflict
        self.setWindowTitle(self.tr("Edit the value to keep"))
        self.setMinimumWidth(520)
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        for name in sorted(conflict.fields):
            if name == "deleted":
                continue
            values = conflict.fields[name]
            mine = values.get("local")
            if isinstance(mine, bool) or isinstance(values.get("server"), bool):
                editor: QWidget = QCheckBox(self)
                editor.setChecked(bool(mine))
            elif name in _LONG_TEXT:
                editor = QPlainTextEdit(self)
                editor.setPlainText("" if mine is None else str(mine))
                editor.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
            else:
                editor = QLineEdit(self)
                editor.setText("" if mine is None else (list_separator().join(map(str, mine))
                                                        if isinstance(mine, list) else str(mine)))
            theirs = QLabel(self.tr("Server: {value}").format(value=show_value(name, values.get("server"))), self)
            theirs.setStyleSheet("color: #57606a;")
            theirs.setWordWrap(True)
            cell = QWidget(self)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(editor)
            cell_layout.addWidget(theirs)
            form.addRow(name_of_field(conflict.entity, name), cell)
            self.editors[name] = editor
        body = QWidget(self)
        body.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("These values are saved on the server for everyone."), self))
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            sample = self.conflict.fields[name].get("local")
            if sample is None:
                sample = self.conflict.fields[name].get("server")
            if isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QPlainTextEdit):
                out[name] = editor.toPlainText() or None
            else:
                out[name] = parse_like(editor.text(), sample)
        return out


# --- the view -------------------------------------------------------------------------------------


class ConflictsView(QWidget):
    """The list of open records and, for the selected one, both values and the choices."""

    #: list[ConflictRow] — a (re)load finished
    sig_loaded = Signal(list)
    #: (conflict id, choice) — a resolution (or dismissal) landed
    sig_resolved = Signal(str, str)
    #: the message shown — a resolution failed
    sig_failed = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("conflictsView")
        self.setStyleSheet(STYLE)
        self._job: ops.Job | None = None
        self._busy = False

        self.model = ConflictListModel(self)
        self.list_view = QTableView(self)
        self.list_view.setModel(self.model)
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.verticalHeader().setVisible(False)
        self.list_view.setShowGrid(False)
        self.list_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())

        self.title = QLabel(self)
        self.title.setObjectName("conflictTitle")
        self.title.setWordWrap(True)
        self.reason = QLabel(self)
        self.reason.setObjectName("conflictReason")
        self.reason.setWordWrap(True)
        self.fields_model = FieldsModel(self)
        self.fields_view = QTableView(self)
        self.fields_view.setModel(self.fields_model)
        self.fields_view.verticalHeader().setVisible(False)
        self.fields_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.fields_view.setWordWrap(True)
        header = self.fields_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("conflictError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.keep_mine_button = QPushButton(self)
        self.keep_mine_button.setObjectName("keepMine")
        self.keep_theirs_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.dismiss_button = QPushButton(self)
        self.keep_mine_button.clicked.connect(lambda: self.resolve(KEEP_MINE))
        self.keep_theirs_button.clicked.connect(lambda: self.resolve(KEEP_SERVER))
        self.edit_button.clicked.connect(self.edit_values)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("conflictEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.title)
        detail_layout.addWidget(self.reason)
        detail_layout.addWidget(self.fields_view, 1)
        detail_layout.addWidget(self.error_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.keep_theirs_button)
        buttons.addWidget(self.keep_mine_button)
        detail_layout.addLayout(buttons)
        self.detail = detail

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.list_view)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.empty_label, 1)

        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()
        self._show_selected()

    # --- public ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self._job = load_conflicts(parent=self, success=self._on_loaded).run_in_background()

    def current(self) -> ConflictRow | None:
        index = self.list_view.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def select_row(self, row: int) -> None:
        self.list_view.selectRow(row)

    def resolve(self, choice: str, values: dict[str, Any] | None = None) -> None:
        """Settle the selected conflict: keep mine, keep the server's, or ``values`` (custom)."""
        row = self.current()
        if row is None or self._busy or row.conflict.kind != "conflict":
            return
        self._start(row)
        entity, row_id = row.conflict.entity, row.conflict.row_id
        self.controller.resolve_conflict(
            row.conflict.id, choice, values, initiator=self,
            changes=lambda _r: _changes_for(entity, row_id),
            on_success=lambda _r, cid=row.conflict.id: self._on_done(cid, choice),
            on_failure=self._on_failed)

    def dismiss(self) -> None:
        """Close the selected refused change (its values stay in the record's history)."""
        row = self.current()
        if row is None or self._busy:
            return
        self._start(row)
        self.controller.dismiss_conflict(
            row.conflict.id, initiator=self, on_success=lambda _r, cid=row.conflict.id: self._on_done(cid, "dismiss"),
            on_failure=self._on_failed)

    def edit_values(self) -> None:
        row = self.current()
        if row is None or self._busy:
            return
        dialog = EditValuesDialog(row.conflict, self)
        dialog.accepted.connect(lambda: self.resolve(CUSTOM, dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.edit_dialog = dialog

    # --- internals ------------------------------------------------------------------------------

    def _start(self, row: ConflictRow) -> None:
        self._busy = True
        self.error_label.hide()
        self._update_buttons()

    def _on_done(self, conflict_id: str, choice: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self.sig_resolved.emit(conflict_id, choice)
        self.refresh()

    def _on_failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        message = getattr(error, "message", None)
        text = render(message) if message is not None else str(error)
        self.error_label.setText(self.tr("Not settled: {error}").format(error=text))
        self.error_label.show()
        self._update_buttons()
        self.sig_failed.emit(text)

    def _on_loaded(self, rows: list[ConflictRow]) -> None:
        self._job = None
        current = self.current()
        keep = current.conflict.id if current else None
        self.model.set_rows(rows)
        has = bool(rows)
        self.splitter.setVisible(has)
        self.empty_label.setVisible(not has)
        position = next((i for i, r in enumerate(rows) if r.conflict.id == keep), 0)
        if has:
            self.list_view.selectRow(position)
        self._show_selected()
        self.sig_loaded.emit(rows)

    def _show_selected(self) -> None:
        row = self.current()
        self.fields_model.set_conflict(row.conflict if row else None)
        self.fields_view.resizeRowsToContents()
        if row is None:
            self.title.setText("")
            self.reason.setText("")
        else:
            kind = entity_label(row.conflict.entity)
            self.title.setText(titled(kind, row.label) if row.label else kind)
            self.reason.setText(reason_text(row.conflict))
        self.error_label.hide()
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.current()
        is_conflict = row is not None and row.conflict.kind == "conflict"
        for button in (self.keep_mine_button, self.keep_theirs_button, self.edit_button):
            button.setVisible(row is None or is_conflict)
            button.setEnabled(is_conflict and not self._busy)
        self.edit_button.setEnabled(is_conflict and not self._busy and row is not None
                                    and any(n != "deleted" for n in row.conflict.fields))
        self.dismiss_button.setVisible(row is not None and not is_conflict)
        self.dismiss_button.setEnabled(row is not None and not self._busy)

    def _on_operation(self, changes: ops.OpChanges, initiator: object) -> None:
        if initiator is self:
            return  # _on_done reloads
        if getattr(changes, "sync", False) or changes.journal:
            self.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.keep_mine_button.setText(self.tr("Keep mine"))
        self.keep_theirs_button.setText(self.tr("Keep theirs"))
        self.edit_button.setText(self.tr("Edit…"))
        self.dismiss_button.setText(self.tr("Dismiss"))
        self.keep_mine_button.setToolTip(self.tr("Send my values to the server; they replace the other ones."))
        self.keep_theirs_button.setToolTip(self.tr("Take the server's values; mine are dropped."))
        self.edit_button.setToolTip(self.tr("Type the values to keep, e.g. a mix of both."))
        self.dismiss_button.setToolTip(self.tr("The server will not take this change as it is. Close it here."))
        self.empty_label.setText(self.tr("Nothing to review: every change was settled."))
        self._show_selected()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)
        self.fields_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)


def _changes_for(entity: str, row_id: str) -> SyncOpChanges:
    if entity == "customer":
        return SyncOpChanges(customers=True, customer_ids=frozenset({row_id}), journal=True, sync=True)
    if entity == "follow_up":
        return SyncOpChanges(follow_ups=True, journal=True, sync=True)
    return SyncOpChanges(journal=True, sync=True)


class ConflictsDialog(QDialog):
    """The conflicts view in its own (non-modal) window."""

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.view = ConflictsView(controller, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(980, 560)
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Sync conflicts"))
