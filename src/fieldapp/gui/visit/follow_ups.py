"""Follow-ups (待办 / 跟进) during a visit: proposed ones to confirm, the customer's list, an inline editor.

The panel reports what the manager did through signals; the visit screen runs
the operations and hands back the stored follow-ups with :meth:`FollowUpPanel.set_follow_ups`.

UI thread only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QDate, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import FollowUp, FollowUpStatus
from fieldapp.store.visits import FOLLOW_UP_TITLE_MAX

from .widgets import AMBER, GREEN, GREY, RED, enum_text, fmt_date

FU_COLUMNS = ("title", "due", "status", "owner", "origin")


def qdate(value: date | None) -> QDate:
    return QDate(value.year, value.month, value.day) if value else QDate.currentDate()


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FollowUpModel(QAbstractTableModel):
    """The customer's open follow-ups and those created in this visit."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[FollowUp] = []
        self.visit_id: str | None = None
        self.today = date.today()

    def set_items(self, items: list[FollowUp], visit_id: str | None, today: date) -> None:
        self.beginResetModel()
        status_order = {FollowUpStatus.OPEN: 0, FollowUpStatus.DONE: 1, FollowUpStatus.CANCELLED: 2}
        self.items = sorted(items, key=lambda f: (status_order[f.status], f.due_date is None,
                                                  f.due_date or date.max, f.title))
        self.visit_id = visit_id
        self.today = today
        self.endResetModel()

    def follow_up(self, row: int) -> FollowUp | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(FU_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {"title": self.tr("Follow-up"), "due": self.tr("Due"), "status": self.tr("Status"),
                "owner": self.tr("Owner"), "origin": self.tr("From")}[FU_COLUMNS[section]]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        item = self.follow_up(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = FU_COLUMNS[index.column()]
        overdue = item.status is FollowUpStatus.OPEN and item.due_date is not None and item.due_date < self.today
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "title":
                return item.title
            if column == "due":
                return fmt_date(item.due_date) if item.due_date else self.tr("no due date")
            if column == "status":
                return self.tr("Overdue") if overdue else enum_text(item.status)
            if column == "owner":
                return item.owner_id or "—"
            if column == "origin":
                return self.tr("This visit") if item.visit_id and item.visit_id == self.visit_id \
                    else self.tr("Earlier")
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "status":
                if overdue:
                    return QColor(RED)
                return QColor({FollowUpStatus.OPEN: AMBER, FollowUpStatus.DONE: GREEN}.get(item.status, GREY))
            if item.status is not FollowUpStatus.OPEN:
                return QColor(GREY)
            if column == "due" and overdue:
                return QColor(RED)
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        return None


class ProposalRow(QFrame):
    """A follow-up proposed from a failed item: editable title and due date, Confirm / Dismiss."""

    sig_confirm = Signal(object)  # FollowUp
    sig_dismiss = Signal(str)  # source item key

    def __init__(self, proposal: FollowUp, parent: QWidget | None = None):
        super().__init__(parent)
        self.proposal = proposal
        self.edited = False
        self.setObjectName("card")
        self.title_edit = QLineEdit(proposal.title, self)
        self.title_edit.setMaxLength(FOLLOW_UP_TITLE_MAX)
        self.title_edit.textEdited.connect(self._on_edit)
        self.due_edit = QDateEdit(qdate(proposal.due_date), self)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("primary")
        self.confirm_button.clicked.connect(self.confirm)
        self.dismiss_button = QPushButton(self)
        self.dismiss_button.setObjectName("secondary")
        self.dismiss_button.clicked.connect(lambda: self.sig_dismiss.emit(self.proposal.source_item_key or ""))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title_edit, 1)
        layout.addWidget(self.due_edit)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.dismiss_button)
        self.retranslate_ui()

    def _on_edit(self, _text: str) -> None:
        self.edited = True

    def update_proposal(self, proposal: FollowUp) -> None:
        """A newer proposal for the same item (its note changed); the user's own title wins."""
        self.proposal = replace(proposal, title=self.title_edit.text() if self.edited else proposal.title)
        if not self.edited:
            self.title_edit.setText(proposal.title)

    def confirm(self) -> None:
        self.confirm_button.setEnabled(False)
        self.sig_confirm.emit(replace(self.proposal, title=self.title_edit.text().strip(),
                                      due_date=pydate(self.due_edit.date())))

    def retranslate_ui(self) -> None:
        self.confirm_button.setText(self.tr("Confirm"))
        self.dismiss_button.setText(self.tr("Dismiss"))
        self.title_edit.setToolTip(self.tr("What has to be done"))


class FollowUpPanel(QWidget):
    """Proposed follow-ups, the follow-up table, and an inline editor for a new or an existing one."""

    sig_confirm = Signal(object)  # FollowUp (a proposal)
    sig_dismiss = Signal(str)  # source item key
    sig_add = Signal(str, object, str)  # title, due date | None, owner
    sig_update = Signal(object)  # FollowUp with changed fields
    sig_set_status = Signal(object, object)  # FollowUp, FollowUpStatus

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._editing: FollowUp | None = None
        self.default_owner: str | None = None
        self.today = date.today()
        self.proposals: dict[str, ProposalRow] = {}

        self.proposed_title = QLabel(self)
        self.proposed_title.setObjectName("sectionTitle")
        self.proposed_hint = QLabel(self)
        self.proposed_hint.setObjectName("muted")
        self.proposed_hint.setWordWrap(True)
        self.proposed_box = QVBoxLayout()
        self.proposed_box.setSpacing(4)
        self.proposed_frame = QWidget(self)
        proposed_layout = QVBoxLayout(self.proposed_frame)
        proposed_layout.setContentsMargins(0, 0, 0, 0)
        proposed_layout.addWidget(self.proposed_title)
        proposed_layout.addWidget(self.proposed_hint)
        proposed_layout.addLayout(self.proposed_box)
        self.proposed_frame.hide()

        self.list_title = QLabel(self)
        self.list_title.setObjectName("sectionTitle")
        self.model = FollowUpModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(FU_COLUMNS)):
            self.view.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.new_button = QPushButton(self)
        self.new_button.setObjectName("secondary")
        self.new_button.clicked.connect(self.new_follow_up)
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("secondary")
        self.edit_button.clicked.connect(self.edit_selected)
        self.done_button = QPushButton(self)
        self.done_button.setObjectName("secondary")
        self.done_button.clicked.connect(lambda: self._set_status(FollowUpStatus.DONE))
        self.cancel_fu_button = QPushButton(self)
        self.cancel_fu_button.setObjectName("secondary")
        self.cancel_fu_button.clicked.connect(lambda: self._set_status(FollowUpStatus.CANCELLED))
        self.reopen_button = QPushButton(self)
        self.reopen_button.setObjectName("secondary")
        self.reopen_button.clicked.connect(lambda: self._set_status(FollowUpStatus.OPEN))

        # inline editor
        self.editor = QFrame(self)
        self.editor.setObjectName("card")
        self.editor_title = QLabel(self.editor)
        self.editor_title.setObjectName("sectionTitle")
        self.title_edit = QLineEdit(self.editor)
        self.title_edit.setMaxLength(FOLLOW_UP_TITLE_MAX)
        self.due_edit = QDateEdit(self.editor)
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.no_due_check = QCheckBox(self.editor)
        self.no_due_check.toggled.connect(lambda on: self.due_edit.setEnabled(not on))
        self.owner_edit = QLineEdit(self.editor)
        self.editor_error = QLabel(self.editor)
        self.editor_error.setObjectName("missingText")
        self.editor_error.setWordWrap(True)
        self.editor_error.hide()
        self.save_button = QPushButton(self.editor)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save_editor)
        self.close_editor_button = QPushButton(self.editor)
        self.close_editor_button.setObjectName("secondary")
        self.close_editor_button.clicked.connect(self.close_editor)
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_edit)
        due_row.addWidget(self.no_due_check)
        due_row.addStretch(1)
        self.form = QFormLayout()
        self.title_label = QLabel(self.editor)
        self.due_label = QLabel(self.editor)
        self.owner_label = QLabel(self.editor)
        self.form.addRow(self.title_label, self.title_edit)
        self.form.addRow(self.due_label, due_row)
        self.form.addRow(self.owner_label, self.owner_edit)
        editor_buttons = QHBoxLayout()
        editor_buttons.addWidget(self.editor_error, 1)
        editor_buttons.addWidget(self.close_editor_button)
        editor_buttons.addWidget(self.save_button)
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.addWidget(self.editor_title)
        editor_layout.addLayout(self.form)
        editor_layout.addLayout(editor_buttons)
        self.editor.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.cancel_fu_button)
        buttons.addWidget(self.done_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.proposed_frame)
        layout.addWidget(self.list_title)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.editor)
        self.retranslate_ui()
        self._update_buttons()

    # --- data ---------------------------------------------------------------------

    def set_follow_ups(self, items: list[FollowUp], visit_id: str | None, today: date) -> None:
        current = self._selected()
        self.today = today
        self.model.set_items(items, visit_id, today)
        if current is not None:
            row = next((k for k, f in enumerate(self.model.items) if f.id == current.id), None)
            if row is not None:
                self.view.selectRow(row)
        self._update_buttons()

    def set_proposals(self, proposals: list[FollowUp]) -> None:
        """Show ``proposals`` (one per failed item without an open follow-up), keeping the user's edits."""
        wanted = {p.source_item_key or p.id: p for p in proposals}
        for key in list(self.proposals):
            if key not in wanted:
                row = self.proposals.pop(key)
                self.proposed_box.removeWidget(row)
                row.deleteLater()
        for key, proposal in wanted.items():
            row = self.proposals.get(key)
            if row is None:
                row = ProposalRow(proposal, self.proposed_frame)
                row.sig_confirm.connect(self.sig_confirm)
                row.sig_dismiss.connect(self.sig_dismiss)
                self.proposals[key] = row
                self.proposed_box.addWidget(row)
            else:
                row.update_proposal(proposal)
        self.proposed_frame.setVisible(bool(self.proposals))

    def set_read_only(self, read_only: bool) -> None:
        """Nothing to freeze: follow-ups are still managed after check-out."""

    # --- editor -------------------------------------------------------------------

    def new_follow_up(self) -> None:
        self._editing = None
        self.editor_title.setText(self.tr("New follow-up"))
        self.title_edit.setText("")
        self.due_edit.setDate(qdate(self.today).addDays(7))
        self.no_due_check.setChecked(False)
        self.owner_edit.setText(self.default_owner or "")
        self.editor_error.hide()
        self.editor.show()
        self.title_edit.setFocus()

    def edit_selected(self) -> None:
        item = self._selected()
        if item is None:
            return
        self._editing = item
        self.editor_title.setText(self.tr("Edit follow-up"))
        self.title_edit.setText(item.title)
        self.due_edit.setDate(qdate(item.due_date or self.today))
        self.no_due_check.setChecked(item.due_date is None)
        self.owner_edit.setText(item.owner_id or "")
        self.editor_error.hide()
        self.editor.show()
        self.title_edit.setFocus()

    def save_editor(self) -> None:
        title = self.title_edit.text().strip()
        if not title:
            self.show_editor_error(self.tr("Say what has to be done."))
            return
        due = None if self.no_due_check.isChecked() else pydate(self.due_edit.date())
        owner = self.owner_edit.text().strip() or None
        if self._editing is None:
            self.sig_add.emit(title, due, owner or "")
        else:
            self.sig_update.emit(replace(self._editing, title=title, due_date=due, owner_id=owner))

    def show_editor_error(self, text: str) -> None:
        self.editor_error.setText(text)
        self.editor_error.show()

    def close_editor(self) -> None:
        self._editing = None
        self.editor.hide()

    # --- list actions -------------------------------------------------------------

    def _selected(self) -> FollowUp | None:
        index = self.view.currentIndex()
        return self.model.follow_up(index.row()) if index.isValid() else None

    def select(self, follow_up_id: str) -> None:
        row = next((k for k, f in enumerate(self.model.items) if f.id == follow_up_id), None)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def _set_status(self, status: FollowUpStatus) -> None:
        item = self._selected()
        if item is not None and item.status is not status:
            self.sig_set_status.emit(item, status)

    def _update_buttons(self) -> None:
        item = self._selected()
        is_open = item is not None and item.status is FollowUpStatus.OPEN
        self.edit_button.setEnabled(item is not None)
        self.done_button.setEnabled(is_open)
        self.cancel_fu_button.setEnabled(is_open)
        self.reopen_button.setVisible(item is not None and not is_open)

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.proposed_title.setText(self.tr("Proposed from failed items"))
        self.proposed_hint.setText(self.tr("Each failed checklist item suggests a follow-up. Adjust the text or "
                                           "due date and confirm it, or dismiss it."))
        self.list_title.setText(self.tr("Follow-ups of this customer"))
        self.new_button.setText(self.tr("New follow-up"))
        self.edit_button.setText(self.tr("Edit"))
        self.done_button.setText(self.tr("Mark done"))
        self.cancel_fu_button.setText(self.tr("Cancel follow-up"))
        self.reopen_button.setText(self.tr("Reopen"))
        self.title_label.setText(self.tr("What"))
        self.due_label.setText(self.tr("Due"))
        self.owner_label.setText(self.tr("Owner"))
        self.no_due_check.setText(self.tr("No due date"))
        self.owner_edit.setPlaceholderText(self.tr("Who does it (user id)"))
        self.title_edit.setPlaceholderText(self.tr("e.g. bring the new price tags"))
        self.save_button.setText(self.tr("Save follow-up"))
        self.close_editor_button.setText(self.tr("Cancel"))
        for row in self.proposals.values():
            row.retranslate_ui()
