"""The customer list: search-as-you-type, filters, a sortable lazy table and a count.

UI thread only. All reads go through :mod:`.operations`; the panel refreshes
itself when ``operation_did_execute`` says customers changed.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QLocale, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.core.entities import CustomerStatus
from fieldapp.store.customers import CustomerQuery

from . import operations as ops
from .customer_table_model import COLUMNS, CustomerTableModel
from .i18n import app_settings, enum_label, field_label

SEARCH_DEBOUNCE_MS = 150
# Each column is at least as wide as a typical value (measured in the current
# font, so CJK and Latin fonts both fit) and as its header in the current
# language; address, the last column, takes the remaining space.
COLUMN_SAMPLES = {"code": "CSX000000", "store_name": "万家福百货商场", "owner": "欧阳永英",
                  "phone": "0731-88277940", "customer_class": "A", "grade": "30", "route": "青山铺线01",
                  "tags": "24小时营业、电子结算", "status": "", "licence_expiry": "2029-08-22"}
SETTINGS_HIDDEN_COLUMNS = "list/hidden_columns"
ALWAYS_SHOWN = {"store_name"}
TABLE_STYLE = "QTableView::item { padding: 0 6px; }"


class CustomerListPanel(QWidget):
    """Search box, filter boxes, the customer table and a count label."""

    #: the customer the user selected (id), or None when the selection became empty.
    sig_current_customer_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = CustomerTableModel(self)
        self._filters_job: ops.Job | None = None
        self._wanted_id: str | None = None  # keep this customer selected across refreshes
        self._shown = 0

        self.search_edit = QLineEdit(self)
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setObjectName("customerSearch")
        self.class_combo = QComboBox(self)
        self.route_combo = QComboBox(self)
        self.tag_combo = QComboBox(self)
        for combo in (self.class_combo, self.route_combo, self.tag_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumContentsLength(6)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("customerCount")

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setCornerButtonEnabled(False)
        self.view.verticalHeader().setVisible(False)
        # Fixed row heights: a ResizeToContents header would ask data() for every row.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(COLUMNS.index("store_name"), Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        self.view.setStyleSheet(TABLE_STYLE)
        hidden = app_settings().value(SETTINGS_HIDDEN_COLUMNS, [], type=list)
        for name in hidden or []:
            if name in COLUMNS and name not in ALWAYS_SHOWN:
                header.setSectionHidden(COLUMNS.index(name), True)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.class_combo)
        filters.addWidget(self.route_combo)
        filters.addWidget(self.tag_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_query)
        self.search_edit.textChanged.connect(self._debounce.start)
        for combo in (self.class_combo, self.route_combo, self.tag_combo):
            combo.currentIndexChanged.connect(self._apply_query)

        self.model.sig_ids_loaded.connect(self._on_ids_loaded)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)

        self._fill_combo(self.class_combo, [], None)
        self._fill_combo(self.route_combo, [], None)
        self._fill_combo(self.tag_combo, [], None)
        self.retranslate_ui()

    # --- public -----------------------------------------------------------

    def start(self) -> None:
        """Run the first query and load the filter choices (call once the DB is open)."""
        self.model.set_query(self._current_query())
        self._load_filter_options()

    def current_customer_id(self) -> str | None:
        index = self.view.currentIndex()
        return self.model.customer_id(index.row()) if index.isValid() else None

    def select_customer(self, customer_id: str | None, *, notify: bool = True) -> bool:
        """Select ``customer_id`` if it is in the list (now, or when the pending refresh lands).

        With ``notify=False`` the selection changes silently (used to undo a
        selection the user cancelled). Returns whether the row is listed now.
        """
        self._wanted_id = customer_id
        row = self.model.row_of(customer_id) if customer_id else None
        if row is None:
            if customer_id is None:
                self._set_current(QModelIndex(), notify)
            return False
        index = self.model.index(row, 0)
        self._set_current(index, notify)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # --- query ------------------------------------------------------------

    def _current_query(self) -> CustomerQuery:
        return replace(self.model.query, text=self.search_edit.text().strip(),
                       customer_class=self.class_combo.currentData() or None,
                       route=self.route_combo.currentData() or None,
                       tag=self.tag_combo.currentData() or None)

    def _apply_query(self) -> None:
        self._debounce.stop()
        query = self._current_query()
        if query != self.model.query or not self.model.loaded_once:
            self.model.set_query(query)

    def _on_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.is_sortable(column):
            # Put the arrow back where the list really is sorted.
            header = self.view.horizontalHeader()
            query = self.model.query
            header.blockSignals(True)
            header.setSortIndicator(COLUMNS.index(query.sort_column),
                                    Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
            return
        self.model.sort(column, order)

    def _on_ids_loaded(self, shown: int, total: int) -> None:
        self._shown = shown
        self._update_count_label()
        if self._wanted_id is not None:
            self.select_customer(self._wanted_id, notify=False)

    def _update_count_label(self) -> None:
        shown, total = self._shown, self.model.total_count
        if not self.model.loaded_once:
            self.count_label.setText(self.tr("Loading…"))
        elif total == 0:
            self.count_label.setText(self.tr("No customers yet. Use File ▸ New customer to add one."))
        elif shown == total:
            self.count_label.setText(self.tr("%Ln customer(s)", "", total))
        elif shown == 0:
            self.count_label.setText(self.tr("No customers match the search and filters."))
        else:
            self.count_label.setText(self.tr("Showing {shown} of %Ln customer(s)", "", total).format(
                shown=QLocale().toString(shown)))

    # --- selection --------------------------------------------------------

    def _set_current(self, index: QModelIndex, notify: bool) -> None:
        selection = self.view.selectionModel()
        if not notify:
            selection.blockSignals(True)
        try:
            if index.isValid():
                self.view.setCurrentIndex(index)
                self.view.selectRow(index.row())
            else:
                selection.clear()
        finally:
            if not notify:
                selection.blockSignals(False)
                self.view.viewport().update()

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        customer_id = self.model.customer_id(current.row()) if current.isValid() else None
        if customer_id is None:
            return  # a reset cleared the selection; the form keeps what it shows
        self._wanted_id = customer_id
        self.sig_current_customer_changed.emit(customer_id)

    # --- filters ----------------------------------------------------------

    def _load_filter_options(self) -> None:
        if self._filters_job is not None:
            self._filters_job.cancel()
        self._filters_job = ops.customer_filter_options(
            parent=self, success=self._on_filter_options).run_in_background()

    def _on_filter_options(self, options: dict[str, list[str]]) -> None:
        self._filters_job = None
        self._fill_combo(self.class_combo, options.get("classes", []), self.class_combo.currentData())
        self._fill_combo(self.route_combo, options.get("routes", []), self.route_combo.currentData())
        self._fill_combo(self.tag_combo, options.get("tags", []), self.tag_combo.currentData())

    def _fill_combo(self, combo: QComboBox, values: list[str], keep: str | None) -> None:
        """Refill a filter box without firing a new query unless the chosen value vanished."""
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem(self._all_label(combo), "")
            for value in values:
                combo.addItem(value, value)
            position = combo.findData(keep) if keep else 0
            combo.setCurrentIndex(max(position, 0))
        finally:
            combo.blockSignals(False)
        if keep and combo.findData(keep) < 0:
            self._apply_query()

    def _all_label(self, combo: QComboBox) -> str:
        if combo is self.class_combo:
            return self.tr("All classes")
        if combo is self.route_combo:
            return self.tr("All routes")
        return self.tr("All tags")

    def _on_operation(self, changes: ops.OpChanges, _initiator: object) -> None:
        if changes.customers:
            self._load_filter_options()  # the table model refreshes itself

    # --- columns ----------------------------------------------------------

    def _fit_columns(self) -> None:
        """Size columns for the current language: at least the typical value, and the whole header."""
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        header_metrics = header.fontMetrics()
        for name, sample in COLUMN_SAMPLES.items():
            column = COLUMNS.index(name)
            label = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            samples = [enum_label(s) for s in CustomerStatus] if name == "status" else [sample]
            content = max(metrics.horizontalAdvance(text) for text in samples) + 24  # padding + margins
            header.resizeSection(column, max(content, header_metrics.horizontalAdvance(label) + 24))

    def _show_header_menu(self, pos: QPoint) -> None:
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for column, name in enumerate(COLUMNS):
            action = menu.addAction(field_label(name))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(name not in ALWAYS_SHOWN)
            action.toggled.connect(lambda shown, column=column: self.set_column_visible(column, shown))
        menu.exec(header.mapToGlobal(pos))

    def set_column_visible(self, column: int, visible: bool) -> None:
        """Show or hide a list column; remembered for the next start."""
        header = self.view.horizontalHeader()
        header.setSectionHidden(column, not visible)
        hidden = [name for i, name in enumerate(COLUMNS) if header.isSectionHidden(i)]
        app_settings().setValue(SETTINGS_HIDDEN_COLUMNS, hidden)

    # --- language ---------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self.search_edit.setPlaceholderText(self.tr("Search store, owner, address, code or phone"))
        self.search_edit.setToolTip(self.tr("Type any part of a name, e.g. 便利 finds 王记便利店."))
        self.class_combo.setToolTip(self.tr("Visit class"))
        self.route_combo.setToolTip(self.tr("Delivery route"))
        self.tag_combo.setToolTip(self.tr("Tag"))
        for combo in (self.class_combo, self.route_combo, self.tag_combo):
            if combo.count():
                combo.setItemText(0, self._all_label(combo))
        self.model.retranslate()
        self._fit_columns()
        self._update_count_label()
