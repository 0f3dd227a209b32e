"""A customer's history for the customer file: past visits, scores over time, purchases, open follow-ups.

Loaded off the UI thread (:func:`.ops.load_customer_history`, one read through
:mod:`fieldapp.store.history`); reloads itself when a visit or follow-up of
the customer changes.

UI thread only.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QAbstractTableModel, QDateTime, QEvent, QMargins, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import FollowUpStatus, VisitStatus
from fieldapp.store.history import VisitSummary

from .. import operations as base_ops
from . import ops
from .widgets import (
    AMBER,
    BLUE,
    GREY,
    RED,
    STYLE,
    enum_text,
    fmt_date,
    fmt_duration,
    fmt_score,
    item_label_of,
    score_colour,
)

VISIT_COLUMNS = ("date", "type", "score", "duration", "failed", "status")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class VisitHistoryModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.visits: list[VisitSummary] = []

    def set_visits(self, visits: list[VisitSummary]) -> None:
        self.beginResetModel()
        self.visits = list(visits)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.visits)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(VISIT_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {"date": self.tr("Date"), "type": self.tr("Type"), "score": self.tr("Score"),
                "duration": self.tr("Duration"), "failed": self.tr("Failed items"),
                "status": self.tr("Status")}[VISIT_COLUMNS[section]]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        visit = self.visits[index.row()]
        column = VISIT_COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "date":
                return visit.check_in_at.strftime("%Y-%m-%d %H:%M") if visit.check_in_at else "—"
            if column == "type":
                return enum_text(visit.visit_type)
            if column == "score":
                return fmt_score(visit.score)
            if column == "duration":
                return fmt_duration(visit.duration)
            if column == "failed":
                return str(visit.failed_count) if visit.failed_count else "—"
            if column == "status":
                return enum_text(visit.status)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "score":
                return QColor(score_colour(visit.score))
            if column == "failed" and visit.failed_count:
                return QColor(RED)
            if column == "status" and visit.status is VisitStatus.IN_PROGRESS:
                return QColor(AMBER)
        if role == Qt.ItemDataRole.FontRole and column == "score":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("score", "failed", "duration"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return visit.id
        return None


class _Tile(QFrame):
    """A number with a caption (visits on record, average score...)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.value = QLabel("—", self)
        self.value.setObjectName("bigNumber")
        self.caption = QLabel(self)
        self.caption.setObjectName("muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def set(self, value: str, colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour};" if colour else "")


def _chart(title_font: QFont) -> QChart:
    chart = QChart()
    chart.legend().hide()
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(0, 4, 4, 0))
    chart.layout().setContentsMargins(0, 0, 0, 0)
    chart.setBackgroundBrush(QColor("white"))
    chart.setTitleFont(title_font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


class _ChartView(QChartView):
    def __init__(self, chart: QChart, parent: QWidget | None = None):
        super().__init__(chart, parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor("white"))
        self.setStyleSheet("background: white; border: none;")


def _axis_style(axis, label_font: QFont) -> None:
    axis.setLabelsFont(label_font)
    axis.setLabelsColor(QColor("#57606a"))
    axis.setGridLineColor(QColor("#eaeef2"))
    axis.setLinePenColor(QColor("#d0d7de"))


class CustomerHistoryWidget(QWidget):
    """History of one customer. Call :meth:`set_customer`; ``sig_loaded(HistorySnapshot)`` after each load."""

    sig_loaded = Signal(object)
    sig_open_visit = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, today=None, purchase_months: int = 12):
        super().__init__(parent)
        self.setObjectName("historyRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self._today = today or date.today
        self._purchase_months = purchase_months
        self.customer_id: str | None = None
        self.snapshot: ops.HistorySnapshot | None = None
        self._job: base_ops.Job | None = None

        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setWordWrap(True)
        self.visits_tile = _Tile(self)
        self.average_tile = _Tile(self)
        self.last_tile = _Tile(self)
        self.follow_tile = _Tile(self)
        self.cartons_tile = _Tile(self)

        label_font = QFont(self.font())
        label_font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        title_font = QFont(self.font())
        title_font.setBold(True)

        # scores over time
        self.score_series = QLineSeries()
        self.score_series.setPointsVisible(True)
        pen = QPen(QColor(BLUE))
        pen.setWidth(2)
        self.score_series.setPen(pen)
        self.score_chart = _chart(title_font)
        self.score_chart.addSeries(self.score_series)
        self.score_x = QDateTimeAxis()
        self.score_x.setFormat("MM-dd")
        # Categories rather than a value axis: labels 0..100 only, with a little room above 100 so a
        # perfect score's point is not cut in half by the plot area's edge.
        self.score_y = QCategoryAxis()
        for value in range(0, 101, 20):
            self.score_y.append(str(value), value)
        self.score_y.setRange(0, 104)
        self.score_y.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for axis, align in ((self.score_x, Qt.AlignmentFlag.AlignBottom), (self.score_y, Qt.AlignmentFlag.AlignLeft)):
            _axis_style(axis, label_font)
            self.score_chart.addAxis(axis, align)
            self.score_series.attachAxis(axis)
        self.score_view = _ChartView(self.score_chart, self)
        self.score_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.score_view.setMinimumHeight(200)

        # purchases per month
        self.cartons_set = QBarSet("")
        self.cartons_set.setColor(QColor("#54aeff"))
        self.cartons_set.setBorderColor(QColor("#54aeff"))
        self.purchase_series = QBarSeries()
        self.purchase_series.append(self.cartons_set)
        self.purchase_series.setBarWidth(0.65)
        self.purchase_chart = _chart(title_font)
        self.purchase_chart.addSeries(self.purchase_series)
        self.months_axis = QBarCategoryAxis()
        self.cartons_axis = QValueAxis()
        self.cartons_axis.setLabelFormat("%d")
        for axis, align in ((self.months_axis, Qt.AlignmentFlag.AlignBottom),
                            (self.cartons_axis, Qt.AlignmentFlag.AlignLeft)):
            _axis_style(axis, label_font)
            self.purchase_chart.addAxis(axis, align)
            self.purchase_series.attachAxis(axis)
        self.purchase_view = _ChartView(self.purchase_chart, self)
        self.purchase_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.purchase_view.setMinimumHeight(200)

        self.score_empty = QLabel(self)
        self.score_empty.setObjectName("emptyHint")
        self.score_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.purchase_empty = QLabel(self)
        self.purchase_empty.setObjectName("emptyHint")
        self.purchase_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.score_title = QLabel(self)
        self.score_title.setObjectName("sectionTitle")
        self.purchase_title = QLabel(self)
        self.purchase_title.setObjectName("sectionTitle")

        # visits table
        self.visits_title = QLabel(self)
        self.visits_title.setObjectName("sectionTitle")
        self.visits_model = VisitHistoryModel(self)
        self.visits_view = QTableView(self)
        self.visits_view.setModel(self.visits_model)
        self.visits_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.visits_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.visits_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.visits_view.setShowGrid(False)
        self.visits_view.setAlternatingRowColors(True)
        self.visits_view.verticalHeader().setVisible(False)
        self.visits_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.visits_view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(VISIT_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.visits_view.doubleClicked.connect(
            lambda index: self.sig_open_visit.emit(index.data(Qt.ItemDataRole.UserRole)))
        self.visits_empty = QLabel(self)
        self.visits_empty.setObjectName("emptyHint")
        self.visits_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # follow-ups and failed items
        self.side = QFrame(self)
        self.side.setObjectName("card")
        self.follow_title = QLabel(self.side)
        self.follow_title.setObjectName("sectionTitle")
        self.follow_list = QLabel(self.side)
        self.follow_list.setWordWrap(True)
        self.follow_list.setTextFormat(Qt.TextFormat.RichText)
        self.follow_list.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.failed_title = QLabel(self.side)
        self.failed_title.setObjectName("sectionTitle")
        self.failed_list = QLabel(self.side)
        self.failed_list.setWordWrap(True)
        self.failed_list.setTextFormat(Qt.TextFormat.RichText)
        side_layout = QVBoxLayout(self.side)
        side_layout.setContentsMargins(12, 10, 12, 10)
        side_layout.addWidget(self.follow_title)
        side_layout.addWidget(self.follow_list)
        side_layout.addSpacing(8)
        side_layout.addWidget(self.failed_title)
        side_layout.addWidget(self.failed_list)
        side_layout.addStretch(1)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        tiles = QHBoxLayout()
        tiles.setSpacing(8)
        for tile in (self.visits_tile, self.average_tile, self.last_tile, self.follow_tile, self.cartons_tile):
            tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            tiles.addWidget(tile)

        charts = QGridLayout()
        charts.setSpacing(8)
        for column, (title, view, empty) in enumerate(((self.score_title, self.score_view, self.score_empty),
                                                       (self.purchase_title, self.purchase_view,
                                                        self.purchase_empty))):
            card = QFrame(self)
            card.setObjectName("card")
            card_layout = QVBoxLayout(card)
            card_layout.setContentsMargins(10, 8, 10, 8)
            card_layout.addWidget(title)
            card_layout.addWidget(view, 1)
            card_layout.addWidget(empty, 1)
            charts.addWidget(card, 0, column)

        lower = QHBoxLayout()
        lower.setSpacing(8)
        visits_card = QFrame(self)
        visits_card.setObjectName("card")
        visits_layout = QVBoxLayout(visits_card)
        visits_layout.setContentsMargins(10, 8, 10, 8)
        visits_layout.addWidget(self.visits_title)
        visits_layout.addWidget(self.visits_view, 1)
        visits_layout.addWidget(self.visits_empty, 1)
        lower.addWidget(visits_card, 3)
        lower.addWidget(self.side, 2)

        self.body = QWidget(self)
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(8)
        body_layout.addLayout(tiles)
        body_layout.addLayout(charts, 3)
        body_layout.addLayout(lower, 3)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.empty_label, 1)
        self.body.hide()

        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()

    # --- public -------------------------------------------------------------------

    def set_customer(self, customer_id: str | None) -> None:
        """Show ``customer_id``'s history (``None``: nothing)."""
        self.customer_id = customer_id
        self.refresh()

    def refresh(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        if self.customer_id is None:
            self.snapshot = None
            self._show()
            return
        self._job = ops.load_customer_history(parent=self, customer_id=self.customer_id,
                                              purchase_months=self._purchase_months,
                                              success=self._on_loaded).run_in_background()

    # --- loading ------------------------------------------------------------------

    def _on_loaded(self, snapshot: ops.HistorySnapshot) -> None:
        self._job = None
        if snapshot.history.customer_id != self.customer_id:
            return
        self.snapshot = snapshot
        self._show()
        self.sig_loaded.emit(snapshot)

    def _on_operation(self, changes, _initiator) -> None:
        if self.customer_id is None:
            return
        relevant = ops.touches(changes, "visits") or ops.touches(changes, "follow_ups") or changes.customers
        if relevant and (not changes.customer_ids or self.customer_id in changes.customer_ids):
            self.refresh()

    def _show(self) -> None:
        snapshot = self.snapshot
        has = snapshot is not None and snapshot.customer is not None
        self.body.setVisible(has)
        self.empty_label.setVisible(not has)
        if not has:
            self.title.setText(self.tr("Customer history"))
            self.subtitle.setText("")
            return
        customer, history = snapshot.customer, snapshot.history
        self.title.setText(self.tr("{store} — history").format(store=customer.store_name))
        parts = [customer.code, self.tr("class {klass}").format(klass=customer.customer_class.value),
                 self.tr("grade {grade}").format(grade=customer.grade), customer.owner, customer.address]
        self.subtitle.setText("  ·  ".join(p for p in parts if p))

        # tiles
        self.visits_tile.set(str(history.visit_count))
        average = history.average_score
        self.average_tile.set(fmt_score(average), score_colour(average))
        last = history.visits[0] if history.visits else None
        self.last_tile.set(fmt_date(last.day) if last else "—")
        today = self._today()
        overdue = sum(1 for f in history.open_follow_ups if f.due_date is not None and f.due_date < today)
        self.follow_tile.set(str(len(history.open_follow_ups)), RED if overdue else None)
        cartons = history.purchases[-1].cartons if history.purchases else None
        self.cartons_tile.set(str(cartons) if cartons is not None else "—")

        # scores
        points = []
        for day, score in history.scores:
            points.append((QDateTime(datetime.combine(day, time(12, 0))).toMSecsSinceEpoch(), score))
        self.score_series.clear()
        for x, y in points:
            self.score_series.append(float(x), float(y))
        if points:
            first, last_x = points[0][0], points[-1][0]
            pad = max((last_x - first) // 20, 86_400_000)
            self.score_x.setRange(QDateTime.fromMSecsSinceEpoch(first - pad),
                                  QDateTime.fromMSecsSinceEpoch(last_x + pad))
            self.score_x.setTickCount(min(6, max(2, len(points))))
        self.score_view.setVisible(bool(points))
        self.score_empty.setVisible(not points)

        # purchases
        self.cartons_set.remove(0, self.cartons_set.count())
        months = [p.month for p in history.purchases]
        for purchases in history.purchases:
            self.cartons_set.append(float(purchases.cartons))
        self.months_axis.clear()
        self.months_axis.append([m[2:].replace("-", "/") for m in months])
        top = max((p.cartons for p in history.purchases), default=0)
        self.cartons_axis.setRange(0, max(10, _nice_ceiling(top)))
        self.cartons_axis.applyNiceNumbers()
        self.purchase_view.setVisible(bool(months))
        self.purchase_empty.setVisible(not months)

        # visits
        self.visits_model.set_visits(history.visits)
        self.visits_view.setVisible(bool(history.visits))
        self.visits_empty.setVisible(not history.visits)

        # follow-ups and failed items
        self.follow_title.setText(self.tr("Open follow-ups ({count})").format(count=len(history.open_follow_ups)))
        if history.open_follow_ups:
            lines = []
            for f in history.open_follow_ups:
                late = f.due_date is not None and f.due_date < today and f.status is FollowUpStatus.OPEN
                due = fmt_date(f.due_date) if f.due_date else self.tr("no due date")
                colour = RED if late else GREY
                lines.append(f"• {_esc(f.title)} <span style='color:{colour}'>— {_esc(due)}</span>")
            self.follow_list.setText("<br>".join(lines))
        else:
            none = self.tr("None.")
            self.follow_list.setText(f"<span style='color:{GREY}'>{_esc(none)}</span>")
        self.failed_title.setText(self.tr("Failed at the last visit ({count})").format(
            count=len(history.last_visit_failed)))
        if history.last_visit_failed:
            self.failed_list.setText("<br>".join(
                f"• {_esc(item_label_of(i.label_zh, i.label_en, i.key))}"
                + (f" <span style='color:{GREY}'>— {_esc(i.note)}</span>" if i.note else "")
                for i in history.last_visit_failed))
        else:
            none = self.tr("None.")
            self.failed_list.setText(f"<span style='color:{GREY}'>{_esc(none)}</span>")

    # --- language -----------------------------------------------------------------

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.visits_tile.caption.setText(self.tr("Visits on record"))
        self.average_tile.caption.setText(self.tr("Average checklist score"))
        self.last_tile.caption.setText(self.tr("Last visit"))
        self.follow_tile.caption.setText(self.tr("Open follow-ups"))
        self.cartons_tile.caption.setText(self.tr("Cartons last month"))
        self.score_title.setText(self.tr("Checklist score per visit"))
        self.purchase_title.setText(self.tr("Purchases per month (cartons)"))
        self.visits_title.setText(self.tr("Past visits"))
        self.score_empty.setText(self.tr("No scored visit yet."))
        self.purchase_empty.setText(self.tr("No purchases on record."))
        self.visits_empty.setText(self.tr("No visit on record."))
        self.empty_label.setText(self.tr("Choose a customer to see their history."))
        self.cartons_set.setLabel(self.tr("Cartons"))
        self.score_series.setName(self.tr("Score"))
        self._show()


def _nice_ceiling(value: float) -> int:
    """A round axis maximum a little above ``value`` (10, 20, 25, 50, 100, 200...)."""
    target = value * 1.1
    if target <= 0:
        return 10
    step = 1
    while step * 10 <= target:
        step *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= target:
            return int(math.ceil(step * factor))
    return step * 10
