"""The assessment dashboard (考核): a period, per-manager bars, the team trend, the figures in a table.

Facts are read once off-thread (:func:`fieldapp.gui.lead.ops.load_assessment_facts`,
covering the trend window) and every period change is assessed from them in
the core (:func:`fieldapp.core.assessment.assess`, pure and fast) — the database
is read again only when the user steps before the loaded window or data changes.

UI thread only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QAbstractTableModel, QMargins, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.assessment import AssessmentFacts, Figures, TeamAssessment, TrendPoint, assess, trend
from fieldapp.core.periods import Period, PeriodKind, last_periods, period_containing

from .. import operations as base_ops
from ..visit.widgets import BLUE, GREEN, GREY, RED, AMBER, enum_text, item_label_of, message_text
from . import ops

TREND_PERIODS = 6
BAR_COLOURS = {"visits": BLUE, "coverage": GREEN, "score": AMBER}


def _pct(value: float | None) -> str:
    return f"{value:.0f}%" if value is not None else "—"


def _num(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None else "—"


class FiguresModel(QAbstractTableModel):
    """One row per manager, then the team; the numbers behind the bars."""

    COLUMNS = ("manager", "visits", "planned", "coverage", "score", "duration", "follow_ups", "complaints_open",
               "late_syncs", "missed")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[tuple[str, Figures, bool]] = []

    def set_assessment(self, assessment: TeamAssessment | None, name_of: Callable[[str | None], str]) -> None:
        self.beginResetModel()
        self.rows = []
        if assessment is not None:
            self.rows = [(name_of(f.manager_id), f, False) for f in assessment.managers]
            self.rows.append((self.tr("Team"), assessment.team, True))
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("Manager"), self.tr("Visits"), self.tr("Planned"), self.tr("Coverage"), self.tr("Avg. score"),
                self.tr("Avg. duration (min)"), self.tr("Follow-ups on time"), self.tr("Complaints open"),
                self.tr("Late syncs"), self.tr("Missed customers"))[section]

    def value(self, row: int, column: str) -> str:
        name, f, _team = self.rows[row]
        return {
            "manager": name,
            "visits": str(f.visits),
            "planned": str(f.planned),
            "coverage": f"{_pct(f.coverage.percent)} ({f.coverage.part}/{f.coverage.whole})",
            "score": _num(f.score.value),
            "duration": _num(f.duration_minutes.value, 0),
            "follow_ups": _pct(f.follow_ups_on_time.percent),
            "complaints_open": str(f.complaints_open),
            "late_syncs": _pct(f.late_syncs.percent),
            "missed": str(len(f.missed)),
        }[column]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.value(index.row(), column)
        if role == Qt.ItemDataRole.FontRole and self.rows[index.row()][2]:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column != "manager":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == "missed" and self.rows[index.row()][1].missed:
            return QBrush(QColor(RED))
        return None


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setPointSize(10)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.legend().hide()
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(2, 2, 2, 2))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _view(parent: QWidget) -> QChartView:
    view = QChartView(parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setMinimumHeight(170)
    return view


class DashboardView(QWidget):
    """Period selector, three per-manager bar charts, the team trend, the figures table, most-failed items."""

    sig_assessed = Signal(object)  # TeamAssessment

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None):
        super().__init__(parent)
        self._today = today or date.today
        self.facts: AssessmentFacts | None = None
        self.loaded_from: date | None = None
        self.loaded_to: date | None = None
        self.assessment: TeamAssessment | None = None
        self.trend_points: tuple[TrendPoint, ...] = ()
        self.team: ops.TeamInfo | None = None
        self.period: Period = period_containing(PeriodKind.WEEK, self._today())
        self._job: base_ops.Job | None = None
        self._started = False

        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("periodKind")
        for kind in PeriodKind:
            self.kind_combo.addItem("", kind)
        self.prev_button = QPushButton("◀", self)
        self.next_button = QPushButton("▶", self)
        self.this_button = QPushButton(self)
        for b in (self.prev_button, self.next_button):
            b.setFixedWidth(32)
        self.period_label = QLabel(self)
        self.period_label.setObjectName("periodLabel")
        self.period_label.setStyleSheet("font-size: 15px; font-weight: 600; padding: 0 8px;")
        self.loading_label = QLabel(self)
        self.loading_label.setStyleSheet(f"color: {GREY};")
        top = QHBoxLayout()
        top.addWidget(self.kind_combo)
        top.addWidget(self.prev_button)
        top.addWidget(self.period_label)
        top.addWidget(self.next_button)
        top.addWidget(self.this_button)
        top.addStretch(1)
        top.addWidget(self.loading_label)

        self.visits_view = _view(self)
        self.coverage_view = _view(self)
        self.score_view = _view(self)
        self.trend_view = _view(self)
        charts = QGridLayout()
        charts.addWidget(self.visits_view, 0, 0)
        charts.addWidget(self.coverage_view, 0, 1)
        charts.addWidget(self.score_view, 0, 2)
        charts.addWidget(self.trend_view, 1, 0, 1, 2)
        self.failed_label = QLabel(self)
        self.failed_label.setObjectName("failedItems")
        self.failed_label.setTextFormat(Qt.TextFormat.RichText)
        self.failed_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.failed_label.setWordWrap(True)
        self.failed_label.setStyleSheet("background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; "
                                        "padding: 8px;")
        charts.addWidget(self.failed_label, 1, 2)
        chart_box = QWidget(self)
        chart_box.setLayout(charts)

        self.model = FiguresModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("figuresTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(200)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(chart_box)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.prev_button.clicked.connect(lambda: self.set_period(self.period.previous()))
        self.next_button.clicked.connect(lambda: self.set_period(self.period.next()))
        self.this_button.clicked.connect(
            lambda: self.set_period(period_containing(self.period.kind, self._today())))
        base_ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        for i in range(self.kind_combo.count()):
            self.kind_combo.setItemText(i, enum_text(PeriodKind(self.kind_combo.itemData(i))))
        self.this_button.setText(self.tr("Current"))
        self.prev_button.setToolTip(self.tr("Previous period"))
        self.next_button.setToolTip(self.tr("Next period"))
        self._show()

    # --- data --------------------------------------------------------------------------

    def set_team(self, team: ops.TeamInfo) -> None:
        self.team = team
        if self.facts is not None:
            self._assess()

    def manager_ids(self) -> list[str] | None:
        if self.team is None or not self.team.managers:
            return None
        return [m.id for m in self.team.managers]

    def _window(self) -> tuple[date, date]:
        # Nothing is recorded after today: the window always ends there, so period steps rarely re-read.
        periods = last_periods(self.period.kind, self.period.end, TREND_PERIODS)
        return min(periods[0].start, self._today()), self._today()

    def start(self) -> None:
        self._started = True
        self.reload()

    def reload(self) -> None:
        """Read the facts again (off-thread) for the trend window of the current period."""
        if not self._started:
            return
        if self._job is not None:
            self._job.cancel()
        first, last = self._window()
        first = min(first, self._today() - timedelta(days=200))  # six months of trend: period changes need no reload
        self.loading_label.setText(self.tr("Loading…"))

        def done(facts: AssessmentFacts) -> None:
            self._job = None
            self.facts, self.loaded_from, self.loaded_to = facts, first, last
            self.loading_label.setText("")
            self._assess()

        self._job = ops.load_assessment_facts(parent=self, first=first, last=last, success=done).run_in_background()

    def set_period(self, period: Period) -> None:
        self.period = period
        index = self.kind_combo.findData(period.kind)
        if index != self.kind_combo.currentIndex():
            self.kind_combo.blockSignals(True)
            self.kind_combo.setCurrentIndex(index)
            self.kind_combo.blockSignals(False)
        first, last = self._window()
        if self.facts is None or self.loaded_from is None or first < self.loaded_from or last > self.loaded_to:
            self.reload()
        else:
            self._assess()

    def _on_kind(self, _index: int) -> None:
        kind = PeriodKind(self.kind_combo.currentData())
        self.set_period(period_containing(kind, min(self.period.end, self._today())))

    def _on_operation(self, changes: object, _initiator: object) -> None:
        if self.facts is not None and (ops.touches(changes, "visits") or ops.touches(changes, "customers")
                                       or ops.touches(changes, "follow_ups")):
            self.reload()

    def _assess(self) -> None:
        if self.facts is None:
            return
        ids = self.manager_ids()
        as_of = min(self.period.end, self._today()) if self.period.start <= self._today() else None
        self.assessment = assess(self.facts, self.period, ids, as_of=as_of)
        end = min(self.period.end, max(self._today(), self.period.start))
        self.trend_points = trend(self.facts, self.period.kind, end, TREND_PERIODS, ids)
        self._show()
        self.sig_assessed.emit(self.assessment)

    # --- showing -----------------------------------------------------------------------

    def name_of(self, user_id: str | None) -> str:
        return self.team.name(user_id) if self.team is not None else (user_id or "")

    def _bars(self, view: QChartView, title: str, key: str, values: list[float], names: list[str],
              maximum: float | None) -> None:
        chart = _chart(title)
        bars = QBarSet(title)
        bars.setColor(QColor(BAR_COLOURS[key]))
        bars.setBorderColor(QColor(BAR_COLOURS[key]))
        for value in values:
            bars.append(value)
        series = QBarSeries()
        series.append(bars)
        bars.setLabelColor(QColor("white"))
        series.setLabelsVisible(True)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsInsideEnd)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append(names or [""])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        if maximum is not None:
            axis_y.setRange(0, maximum)
            axis_y.setTickCount(6)
        else:
            axis_y.setRange(0, max(values + [4.0]))
            axis_y.applyNiceNumbers()
        axis_y.setLabelFormat("%d")
        axis_y.setGridLineColor(QColor("#eaeef2"))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        self._replace(view, chart)
        view.setProperty("bar_values", values)

    @staticmethod
    def _replace(view: QChartView, chart: QChart) -> None:
        old = view.chart()
        view.setChart(chart)
        if old is not None:
            old.deleteLater()

    def _show(self) -> None:
        self.period_label.setText(message_text(self.period.label()))
        self.next_button.setEnabled(self.period.next().start <= self._today())
        a = self.assessment
        self.model.set_assessment(a, self.name_of)
        if a is None:
            return
        names = [self.name_of(f.manager_id) for f in a.managers]
        self._bars(self.visits_view, self.tr("Visits"), "visits", [float(f.visits) for f in a.managers], names, None)
        self._bars(self.coverage_view, self.tr("Coverage %"), "coverage",
                   [round(f.coverage.percent or 0.0, 1) for f in a.managers], names, 100)
        self._bars(self.score_view, self.tr("Average score"), "score",
                   [round(f.score.value or 0.0, 1) for f in a.managers], names, 100)
        self._show_trend()
        title, none = self.tr("Most failed items"), self.tr("No failed items in this period.")
        lines = [f"<b>{title}</b>"]
        if not a.team.failed_items:
            lines.append(f"<p style='color:{GREY}'>{none}</p>")
        else:
            lines.append("<table cellspacing='0' cellpadding='2' width='100%'>")
            for item in a.team.failed_items:
                lines.append(f"<tr><td>{item_label_of(item.label_zh, item.label_en, item.key)}</td>"
                             f"<td align='right' style='color:{RED}'>{item.count}</td>"
                             f"<td align='right' style='color:#57606a'>{_pct(item.share.percent)}</td></tr>")
            lines.append("</table>")
        self.failed_label.setText("".join(lines))

    def _show_trend(self) -> None:
        chart = _chart(self.tr("Team trend: coverage % and average score"))
        chart.legend().show()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        coverage = QLineSeries()
        coverage.setName(self.tr("Coverage %"))
        score = QLineSeries()
        score.setName(self.tr("Average score"))
        coverage.setPen(QPen(QColor(GREEN), 2.5))
        score.setPen(QPen(QColor(AMBER), 2.5))
        labels = []
        for i, point in enumerate(self.trend_points):
            labels.append(message_text(point.period.short_label()))
            if point.coverage.percent is not None:
                coverage.append(i, point.coverage.percent)
            if point.score.value is not None:
                score.append(i, point.score.value)
        for s in (coverage, score):
            s.setPointsVisible(True)
            chart.addSeries(s)
        axis_x = QBarCategoryAxis()
        axis_x.append(labels or [""])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        axis_y = QValueAxis()
        axis_y.setRange(0, 100)
        axis_y.setLabelFormat("%d")
        axis_y.setGridLineColor(QColor("#eaeef2"))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for s in (coverage, score):
            s.attachAxis(axis_x)
            s.attachAxis(axis_y)
        self._replace(self.trend_view, chart)
