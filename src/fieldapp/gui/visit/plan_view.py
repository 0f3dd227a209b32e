"""The visit plan: today's and this week's visits, why each one is there, and the manager's own edits.

The plan is generated on the DB worker (:func:`.ops.load_plan`: planning facts
from the store, :mod:`fieldapp.core.planning`, merged with the days the manager
fixed by hand, see :mod:`.plan_logic`). Editing a day (add, drop, reorder,
order into a route) applies the pure edit at once and saves the day through
:func:`.ops.save_day_plan`, so the manager's plan survives a restart.

UI thread only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import VisitStatus
from fieldapp.core.planning import PlannedVisit, ReasonKind

from .. import operations as base_ops
from . import ops
from .attendance import AttendanceBar
from .plan_logic import PlanDay, edit_add, edit_drop, edit_move, edit_route, leg_distances, route_summary
from .widgets import (
    AMBER,
    GREEN,
    GREY,
    REASON_COLOURS,
    STYLE,
    enum_text,
    fmt_km,
    fmt_score,
    message_text,
    svg_icon,
    weekday_name,
)

MIME_ROW = "application/x-fieldapp-plan-row"
RELOAD_DELAY_MS = 300
SEARCH_DEBOUNCE_MS = 200
SEARCH_LIMIT = 50

COLUMNS = ("order", "store", "class", "reasons", "distance", "status", "action")
REASONS_ROLE = Qt.ItemDataRole.UserRole + 1
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 2
ACTION_ROLE = Qt.ItemDataRole.UserRole + 3


class PlanModel(QAbstractTableModel):
    """The visits of one day, in the manager's order. Rows can be dragged to reorder."""

    #: (customer id, new index): the user dragged a row
    sig_move_requested = Signal(str, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.day: PlanDay | None = None
        self._legs: list[float | None] = []

    def set_day(self, day: PlanDay | None) -> None:
        self.beginResetModel()
        self.day = day
        self._legs = leg_distances(day.visits) if day else []
        self.endResetModel()

    def visit(self, row: int) -> PlannedVisit | None:
        if self.day is None or not 0 <= row < len(self.day.visits):
            return None
        return self.day.visits[row]

    def row_of(self, customer_id: str) -> int | None:
        return self.day.plan.index_of(customer_id) if self.day else None

    # -- Qt model -------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() or self.day is None else len(self.day.visits)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            "order": "#", "store": self.tr("Store"), "class": self.tr("Class"), "reasons": self.tr("Why this visit"),
            "distance": self.tr("Distance"), "status": self.tr("Status"), "action": "",
        }[COLUMNS[section]]

    def action(self, row: int) -> str | None:
        """"start", "resume" or None (visited) for the row's button."""
        visit = self.visit(row)
        if visit is None or self.day is None:
            return None
        mark = self.day.marks.get(visit.customer_id)
        if mark is None:
            return "start"
        return "resume" if mark.status is VisitStatus.IN_PROGRESS else None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        visit = self.visit(index.row()) if index.isValid() else None
        if visit is None or self.day is None:
            return None
        column = COLUMNS[index.column()]
        mark = self.day.marks.get(visit.customer_id)
        if role == CUSTOMER_ROLE:
            return visit.customer_id
        if role == REASONS_ROLE:
            if visit.customer_id in self.day.unplanned_ids:
                return [(None, self.tr("Visited today without being on the plan."))]
            return [(r.kind, message_text(r.message)) for r in visit.reasons]
        if role == ACTION_ROLE:
            return self.action(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "order":
                return str(index.row() + 1)
            if column == "store":
                return visit.store_name
            if column == "class":
                return visit.customer_class.value if visit.customer_class else ""
            if column == "reasons":  # for copy, tests and accessibility; the delegate paints chips
                return "\n".join(f"{enum_text(k) + ': ' if k else ''}{text}"
                                 for k, text in self.data(index, REASONS_ROLE))
            if column == "distance":
                return fmt_km(self._legs[index.row()]) if index.row() < len(self._legs) else ""
            if column == "status":
                return self._status_text(visit.customer_id)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "status":
                if mark is not None:
                    return QColor(GREEN if mark.status is VisitStatus.COMPLETED else AMBER)
                return QColor("#8250df")
            if column in ("order", "distance"):
                return QColor(GREY)
        if role == Qt.ItemDataRole.FontRole and column in ("store", "class"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in ("order", "class", "distance"):
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == "status" and mark is not None and mark.check_in_at:
            return self.tr("Checked in at {time}").format(time=mark.check_in_at.strftime("%H:%M"))
        return None

    def _status_text(self, customer_id: str) -> str:
        assert self.day is not None
        mark = self.day.marks.get(customer_id)
        if mark is not None:
            if mark.status is VisitStatus.COMPLETED:
                return self.tr("Visited · {score}").format(score=fmt_score(mark.score)) if mark.score is not None \
                    else self.tr("Visited")
            return self.tr("In progress")
        if customer_id in self.day.new_ids:
            return self.tr("New")
        return ""

    def flags(self, index: QModelIndex):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self):  # noqa: N802
        return Qt.DropAction.MoveAction

    def supportedDragActions(self):  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_ROW]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        if rows:
            visit = self.visit(rows[0])
            if visit is not None:
                data.setData(MIME_ROW, QByteArray(visit.customer_id.encode()))
        return data

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent: QModelIndex) -> bool:  # noqa: N802
        """Ask the view to move the dragged visit; returns False so the view removes nothing itself."""
        if action == Qt.DropAction.IgnoreAction or not data.hasFormat(MIME_ROW) or self.day is None:
            return False
        customer_id = bytes(data.data(MIME_ROW).data()).decode()
        source = self.row_of(customer_id)
        if source is None:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else self.rowCount()
        target = row - 1 if row > source else row  # the index after taking the row out
        if target != source:
            self.sig_move_requested.emit(customer_id, target)
        return False


class ReasonsDelegate(QStyledItemDelegate):
    """Paints each reason as a coloured kind chip followed by its explanation, one per line."""

    PAD = 6
    GAP = 4

    def __init__(self, view: QTableView):
        super().__init__(view)
        self._view = view

    def _fonts(self, option) -> tuple[QFont, QFont]:
        text_font = QFont(option.font)
        chip_font = QFont(option.font)
        chip_font.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        chip_font.setBold(True)
        return text_font, chip_font

    def _chip_width(self, chip_metrics: QFontMetrics, reasons) -> int:
        """One width for every chip of the table (the longest kind label), so explanations line up."""
        if not any(k is not None for k, _ in reasons):
            return 0
        return max(chip_metrics.horizontalAdvance(enum_text(kind)) for kind in ReasonKind) + 14

    def _layout(self, option, index, width: int):
        reasons = index.data(REASONS_ROLE) or []
        text_font, chip_font = self._fonts(option)
        fm, cm = QFontMetrics(text_font), QFontMetrics(chip_font)
        chip_w = self._chip_width(cm, reasons)
        text_w = max(40, width - 2 * self.PAD - chip_w - 8)
        rows = []
        for kind, text in reasons:
            rect = fm.boundingRect(QRect(0, 0, text_w, 10_000), int(Qt.TextFlag.TextWordWrap), text)
            rows.append((kind, text, max(rect.height(), cm.height() + 4)))
        return rows, chip_w, text_w, text_font, chip_font

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        width = self._view.columnWidth(index.column())
        rows, *_ = self._layout(option, index, width)
        height = sum(h for *_x, h in rows) + self.GAP * max(0, len(rows) - 1) + 2 * self.PAD
        return QSize(width, max(height, option.fontMetrics.height() + 2 * self.PAD))

    def paint(self, painter: QPainter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rows, chip_w, text_w, text_font, chip_font = self._layout(option, index, option.rect.width())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        y = option.rect.top() + self.PAD
        x = option.rect.left() + self.PAD
        cm = QFontMetrics(chip_font)
        for kind, text, height in rows:
            if kind is not None:
                colour = QColor(REASON_COLOURS.get(kind, GREY))
                chip = QRect(x, y + 1, chip_w, cm.height() + 2)
                fill = QColor(colour)
                fill.setAlpha(30)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(chip, 4, 4)
                painter.setPen(colour)
                painter.setFont(chip_font)
                painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), enum_text(kind))
            painter.setFont(text_font)
            painter.setPen(option.palette.color(QPalette.ColorRole.Text) if kind is not None else QColor(GREY))
            painter.drawText(QRect(x + chip_w + 8, y, text_w, height),
                             int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                             text)
            y += height + self.GAP
        painter.restore()


class ActionDelegate(QStyledItemDelegate):
    """A push button painted in the cell ("Start visit" / "Resume"); a click emits ``sig_clicked(row)``."""

    sig_clicked = Signal(int)

    def _button(self, option, index) -> QStyleOptionButton | None:
        action = index.data(ACTION_ROLE)
        if action is None:
            return None
        button = QStyleOptionButton()
        text = self.tr("Start visit") if action == "start" else self.tr("Resume")
        fm = option.fontMetrics
        width = fm.horizontalAdvance(text) + 28
        height = fm.height() + 12
        button.rect = QRect(option.rect.left() + 6, option.rect.top() + 6, width, height)
        button.text = text
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        return button

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        button = self._button(option, index)
        if button is not None:
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, opt.widget)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        fm = option.fontMetrics
        return QSize(max(fm.horizontalAdvance(self.tr("Start visit")), fm.horizontalAdvance(self.tr("Resume"))) + 40,
                     fm.height() + 24)

    def editorEvent(self, event, model, option, index) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
            button = self._button(option, index)
            if button is not None and button.rect.contains(event.position().toPoint()):
                self.sig_clicked.emit(index.row())
                return True
        return False


class PlanView(QWidget):
    """Today / This week views of the visit plan.

    Signals:
      ``sig_start_visit(customer_id)`` — the manager pressed "Start visit" on a row
      (connect to :meth:`VisitScreen.start_for_customer`);
      ``sig_resume_visit(visit_id)`` — "Resume" on the row of the visit in progress;
      ``sig_open_customer(customer_id)`` — a row was double-clicked;
      ``sig_plan_loaded(PlanSnapshot)`` — a (re)load finished (tests wait on it).
    """

    sig_start_visit = Signal(str)
    sig_resume_visit = Signal(str)
    sig_open_customer = Signal(str)
    sig_plan_loaded = Signal(object)
    sig_plan_saved = Signal(object)

    MODES = {"today": 1, "week": 7}

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None,
                 now=None, show_attendance: bool = True):
        super().__init__(parent)
        self.setObjectName("planRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self._today_fn = today or date.today
        self.mode = "today"
        self.snapshot: ops.PlanSnapshot | None = None
        self._days: list[PlanDay] = []
        self._current_day: date | None = None
        self._job: base_ops.Job | None = None
        self._dirty = True
        self._saving = 0

        # header
        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.date_label = QLabel(self)
        self.date_label.setObjectName("subtitle")
        self.today_button = QPushButton(self)
        self.week_button = QPushButton(self)
        self.mode_group = QButtonGroup(self)
        for k, button in enumerate((self.today_button, self.week_button)):
            button.setCheckable(True)
            button.setObjectName("segment")
            button.setProperty("pos", "first" if k == 0 else "last")
            self.mode_group.addButton(button, k)
        self.today_button.setChecked(True)
        self.mode_group.idClicked.connect(lambda k: self.set_mode("today" if k == 0 else "week"))
        self.attendance = AttendanceBar(self, today=self._today_fn, now=now) if show_attendance else None

        # day tabs (week mode)
        self.day_tabs = QTabBar(self)
        self.day_tabs.setExpanding(False)
        self.day_tabs.setDrawBase(False)
        self.day_tabs.currentChanged.connect(self._on_day_tab)
        self.day_tabs.hide()

        # summary + day actions
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("muted")
        self.summary_label.setWordWrap(True)
        self.route_button = QPushButton(self)
        self.route_button.setObjectName("secondary")
        self.route_button.setIcon(svg_icon("route"))
        self.route_button.clicked.connect(self.order_as_route)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("secondary")
        self.add_button.setIcon(svg_icon("plus"))
        self.add_button.clicked.connect(self.add_customer_interactively)
        self.reset_button = QPushButton(self)
        self.reset_button.setObjectName("secondary")
        self.reset_button.clicked.connect(self.reset_day)

        # table
        self.model = PlanModel(self)
        self.model.sig_move_requested.connect(self.move_customer)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(False)
        self.view.verticalHeader().setVisible(False)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropOverwriteMode(False)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setMouseTracking(True)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMNS.index("reasons"), QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self._resize_rows_later())
        self.reasons_delegate = ReasonsDelegate(self.view)
        self.view.setItemDelegateForColumn(COLUMNS.index("reasons"), self.reasons_delegate)
        self.action_delegate = ActionDelegate(self.view)
        self.action_delegate.sig_clicked.connect(self._on_action_clicked)
        self.view.setItemDelegateForColumn(COLUMNS.index("action"), self.action_delegate)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()

        # row actions
        self.up_button = QToolButton(self)
        self.up_button.setText("↑")
        self.up_button.clicked.connect(lambda: self._move_selected(-1))
        self.down_button = QToolButton(self)
        self.down_button.setText("↓")
        self.down_button.clicked.connect(lambda: self._move_selected(+1))
        self.drop_button = QPushButton(self)
        self.drop_button.setObjectName("danger")
        self.drop_button.clicked.connect(self._drop_selected)
        self.start_button = QPushButton(self)
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self._start_selected)
        self.unplaced_label = QLabel(self)
        self.unplaced_label.setObjectName("muted")

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.date_label)
        top.addLayout(titles)
        top.addSpacing(16)
        segmented = QHBoxLayout()
        segmented.setSpacing(0)
        segmented.addWidget(self.today_button)
        segmented.addWidget(self.week_button)
        top.addLayout(segmented)
        top.addStretch(1)
        if self.attendance is not None:
            top.addWidget(self.attendance)

        day_bar = QHBoxLayout()
        day_bar.addWidget(self.summary_label, 1)
        day_bar.addWidget(self.reset_button)
        day_bar.addWidget(self.route_button)
        day_bar.addWidget(self.add_button)

        bottom = QHBoxLayout()
        bottom.addWidget(self.up_button)
        bottom.addWidget(self.down_button)
        bottom.addWidget(self.drop_button)
        bottom.addSpacing(12)
        bottom.addWidget(self.unplaced_label, 1)
        bottom.addWidget(self.start_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.day_tabs)
        layout.addLayout(day_bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(bottom)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self.view.resizeRowsToContents)
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()
        self._update_buttons()

    # --- public API ---------------------------------------------------------------

    @property
    def today(self) -> date:
        return self._today_fn()

    def start(self) -> None:
        """First load (the database must be open). Also happens on first show."""
        self.refresh()
        if self.attendance is not None:
            self.attendance.refresh()

    def refresh(self) -> None:
        """Regenerate the plan off the UI thread."""
        self._reload_timer.stop()
        if self._job is not None:
            self._job.cancel()
        self._dirty = False
        self._job = ops.load_plan(parent=self, today=self.today, horizon_days=self.MODES[self.mode],
                                  success=self._on_loaded).run_in_background()

    def set_mode(self, mode: str) -> None:
        """"today" or "week"."""
        if mode not in self.MODES:
            raise ValueError(mode)
        self.today_button.setChecked(mode == "today")
        self.week_button.setChecked(mode == "week")
        if mode != self.mode:
            self.mode = mode
            if mode == "today":
                self._current_day = None
            self.refresh()

    def current_day(self) -> PlanDay | None:
        return next((d for d in self._days if d.day == self._current_day), None)

    def select_day(self, day: date) -> None:
        for k, d in enumerate(self._days):
            if d.day == day:
                self.day_tabs.setCurrentIndex(k)
                self._show_day(day)
                return

    def visible_customer_ids(self) -> list[str]:
        day = self.current_day()
        return [v.customer_id for v in day.visits] if day else []

    def reasons_text(self, customer_id: str) -> str:
        """The reasons shown on the customer's row (as translated), or "" when not on the day."""
        row = self.model.row_of(customer_id)
        if row is None:
            return ""
        return self.model.index(row, COLUMNS.index("reasons")).data() or ""

    def add_customer(self, customer_id: str, note: str = "") -> bool:
        """Add a customer to the shown day by hand. False when the customer is unknown (deleted)."""
        day = self.current_day()
        facts = self.snapshot.facts.get(customer_id) if self.snapshot else None
        if day is None or facts is None:
            return False
        self._apply(edit_add(day, facts, self.today, note=note))
        self._select_customer(customer_id)
        return True

    def drop_customer(self, customer_id: str) -> None:
        day = self.current_day()
        if day is not None and customer_id in day.plan:
            self._apply(edit_drop(day, customer_id))

    def move_customer(self, customer_id: str, index: int) -> None:
        day = self.current_day()
        if day is not None and customer_id in day.plan:
            self._apply(edit_move(day, customer_id, index))
            self._select_customer(customer_id)

    def order_as_route(self) -> None:
        day = self.current_day()
        if day is not None and day.visits:
            self._apply(edit_route(day))

    def reset_day(self) -> None:
        """Forget the manager's edits of the shown day."""
        day = self.current_day()
        if day is None:
            return
        self._saving += 1
        ops.forget_day_plan(parent=self, day=day.day).success(self._on_reset).run_in_background(initiator=self)

    def start_visit_at(self, row: int) -> None:
        visit = self.model.visit(row)
        if visit is None:
            return
        action = self.model.action(row)
        day = self.current_day()
        if action == "resume" and day is not None:
            self.sig_resume_visit.emit(day.marks[visit.customer_id].visit_id)
            return
        if action != "start":
            return
        if day is not None and not day.saved:
            self._apply(replace(day, saved=True))  # starting from the plan fixes the day: the row stays on it
        self.sig_start_visit.emit(visit.customer_id)

    def add_customer_interactively(self) -> None:
        day = self.current_day()
        if day is None:
            return
        dialog = AddCustomerDialog(self, day.day)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen_id:
            self.add_customer(dialog.chosen_id, dialog.note())

    # --- loading ------------------------------------------------------------------

    def _on_loaded(self, snapshot: ops.PlanSnapshot) -> None:
        self._job = None
        if snapshot.horizon_days != self.MODES[self.mode]:
            return
        self.snapshot = snapshot
        self._days = list(snapshot.plan.days)
        if self._current_day not in {d.day for d in self._days}:
            self._current_day = self._days[0].day if self._days else None
        self._fill_day_tabs()
        self._show_day(self._current_day)
        self.sig_plan_loaded.emit(snapshot)

    def _fill_day_tabs(self) -> None:
        self.day_tabs.blockSignals(True)
        while self.day_tabs.count():
            self.day_tabs.removeTab(0)
        current = 0
        for k, day in enumerate(self._days):
            self.day_tabs.addTab(self._day_tab_text(day))
            if day.day == self._current_day:
                current = k
        self.day_tabs.setCurrentIndex(current)
        self.day_tabs.blockSignals(False)
        self.day_tabs.setVisible(self.mode == "week")

    def _day_tab_text(self, day: PlanDay) -> str:
        label = self.tr("Today") if day.day == self.today else weekday_name(day.day)
        return self.tr("{day} {date} ({count})").format(day=label, date=f"{day.day.month}/{day.day.day}",
                                                         count=len(day.visits))

    def _on_day_tab(self, index: int) -> None:
        if 0 <= index < len(self._days):
            self._show_day(self._days[index].day)

    def _show_day(self, day: date | None) -> None:
        self._current_day = day
        selected = self._selected_customer()
        plan_day = self.current_day()
        self.model.set_day(plan_day)
        self._resize_columns()
        self._select_customer(selected)
        empty = plan_day is None or not plan_day.visits
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self._show_summary()
        self._update_buttons()

    def _show_summary(self) -> None:
        day = self.current_day()
        if day is None:
            self.summary_label.setText("")
            self.date_label.setText("")
            return
        self.date_label.setText(self.tr("{weekday} {date}").format(weekday=weekday_name(day.day),
                                                                  date=day.day.isoformat()))
        visits = day.visits
        done = sum(1 for v in visits if v.customer_id in day.marks
                   and day.marks[v.customer_id].status is VisitStatus.COMPLETED)
        parts = [self.tr("{count} visits planned").format(count=len(visits))]
        if done:
            parts.append(self.tr("{done} done").format(done=done))
        stops, km = route_summary(visits)
        if stops >= 2:
            parts.append(self.tr("route {km} km over {stops} stops in this order").format(km=f"{km:.1f}",
                                                                                          stops=stops))
        elif visits:
            parts.append(self.tr("no route: store positions unknown"))
        if day.saved:
            parts.append(self.tr("your own order"))
        self.summary_label.setText(" · ".join(parts))
        self.reset_button.setVisible(day.saved)
        unplaced = len(self.snapshot.plan.unplaced) if self.snapshot else 0
        self.unplaced_label.setText(self.tr("{count} more customers are due but did not fit into the days.")
                                    .format(count=unplaced) if unplaced else "")
        self.empty_label.setText(self.tr("Nothing planned for this day.\nAdd a customer by hand if you mean to "
                                         "visit one."))
        for k, plan_day in enumerate(self._days):
            if k < self.day_tabs.count():
                self.day_tabs.setTabText(k, self._day_tab_text(plan_day))

    def _resize_columns(self) -> None:
        fm = self.view.fontMetrics()
        widths = {"order": fm.horizontalAdvance("00") + 20, "store": fm.horizontalAdvance("万家福百货商场超市") + 24,
                  "class": max(fm.horizontalAdvance(self.model.headerData(2, Qt.Orientation.Horizontal)), 16) + 24,
                  "distance": fm.horizontalAdvance("888.8 km") + 20,
                  "status": max(fm.horizontalAdvance(self.tr("Visited · {score}").format(score="100.0")),
                                fm.horizontalAdvance(self.tr("In progress"))) + 24,
                  "action": max(fm.horizontalAdvance(self.tr("Start visit")),
                                fm.horizontalAdvance(self.tr("Resume"))) + 44}
        for name, width in widths.items():
            self.view.setColumnWidth(COLUMNS.index(name), width)
        self._resize_rows_later()

    def _resize_rows_later(self) -> None:
        self._rows_timer.start()

    # --- edits --------------------------------------------------------------------

    def _apply(self, day: PlanDay, *, show: bool = True) -> None:
        """Show the edited day at once and save it off-thread."""
        self._days = [day if d.day == day.day else d for d in self._days]
        if show:
            self._show_day(day.day)
        self._saving += 1
        ops.save_day_plan(parent=self, day=day).success(self._on_saved).run_in_background(initiator=self)

    def _on_reset(self, _result) -> None:
        self._saving -= 1
        self.refresh()

    def _on_saved(self, _result) -> None:
        self._saving -= 1
        self.sig_plan_saved.emit(self.current_day())

    def _on_operation(self, changes, initiator) -> None:
        if initiator is self:
            return  # edits are shown as they are made
        if ops.touches(changes, "visits"):
            self._fix_today(changes.customer_ids)
        if (changes.customers or ops.touches(changes, "visits") or ops.touches(changes, "follow_ups")
                or ops.touches(changes, "plan")):
            self._schedule_reload()

    def _fix_today(self, customer_ids) -> None:
        """A visit started elsewhere (the customer file, a resumed visit) at a store on today's generated plan:
        keep today's list as shown, so the store stays on it — with the reasons it was planned for —
        once the planner stops wanting it."""
        today = next((d for d in self._days if d.day == self.today), None)
        if today is None or today.saved:
            return
        ids = {v.customer_id for v in today.visits}
        if not customer_ids or ids & set(customer_ids):
            self._apply(replace(today, saved=True), show=today.day == self._current_day)

    def _schedule_reload(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._reload_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self._reload_timer.start(0)

    # --- selection and buttons ----------------------------------------------------

    def _selected_row(self) -> int | None:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def _selected_customer(self) -> str | None:
        row = self._selected_row()
        visit = self.model.visit(row) if row is not None else None
        return visit.customer_id if visit else None

    def _select_customer(self, customer_id: str | None) -> None:
        row = self.model.row_of(customer_id) if customer_id else None
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, COLUMNS.index("store")))
            self.view.selectRow(row)

    def _move_selected(self, delta: int) -> None:
        row = self._selected_row()
        customer = self._selected_customer()
        if row is None or customer is None:
            return
        target = row + delta
        if 0 <= target < self.model.rowCount():
            self.move_customer(customer, target)

    def _drop_selected(self) -> None:
        customer = self._selected_customer()
        if customer is not None:
            self.drop_customer(customer)

    def _start_selected(self) -> None:
        row = self._selected_row()
        if row is not None:
            self.start_visit_at(row)

    def _on_action_clicked(self, row: int) -> None:
        self.start_visit_at(row)

    def _on_double_click(self, index: QModelIndex) -> None:
        visit = self.model.visit(index.row())
        if visit is not None and COLUMNS[index.column()] != "action":
            self.sig_open_customer.emit(visit.customer_id)

    def _update_buttons(self) -> None:
        row = self._selected_row()
        has = row is not None and self.model.visit(row) is not None
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < self.model.rowCount() - 1)
        self.drop_button.setEnabled(has)
        action = self.model.action(row) if has else None
        self.start_button.setEnabled(action is not None)
        self.start_button.setText(self.tr("Resume visit") if action == "resume" else self.tr("Start visit"))
        day = self.current_day()
        self.route_button.setEnabled(day is not None and route_summary(day.visits)[0] >= 2)
        self.add_button.setEnabled(day is not None)

    # --- language -----------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.title.setText(self.tr("Visit plan"))
        self.today_button.setText(self.tr("Today"))
        self.week_button.setText(self.tr("This week"))
        self.route_button.setText(self.tr("Order as route"))
        self.route_button.setToolTip(self.tr("Reorder the visits not made yet into the shortest route found"))
        self.add_button.setText(self.tr("Add customer…"))
        self.reset_button.setText(self.tr("Back to generated plan"))
        self.reset_button.setToolTip(self.tr("Forget your changes to this day and show the generated plan"))
        self.up_button.setToolTip(self.tr("Move up"))
        self.down_button.setToolTip(self.tr("Move down"))
        self.drop_button.setText(self.tr("Drop from plan"))
        self.view.setToolTip(self.tr("Drag a row to change the order of the visits"))
        self._update_buttons()
        if self._days:
            self._show_summary()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)


# --- adding a customer by hand ---------------------------------------------------------


class _HitsModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.hits: list[ops.CustomerHit] = []

    def set_hits(self, hits: list[ops.CustomerHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.store_name}  ·  {hit.code}  ·  {hit.owner}  ·  {hit.customer_class}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.address
        if role == CUSTOMER_ROLE:
            return hit.id
        return None


class AddCustomerDialog(QDialog):
    """Search a customer to add to a day by hand, with an optional note saying why.

    Usable without ``exec()`` (tests): type into :attr:`search_edit`, wait for
    ``sig_results``, pick a row of :attr:`results`, read :attr:`chosen_id`.
    """

    sig_results = Signal(int)

    def __init__(self, parent: QWidget | None, day: date):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a customer to the plan of {date}").format(date=day.isoformat()))
        self.setMinimumSize(560, 420)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Search by store name, code, owner or address…"))
        self.search_edit.setClearButtonEnabled(True)
        self.results_model = _HitsModel(self)
        self.results = QListView(self)
        self.results.setModel(self.results_model)
        self.results.setUniformItemSizes(True)
        self.results.doubleClicked.connect(lambda _i: self.accept())
        self.hint = QLabel(self)
        self.hint.setObjectName("muted")
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(self.tr("Why (optional), e.g. the retailer asked for a visit"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add to plan"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.buttons)
        self._job: base_ops.Job | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.results.selectionModel().currentChanged.connect(lambda *_: self._update_ok())
        self._update_ok()

    @property
    def chosen_id(self) -> str | None:
        index = self.results.currentIndex()
        return index.data(CUSTOMER_ROLE) if index.isValid() else None

    def note(self) -> str:
        return self.note_edit.text().strip()

    def _search(self) -> None:
        if self._job is not None:
            self._job.cancel()
        text = self.search_edit.text().strip()
        if not text:
            self.results_model.set_hits([])
            self.hint.setText("")
            self._update_ok()
            return
        self._job = ops.find_customers(parent=self, text=text, limit=SEARCH_LIMIT,
                                       success=self._on_results).run_in_background()

    def _on_results(self, hits: list[ops.CustomerHit]) -> None:
        self._job = None
        self.results_model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.results_model.index(0))
        self.hint.setText(self.tr("No customer matches.") if not hits else "")
        self._update_ok()
        self.sig_results.emit(len(hits))

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen_id is not None)

