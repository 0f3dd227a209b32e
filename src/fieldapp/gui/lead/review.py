"""The review queue (审核): the team's checked-out visits, a detail panel, approve / return / comment.

The queue model holds the rows of one query (filters: manager, status, check-in
dates), fetched off-thread; selecting a row loads the visit's detail (answers,
notes, photos, the review history, the actions the signed-in lead may take).
Decisions go through :func:`fieldapp.gui.lead.ops.record_review` and both the
queue and the panel refresh from ``operation_did_execute``.

UI thread only.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import AnswerResult
from fieldapp.core.review import ReviewAction, ReviewStatus
from fieldapp.store.reviews import ACCEPTED, PENDING, ReviewQueueRow
from fieldapp.store.visits import visit_duration

from .. import operations as base_ops
from ..visit.widgets import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    enum_text,
    fmt_datetime,
    fmt_duration,
    fmt_score,
    item_label,
    score_colour,
)
from . import ops

STATUS_COLOURS = {ReviewStatus.NEW: BLUE, ReviewStatus.APPROVED: GREEN, ReviewStatus.RETURNED: RED,
                  ReviewStatus.RESUBMITTED: AMBER}


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def ask_text(parent: QWidget | None, title: str, label: str, *, required: bool) -> str | None:
    """Ask for a text (a return reason, a comment); ``None`` when cancelled. Tests patch this."""
    dialog = TextDialog(parent, title, label, required=required)
    return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


class TextDialog(QDialog):
    """A short multi-line text; OK stays disabled while a required text is empty."""

    def __init__(self, parent: QWidget | None, title: str, label: str, *, required: bool):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.edit = QPlainTextEdit(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        caption = QLabel(label, self)
        caption.setWordWrap(True)
        layout.addWidget(caption)
        layout.addWidget(self.edit)
        layout.addWidget(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if required:
            ok.setEnabled(False)
            self.edit.textChanged.connect(lambda: ok.setEnabled(bool(self.text())))
        self.resize(420, 220)

    def text(self) -> str:
        return self.edit.toPlainText().strip()


class ReviewQueueModel(QAbstractTableModel):
    """Rows of :func:`fieldapp.store.reviews.review_queue`; set them with :meth:`set_rows`."""

    COLUMNS = ("check_in", "manager", "customer", "status", "score", "failed", "duration")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[ReviewQueueRow] = []

    def set_rows(self, rows: list[ReviewQueueRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Check-in"), self.tr("Manager"), self.tr("Customer"), self.tr("Status"), self.tr("Score"),
                self.tr("Failed items"), self.tr("Duration"))[section]

    def row_at(self, row: int) -> ReviewQueueRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.row_at(index.row()) if index.isValid() else None
        if r is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "check_in":
                return fmt_datetime(_dt(r.check_in_at))
            if column == "manager":
                name = r.manager_name or r.manager_id or ""
                return name
            if column == "customer":
                return r.store_name
            if column == "status":
                return enum_text(r.status)
            if column == "score":
                return fmt_score(r.score)
            if column == "failed":
                return str(r.failed_items)
            if column == "duration":
                start, end = _dt(r.check_in_at), _dt(r.check_out_at)
                return fmt_duration(end - start if start and end else None)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "status":
                return QBrush(QColor(STATUS_COLOURS.get(r.status, GREY)))
            if column == "score":
                return QBrush(QColor(score_colour(r.score)))
            if column == "failed" and r.failed_items:
                return QBrush(QColor(RED))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("score", "failed", "duration"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return r.visit_id
        return None


def _section(text: str) -> str:
    return f"<h3 style='margin:10px 0 4px 0; color:#1f2328'>{html.escape(text)}</h3>"


class VisitDetailPanel(QWidget):
    """The selected visit: facts, checklist (failures in red), notes, photos, review history, decisions."""

    sig_loaded = Signal(object)  # VisitDetail | None

    def __init__(self, parent: QWidget | None = None, *, profile: Any = None,
                 now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self.profile = profile
        self._now = now or (lambda: datetime.now().astimezone())
        self.detail: ops.VisitDetail | None = None
        self.visit_id: str | None = None
        self._job: base_ops.Job | None = None
        self.title = QLabel(self)
        self.title.setObjectName("reviewTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.status_badge = QLabel(self)
        self.body = QLabel(self)
        self.body.setObjectName("reviewBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.photos_row = QHBoxLayout()
        self.photos_row.setSpacing(6)
        self.photo_labels: list[QLabel] = []
        self.history = QLabel(self)
        self.history.setObjectName("reviewHistory")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.approve_button = QPushButton(self)
        self.approve_button.setObjectName("approveButton")
        self.approve_button.setStyleSheet("QPushButton { background:#1f883d; color:white; border-radius:5px; "
                                          "padding:5px 16px; font-weight:600; } "
                                          "QPushButton:disabled { background:#94d3a2; }")
        self.return_button = QPushButton(self)
        self.return_button.setObjectName("returnButton")
        self.comment_button = QPushButton(self)
        self.comment_button.setObjectName("commentButton")
        self.approve_button.clicked.connect(self.approve)
        self.return_button.clicked.connect(self.return_for_correction)
        self.comment_button.clicked.connect(self.comment)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(f"color: {GREY};")

        content = QWidget(self)
        inner = QVBoxLayout(content)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.status_badge)
        inner.addLayout(head)
        inner.addWidget(self.body)
        self.photos_caption = QLabel(content)
        inner.addWidget(self.photos_caption)
        inner.addLayout(self.photos_row)
        inner.addWidget(self.history)
        inner.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(content)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.comment_button)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()
        self.set_visit(None)

    def retranslate_ui(self) -> None:
        self.approve_button.setText(self.tr("Approve"))
        self.return_button.setText(self.tr("Return…"))
        self.comment_button.setText(self.tr("Comment…"))
        self.empty.setText(self.tr("Select a visit to review it."))
        self.photos_caption.setText(self.tr("Photos"))
        if self.detail is not None:
            self._show(self.detail)

    # --- loading ---------------------------------------------------------------------

    def set_visit(self, visit_id: str | None) -> None:
        self.visit_id = visit_id
        if self._job is not None:
            self._job.cancel()
            self._job = None
        if visit_id is None:
            self.detail = None
            self.empty.show()
            self.scroll.hide()
            self._enable(())
            return
        self._job = ops.load_visit_detail(parent=self, profile=self.profile, visit_id=visit_id,
                                          success=self._on_loaded).run_in_background()

    def reload(self) -> None:
        if self.visit_id is not None:
            self.set_visit(self.visit_id)

    def _on_loaded(self, detail: ops.VisitDetail | None) -> None:
        self._job = None
        self.detail = detail
        if detail is None:
            self.empty.show()
            self.scroll.hide()
            self._enable(())
        else:
            self._show(detail)
        self.sig_loaded.emit(detail)

    def _on_operation(self, changes: object, _initiator: object) -> None:
        if ops.touches(changes, "reviews") or ops.touches(changes, "visits"):
            self.reload()

    def _enable(self, actions) -> None:
        self.approve_button.setEnabled(ReviewAction.APPROVE in actions)
        self.return_button.setEnabled(ReviewAction.RETURN in actions)
        self.comment_button.setEnabled(ReviewAction.COMMENT in actions)

    # --- showing ---------------------------------------------------------------------

    def _show(self, d: ops.VisitDetail) -> None:
        self.empty.hide()
        self.scroll.show()
        v = d.visit
        self.title.setText(d.store_name or v.customer_id)
        colour = STATUS_COLOURS.get(d.status, GREY)
        self.status_badge.setText(enum_text(d.status))
        self.status_badge.setStyleSheet(f"color: white; background: {colour}; border-radius: 3px; "
                                        "padding: 2px 10px; font-weight: 600;")
        esc = html.escape
        manager = d.manager_name
        if d.on_behalf_name:
            manager = self.tr("{manager} (on behalf of {other})").format(manager=manager, other=d.on_behalf_name)
        position = (f"{v.latitude:.5f}, {v.longitude:.5f}" if v.latitude is not None and v.longitude is not None
                    else self.tr("not recorded"))
        facts = [
            (self.tr("Manager"), manager),
            (self.tr("Check-in"), fmt_datetime(v.check_in_at)),
            (self.tr("Check-out"), fmt_datetime(v.check_out_at)),
            (self.tr("Duration"), fmt_duration(visit_duration(v))),
            (self.tr("Position"), position),
            (self.tr("Score"), fmt_score(v.score)),
        ]
        parts = ["<table cellspacing='0' cellpadding='2'>"]
        for name, value in facts:
            style = f" style='color:{score_colour(v.score)}; font-weight:600'" if name == self.tr("Score") else ""
            parts.append(f"<tr><td style='color:#57606a; padding-right:12px'>{esc(name)}</td>"
                         f"<td{style}>{esc(value)}</td></tr>")
        parts.append("</table>")
        parts.append(_section(self.tr("Checklist")))
        if not d.items:
            none = self.tr("No checklist.")
            parts.append(f"<p style='color:{GREY}'>{esc(none)}</p>")
        else:
            parts.append("<table cellspacing='0' cellpadding='3' width='100%'>")
            for item in d.items:
                answer = d.answers.get(item.key)
                failed = answer is not None and answer.result is AnswerResult.FAIL
                if answer is None:
                    value = self.tr("not answered")
                elif answer.result is not None:
                    value = enum_text(answer.result)
                elif answer.count is not None:
                    value = str(answer.count)
                else:
                    value = answer.note or self.tr("not answered")
                if answer is not None and answer.note and answer.result is not None:
                    value += f" — {answer.note}"
                bg = " style='background:#ffebe9; color:#cf222e; font-weight:600'" if failed else ""
                mark = "✗ " if failed else ""
                parts.append(f"<tr{bg}><td>{esc(mark + item_label(item))}</td><td align='right'>{esc(value)}</td></tr>")
            parts.append("</table>")
        note_fields = [(self.tr("Needs"), d.note.needs), (self.tr("Concerns"), d.note.concerns),
                       (self.tr("Complaints"), d.note.complaints), (self.tr("Market information"), d.note.market_info),
                       (self.tr("Abnormalities"), d.note.abnormalities), (self.tr("Advice given"), d.note.advice),
                       (self.tr("Other notes"), d.note.free_text)]
        parts.append(_section(self.tr("Notes")))
        filled = [(n, t) for n, t in note_fields if t and t.strip()]
        if not filled:
            none = self.tr("No notes.")
            parts.append(f"<p style='color:{GREY}'>{esc(none)}</p>")
        for name, text in filled:
            parts.append(f"<p style='margin:2px 0'><b>{esc(name)}</b>：{esc(text)}</p>")
        self.body.setText("".join(parts))

        while self.photos_row.count():
            item = self.photos_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.photo_labels = []
        if not d.photos:
            label = QLabel(self.tr("No photos."), self)
            label.setStyleSheet(f"color: {GREY};")
            self.photo_labels.append(label)
        for photo in d.photos:
            label = QLabel(self)
            label.setFixedSize(112, 112)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setToolTip(photo.attachment.filename or photo.attachment.sha256[:12])
            pixmap = QPixmap(str(photo.thumbnail)) if photo.thumbnail is not None else QPixmap()
            if not pixmap.isNull():
                label.setPixmap(pixmap.scaled(108, 108, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))
                label.setStyleSheet("border: 1px solid #d0d7de;")
            else:
                label.setObjectName("photoNotDownloaded")
                label.setText(self.tr("Not downloaded"))
                label.setWordWrap(True)
                label.setStyleSheet(f"border: 1px dashed #d0d7de; color: {GREY};")
            self.photo_labels.append(label)
        for label in self.photo_labels:
            self.photos_row.addWidget(label)
        self.photos_row.addStretch(1)

        lines = [_section(self.tr("Review history"))]
        if not d.history:
            none = self.tr("Not reviewed yet.")
            lines.append(f"<p style='color:{GREY}'>{esc(none)}</p>")
        states = {ACCEPTED: (self.tr("synced"), GREEN), PENDING: (self.tr("waiting to sync"), AMBER)}
        for line in d.history:
            state, colour = states.get(line.state, (self.tr("refused by the server"), RED))
            who = line.author_name or line.event.author_id or ""
            when = fmt_datetime(_dt(line.created_at))
            text = f"：{esc(line.event.text)}" if line.event.text else ""
            lines.append(f"<p style='margin:3px 0'><span style='color:#57606a'>{esc(when)}</span> "
                         f"<b>{esc(who)}</b> {esc(enum_text(line.event.action))}{text} "
                         f"<span style='color:{colour}'>（{esc(state)}）</span></p>")
        self.history.setText("".join(lines))
        self._enable(d.actions)

    # --- decisions -------------------------------------------------------------------

    def _record(self, action: ReviewAction, text: str) -> None:
        if self.visit_id is None:
            return
        ops.record_review(parent=self, visit_id=self.visit_id, action=action, text=text,
                          now=self._now()).run_in_background(initiator=self)

    def approve(self) -> None:
        self._record(ReviewAction.APPROVE, "")

    def return_for_correction(self) -> None:
        reason = ask_text(self, self.tr("Return for correction"),
                          self.tr("Why is the visit returned? The manager sees this reason."), required=True)
        if reason:
            self._record(ReviewAction.RETURN, reason)

    def comment(self) -> None:
        text = ask_text(self, self.tr("Comment"), self.tr("Your comment on this visit:"), required=True)
        if text:
            self._record(ReviewAction.COMMENT, text)


class ReviewView(QWidget):
    """Filters over the queue table, the detail panel beside it."""

    sig_queue_loaded = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, profile: Any = None,
                 today: Callable[[], date] | None = None, now: Callable[[], datetime] | None = None):
        super().__init__(parent)
        self._today = today or date.today
        self._job: base_ops.Job | None = None
        self._started = False
        self.manager_combo = QComboBox(self)
        self.manager_combo.setObjectName("reviewManager")
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("reviewStatus")
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        today_ = self._today()
        self.from_edit.setDate(QDate(today_ - timedelta(days=30)))
        self.to_edit.setDate(QDate(today_))
        self.model = ReviewQueueModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("reviewTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet(f"color: {GREY};")
        self.panel = VisitDetailPanel(self, profile=profile, now=now)
        self.manager_caption, self.status_caption, self.dates_caption = QLabel(self), QLabel(self), QLabel(self)

        filters = QHBoxLayout()
        for caption, widget in ((self.manager_caption, self.manager_combo), (self.status_caption, self.status_combo)):
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addWidget(self.dates_caption)
        filters.addWidget(self.from_edit)
        filters.addWidget(QLabel("–", self))
        filters.addWidget(self.to_edit)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.retranslate_ui()
        self.manager_combo.currentIndexChanged.connect(self.refresh)
        self.status_combo.currentIndexChanged.connect(self.refresh)
        self.from_edit.dateChanged.connect(self.refresh)
        self.to_edit.dateChanged.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)

    def retranslate_ui(self) -> None:
        self.manager_caption.setText(self.tr("Manager"))
        self.status_caption.setText(self.tr("Status"))
        self.dates_caption.setText(self.tr("Check-in"))
        current = self.status_combo.currentData()
        self.status_combo.blockSignals(True)
        self.status_combo.clear()
        self.status_combo.addItem(self.tr("All statuses"), None)
        for status in ReviewStatus:
            self.status_combo.addItem(enum_text(status), status)
        index = self.status_combo.findData(current)
        self.status_combo.setCurrentIndex(max(index, 0))
        self.status_combo.blockSignals(False)
        if self.manager_combo.count() == 0:
            self.manager_combo.addItem(self.tr("All managers"), None)
        else:
            self.manager_combo.setItemText(0, self.tr("All managers"))
        self.panel.retranslate_ui()
        self._show_count()

    def set_team(self, team: ops.TeamInfo) -> None:
        current = self.manager_combo.currentData()
        self.manager_combo.blockSignals(True)
        while self.manager_combo.count() > 1:
            self.manager_combo.removeItem(1)
        for member in team.managers:
            self.manager_combo.addItem(member.name, member.id)
        self.manager_combo.setCurrentIndex(max(self.manager_combo.findData(current), 0))
        self.manager_combo.blockSignals(False)

    def start(self) -> None:
        self._started = True
        self.refresh()

    def query(self) -> ops.QueueFilter:
        return ops.QueueFilter(manager_id=self.manager_combo.currentData(), status=self.status_combo.currentData(),
                               first=self.from_edit.date().toPython(), last=self.to_edit.date().toPython())

    def refresh(self, *_args: object) -> None:
        if not self._started:
            return
        if self._job is not None:
            self._job.cancel()
        self._job = ops.load_review_queue(parent=self, query=self.query(),
                                          success=self._on_rows).run_in_background()

    def _on_rows(self, rows: list[ReviewQueueRow]) -> None:
        self._job = None
        selected = self.panel.visit_id
        self.model.set_rows(rows)
        self._show_count()
        row = next((i for i, r in enumerate(rows) if r.visit_id == selected), None)
        if row is not None:
            self.table.selectRow(row)
        elif rows and selected is None:
            self.table.selectRow(0)
        elif selected is not None:
            self.panel.set_visit(None)
        self.sig_queue_loaded.emit(len(rows))

    def _show_count(self) -> None:
        self.count_label.setText(self.tr("Visits: {count}").format(count=len(self.model.rows)))

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        visit_id = row.visit_id if row is not None else None
        if visit_id != self.panel.visit_id or self.panel.detail is None:
            self.panel.set_visit(visit_id)

    def _on_operation(self, changes: object, _initiator: object) -> None:
        if ops.touches(changes, "reviews") or ops.touches(changes, "visits") or ops.touches(changes, "customers"):
            self.refresh()
