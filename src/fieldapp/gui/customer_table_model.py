"""The customer list's table model: ids up front, rows fetched lazily in pages.

Like Anki's browser table, the model holds only the ordered list of ids of the
current query (cheap even for 100,000 customers). Row data is fetched off the UI
thread, :data:`PAGE_SIZE` rows at a time around what the view asks for, and kept
in a bounded cache keyed by id. ``data()`` never touches the database: a row
that has not arrived yet shows a placeholder, and ``dataChanged`` repaints it
when its page comes in.

Queries race: a user typing "便利店" starts three searches in a row. Every new
query bumps a generation counter and results carry the generation they were
asked for, so an older answer that arrives late is dropped.

UI thread only.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from fieldapp.core.entities import CustomerStatus
from fieldapp.store.customers import SORTABLE_COLUMNS, CustomerQuery

from . import operations as ops
from .i18n import enum_label, field_label, list_separator

# Column order of the list; the keys are store column names (and FIELD_LABELS keys).
COLUMNS: tuple[str, ...] = ("code", "store_name", "owner", "phone", "customer_class", "grade", "route", "tags",
                            "status", "licence_expiry", "address")
PAGE_SIZE = 200
CACHE_LIMIT = 20_000  # rows kept by id; ~100 pages, a few MB
LICENCE_WARNING_DAYS = 30

ID_ROLE = Qt.ItemDataRole.UserRole + 1
_PLACEHOLDER = "…"
_CENTERED = {"customer_class", "grade"}
_MUTED = QColor("#8a8f98")
_ERROR = QColor("#c62828")
_WARNING = QColor("#b26a00")

Index = QModelIndex | QPersistentModelIndex


class CustomerTableModel(QAbstractTableModel):
    """Customers matching a :class:`CustomerQuery`, fetched lazily. See the module docstring."""

    #: (shown, total): the ids of a new query arrived.
    sig_ids_loaded = Signal(int, int)
    #: a page of rows arrived (the page number); tests count these.
    sig_page_loaded = Signal(int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._query = CustomerQuery()
        self._ids: list[str] = []
        self._row_of: dict[str, int] | None = None  # built on demand; invalid after each new ids list
        self._total = 0
        self._rows: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._generation = 0
        self._ids_job: ops.Job | None = None
        self._page_jobs: dict[int, ops.Job] = {}
        self.pages_fetched = 0
        self.loaded_once = False
        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)

    # --- query ------------------------------------------------------------

    @property
    def query(self) -> CustomerQuery:
        return self._query

    @property
    def total_count(self) -> int:
        """Live customers in the profile (regardless of the search and filters)."""
        return self._total

    def set_query(self, query: CustomerQuery) -> None:
        """Show the customers matching ``query``; the list updates when the ids arrive."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Re-run the current query (e.g. after data changed). Cached rows stay valid."""
        self._generation += 1
        if self._ids_job is not None:
            self._ids_job.cancel()
        self._drop_page_jobs()
        self._ids_job = ops.search_customers(
            parent=self, query=self._query, success=partial(self._ids_arrived, self._generation)
        ).run_in_background()

    def _ids_arrived(self, generation: int, result: tuple[list[str], int]) -> None:
        if generation != self._generation:
            return  # an older query finished after a newer one started
        self._ids_job = None
        ids, total = result
        # Page requests made against the old list refer to old row numbers.
        self._generation += 1
        self._drop_page_jobs()
        self.beginResetModel()
        self._ids = ids
        self._row_of = None
        self._total = total
        self.endResetModel()
        self.loaded_once = True
        self.sig_ids_loaded.emit(len(ids), total)

    def _drop_page_jobs(self) -> None:
        for job in self._page_jobs.values():
            job.cancel()
        self._page_jobs.clear()

    # --- rows -------------------------------------------------------------

    def customer_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, customer_id: str) -> int | None:
        if self._row_of is None:
            self._row_of = {cid: i for i, cid in enumerate(self._ids)}
        return self._row_of.get(customer_id)

    def is_row_loaded(self, row: int) -> bool:
        cid = self.customer_id(row)
        return cid is not None and cid in self._rows

    @property
    def cached_row_count(self) -> int:
        return len(self._rows)

    def _row_data(self, row: int) -> dict[str, Any] | None:
        cid = self._ids[row]
        data = self._rows.get(cid)
        if data is None:
            self._request_page(row // PAGE_SIZE)
            return None
        self._rows.move_to_end(cid)  # LRU: what is on screen stays cached
        return data

    def _request_page(self, page: int) -> None:
        if page in self._page_jobs:
            return
        wanted = [cid for cid in self._ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE] if cid not in self._rows]
        if not wanted:
            return
        self._page_jobs[page] = ops.fetch_customer_rows(
            parent=self, ids=wanted, success=partial(self._page_arrived, self._generation, page, wanted)
        ).run_in_background()

    def _page_arrived(self, generation: int, page: int, wanted: list[str], rows: dict[str, dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self._page_jobs.pop(page, None)
        self.pages_fetched += 1
        for cid in wanted:
            # A customer deleted since the ids were fetched comes back missing; an
            # empty row stops the view from asking for it again until the refresh.
            self._rows[cid] = rows.get(cid, {})
            self._rows.move_to_end(cid)
        while len(self._rows) > CACHE_LIMIT:
            self._rows.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(first + PAGE_SIZE, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.sig_page_loaded.emit(page)

    def _on_operation(self, changes: ops.OpChanges, _initiator: object) -> None:
        if not changes.customers:
            return
        if changes.customer_ids:
            for cid in changes.customer_ids:
                self._rows.pop(cid, None)
        else:
            self._rows.clear()
        self.refresh()

    def retranslate(self) -> None:
        """Repaint labels after the UI language changed (headers, enum values)."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    # --- Qt model API -----------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return field_label(COLUMNS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section] in _CENTERED:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query in the order of ``column``; columns the store cannot sort by are ignored."""
        if not 0 <= column < len(COLUMNS) or not self.is_sortable(column):
            return
        self.set_query(replace(self._query, sort_column=COLUMNS[column],
                               descending=order == Qt.SortOrder.DescendingOrder))

    @staticmethod
    def is_sortable(column: int) -> bool:
        return COLUMNS[column] in SORTABLE_COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        column = COLUMNS[index.column()]
        if role == ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in _CENTERED:
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.FontRole):
            return None
        row = self._row_data(index.row())
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole and column == "store_name":
                return _PLACEHOLDER
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(_MUTED)
            return None
        if not row:
            return None  # deleted meanwhile; the refresh removes the row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(column, row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(column, row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(column, row)
        if role == Qt.ItemDataRole.FontRole and column == "customer_class":
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _display(column: str, row: dict[str, Any]) -> str:
        value = row.get(column)
        if value is None:
            return ""
        if column == "tags":
            return list_separator().join(value)
        if column == "status":
            return enum_label(CustomerStatus(value))
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def _tooltip(self, column: str, row: dict[str, Any]) -> str | None:
        if column == "licence_expiry":
            days = self._days_to_expiry(row)
            if days is None:
                return None
            if days < 0:
                return self.tr("The licence has expired.")
            if days <= LICENCE_WARNING_DAYS:
                return self.tr("The licence expires in %n day(s).", "", days)
            return None
        if column in ("address", "store_name", "tags"):
            text = self._display(column, row)
            return text or None
        return None

    def _foreground(self, column: str, row: dict[str, Any]) -> QBrush | None:
        if column == "licence_expiry":
            days = self._days_to_expiry(row)
            if days is not None and days < 0:
                return QBrush(_ERROR)
            if days is not None and days <= LICENCE_WARNING_DAYS:
                return QBrush(_WARNING)
        if row.get("status") in (CustomerStatus.CLOSED.value, CustomerStatus.SUSPENDED.value):
            return QBrush(_MUTED)
        return None

    @staticmethod
    def _days_to_expiry(row: dict[str, Any]) -> int | None:
        expiry = row.get("licence_expiry")
        if not isinstance(expiry, date):
            return None
        return (expiry - date.today()).days
