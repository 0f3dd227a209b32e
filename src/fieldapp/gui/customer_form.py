"""The customer file form (客户档案): create, edit, validate as you type, save, delete.

Validation runs :func:`fieldapp.core.validation.parse_customer` on the raw field
values after every edit (pure Python, no I/O, so it is fine on the UI thread)
and shows each problem under its field: errors in red block saving, warnings in
amber do not. The store validates again when saving (it alone can see a
duplicate customer code); its :class:`CustomerInvalid` errors are shown the same
way. Saving and loading go through :mod:`.operations`, off the UI thread.

UI thread only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from fieldapp.core.entities import (
    BusinessFormat,
    Customer,
    CustomerStatus,
    IntegrityRating,
    LabelledEnum,
    MarketType,
    OrderDay,
)
from fieldapp.core.validation import FieldError, blocking, parse_customer
from fieldapp.store.customers import CustomerInvalid

from . import operations as ops
from .i18n import enum_label, field_error_text, field_label, list_separator, qt_translate
from .icons import icon

REQUIRED = {"code", "licence_no", "licence_expiry", "store_name", "owner", "address"}
_LINE_FIELDS = ("code", "store_name", "owner", "phone", "licence_no", "grade", "route", "tags", "address",
                "latitude", "longitude")
_ENUM_FIELDS: dict[str, type[LabelledEnum]] = {
    "status": CustomerStatus, "market_type": MarketType, "business_format": BusinessFormat,
    "order_day": OrderDay, "integrity_rating": IntegrityRating,
}
_OPTIONAL_ENUMS = {"order_day", "integrity_rating"}
_CHECK_FIELDS = ("modern_terminal", "ecommerce_enabled")
_TEXT_FIELDS = ("needs", "notes")

STYLE = """
QLabel#formTitle { font-size: 15pt; font-weight: 600; }
QLabel#formSubtitle { color: #6b7280; }
QLabel#classBadge { background: #5f6b7a; color: white; border-radius: 4px; padding: 2px 8px; font-weight: 600; }
QLabel#classBadge[klass="A"] { background: #c2410c; }
QLabel#classBadge[klass="B"] { background: #1f6feb; }
QLabel#fieldError { font-size: 9pt; }
QLabel#fieldError[severity="error"] { color: #c62828; }
QLabel#fieldError[severity="warning"] { color: #9a6700; }
QLabel#derivedHint { color: #6b7280; }
QLabel#banner { border-radius: 4px; padding: 6px 10px; }
QLabel#banner[kind="error"] { background: #fdecea; color: #b71c1c; border: 1px solid #f5c2c0; }
QLabel#banner[kind="warning"] { background: #fff8e1; color: #7a4f01; border: 1px solid #f3d98b; }
QLabel#banner[kind="info"] { background: #e8f1fd; color: #0b4a8b; border: 1px solid #bcd5f5; }
QLabel#banner[kind="success"] { background: #e7f6ec; color: #1b5e20; border: 1px solid #b7e1c1; }
QLineEdit[validation="error"], QPlainTextEdit[validation="error"] {
    border: 1px solid #d32f2f; background: #fff6f6; }
QLineEdit[validation="warning"], QPlainTextEdit[validation="warning"] {
    border: 1px solid #d99a00; background: #fffbeb; }
QGroupBox { font-weight: 600; }
QGroupBox QLabel, QGroupBox QCheckBox { font-weight: normal; }
"""


class DateField(QWidget):
    """A ``YYYY-MM-DD`` line edit with a calendar button.

    A line edit rather than QDateEdit because the date may be empty and people
    paste dates copied from the licence; bad text gets a validation message
    instead of being silently coerced.
    """

    textChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.button = QToolButton(self)
        self.button.setIcon(icon("calendar"))
        self.button.setAutoRaise(True)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._calendar = QCalendarWidget(self)
        self._calendar.setGridVisible(True)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self._calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self._calendar.clicked.connect(lambda qdate: (self._pick(qdate), menu.close()))
        self.button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.edit.textChanged.connect(self.textChanged)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - mirrors QLineEdit
        self.edit.setText(text)

    def _sync_calendar(self) -> None:
        parsed = QDate.fromString(self.edit.text().strip(), "yyyy-MM-dd")
        self._calendar.setSelectedDate(parsed if parsed.isValid() else QDate.currentDate())

    def _pick(self, qdate: QDate) -> None:
        self.edit.setText(qdate.toString("yyyy-MM-dd"))


class _FieldRow:
    """A field's label, editor and the message shown under it."""

    def __init__(self, name: str, editor: QWidget, error: QLabel, label: QLabel):
        self.name = name
        self.editor = editor
        self.error = error
        self.label = label


class CustomerForm(QWidget):
    """Edit one customer. Shows an empty page until a customer is loaded or created."""

    sig_saved = Signal(str)  # customer id, after a successful save
    sig_deleted = Signal(str)  # customer id
    sig_state_changed = Signal()  # dirty / saving / loaded changed (menu actions follow it)
    sig_validated = Signal()  # the inline messages were updated (tests wait on it)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self._base: Customer | None = None
        self._is_new = False
        self._snapshot: dict[str, Any] = {}
        self._touched: set[str] = set()
        self._show_all_errors = False
        self._store_errors: dict[str, list[FieldError]] = {}
        self._errors: list[FieldError] = []
        self._filling = False
        self._saving = False
        self._load_job: ops.Job | None = None
        self._load_generation = 0
        self._rows: dict[str, _FieldRow] = {}
        self._groups: dict[str, QGroupBox] = {}

        self._stack = QStackedWidget(self)
        self._empty_page = self._build_empty_page()
        self._form_page = self._build_form_page()
        self._stack.addWidget(self._empty_page)
        self._stack.addWidget(self._form_page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self._hide_success_banner)

        ops.OperationHub.instance().operation_did_execute.connect(self._on_operation)
        self.retranslate_ui()
        self._update_buttons()

    # --- building ---------------------------------------------------------

    def _build_empty_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self._empty_label = QLabel(page)
        self._empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_label.setWordWrap(True)
        self._empty_label.setObjectName("formSubtitle")
        self.empty_new_button = QPushButton(page)
        self.empty_new_button.clicked.connect(self.start_new)
        layout.addWidget(self._empty_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.empty_new_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    def _build_form_page(self) -> QWidget:
        page = QWidget(self)
        self.title_label = QLabel(page)
        self.title_label.setObjectName("formTitle")
        self.class_badge = QLabel(page)
        self.class_badge.setObjectName("classBadge")
        self.subtitle_label = QLabel(page)
        self.subtitle_label.setObjectName("formSubtitle")
        self.banner = QLabel(page)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label)
        title_row.addWidget(self.class_badge)
        title_row.addStretch(1)

        self.editors: dict[str, QWidget] = {}
        for name in _LINE_FIELDS:
            edit = QLineEdit(page)
            edit.setObjectName(f"field_{name}")
            self.editors[name] = edit
        self.editors["licence_expiry"] = DateField(page)
        for name, enum_cls in _ENUM_FIELDS.items():
            combo = QComboBox(page)
            combo.setObjectName(f"field_{name}")
            if name in _OPTIONAL_ENUMS:
                combo.addItem("—", "")
            for member in enum_cls:
                combo.addItem(member.label, member.value)
            self.editors[name] = combo
        for name in _CHECK_FIELDS:
            self.editors[name] = QCheckBox(page)
        for name in _TEXT_FIELDS:
            text = QPlainTextEdit(page)
            text.setTabChangesFocus(True)
            text.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
            self.editors[name] = text
        self.editors["grade"].setMaximumWidth(80)
        for name in ("latitude", "longitude"):
            self.editors[name].setMaximumWidth(140)
        self.class_value = QLabel(page)
        self.class_value.setObjectName("derivedHint")

        content = QWidget(page)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 6, 0)
        content_layout.setSpacing(10)
        groups = {
            "basic": ("code", "store_name", "owner", "phone", "status"),
            "licence": ("licence_no", "licence_expiry"),
            "business": ("market_type", "business_format", "grade", "customer_class", "route", "order_day",
                         "integrity_rating", "modern_terminal", "ecommerce_enabled", "tags"),
            "location": ("address", "latitude", "longitude"),
            "notes": ("needs", "notes"),
        }
        for key, names in groups.items():
            box = QGroupBox(content)
            form = QFormLayout(box)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            form.setHorizontalSpacing(12)
            form.setVerticalSpacing(6)
            for name in names:
                self._add_row(box, form, name)
            self._groups[key] = box
            content_layout.addWidget(box)
        content_layout.addStretch(1)

        scroll = QScrollArea(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)

        self.delete_button = QPushButton(page)
        self.revert_button = QPushButton(page)
        self.save_button = QPushButton(page)
        self.save_button.setDefault(True)
        self.save_button.setObjectName("saveButton")
        self.delete_button.clicked.connect(self.delete_current)
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addLayout(title_row)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        for name, editor in self.editors.items():
            self._connect_change(name, editor)
        return page

    def _add_row(self, box: QGroupBox, form: QFormLayout, name: str) -> None:
        editor = self.class_value if name == "customer_class" else self.editors[name]
        error = QLabel(box)
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.hide()
        cell = QWidget(box)
        cell_layout = QVBoxLayout(cell)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.setSpacing(2)
        if name in ("grade", "latitude", "longitude"):
            line = QHBoxLayout()
            line.addWidget(editor)
            line.addStretch(1)
            cell_layout.addLayout(line)
        else:
            cell_layout.addWidget(editor)
        cell_layout.addWidget(error)
        label = QLabel(box)
        label.setBuddy(editor)
        form.addRow(label, cell)
        self._rows[name] = _FieldRow(name, editor, error, label)

    def _connect_change(self, name: str, editor: QWidget) -> None:
        handler = lambda *_args, field=name: self._on_field_edited(field)  # noqa: E731
        if isinstance(editor, (QLineEdit, DateField)):
            editor.textChanged.connect(handler)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(handler)
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(handler)
        elif isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(handler)

    # --- public API -------------------------------------------------------

    @property
    def customer_id(self) -> str | None:
        """The id of the customer on the form (also for a new, unsaved one), or None."""
        return self._base.id if self._base is not None else None

    @property
    def is_new(self) -> bool:
        return self._is_new

    @property
    def is_saving(self) -> bool:
        return self._saving

    def is_dirty(self) -> bool:
        return self._base is not None and self.form_values() != self._snapshot

    def current_errors(self) -> list[FieldError]:
        return list(self._errors)

    def load_customer(self, customer_id: str, *, force: bool = False) -> None:
        """Show ``customer_id`` (fetched off-thread). A no-op if it is already shown, unless ``force``."""
        if not force and customer_id == self.customer_id and not self._is_new:
            return
        self._load_generation += 1
        if self._load_job is not None:
            self._load_job.cancel()
        generation = self._load_generation
        self._load_job = ops.get_customer(
            parent=self, customer_id=customer_id,
            success=lambda customer: self._on_loaded(generation, customer_id, customer),
        ).run_in_background()

    def _on_loaded(self, generation: int, customer_id: str, customer: Customer | None) -> None:
        if generation != self._load_generation:
            return  # the user clicked another customer meanwhile
        self._load_job = None
        if customer is None:
            self.clear()
            self._show_banner("warning", self.tr("This customer no longer exists; it was deleted."))
            return
        self.set_customer(customer)

    def set_customer(self, customer: Customer, *, is_new: bool = False) -> None:
        """Put ``customer`` on the form (no database access)."""
        self._base = replace(customer, tags=list(customer.tags))
        self._is_new = is_new
        self._touched.clear()
        self._store_errors.clear()
        self._show_all_errors = not is_new  # a stored file with problems should show them at once
        self._fill(customer)
        self._snapshot = self.form_values()
        self._stack.setCurrentWidget(self._form_page)
        self._hide_banner()
        self._revalidate()
        self._update_header()
        self._update_buttons()

    def start_new(self) -> None:
        """Start a new, empty customer file (not saved until the user saves it)."""
        if not self.confirm_discard():
            return
        self.set_customer(Customer(), is_new=True)
        self._show_banner("info", self.tr("New customer: fill in the fields marked * and save."))
        self.editors["code"].setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        """Show the empty page (nothing selected)."""
        self._load_generation += 1
        self._base = None
        self._is_new = False
        self._snapshot = {}
        self._errors = []
        self._stack.setCurrentWidget(self._empty_page)
        self._update_buttons()

    def confirm_discard(self) -> bool:
        """If there are unsaved edits, ask whether to drop them. True means "go ahead"."""
        if not self.is_dirty() or self._saving:
            return True  # a save in flight completes anyway (the worker drains writes at exit)
        name = self.form_values().get("store_name") or self.tr("this customer")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Unsaved changes"),
                          self.tr("You changed {name} but did not save. Discard the changes?").format(name=name),
                          QMessageBox.StandardButton.NoButton, self)
        discard = box.addButton(self.tr("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def revert(self) -> None:
        if self._base is not None:
            self.set_customer(self._base, is_new=self._is_new)

    def form_values(self) -> dict[str, Any]:
        """The raw values on the form, as ``parse_customer`` takes them."""
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, (QLineEdit, DateField)):
                values[name] = editor.text()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentData() or ""
            elif isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QPlainTextEdit):
                values[name] = editor.toPlainText()
        return values

    def set_field(self, name: str, value: Any) -> None:
        """Set one field as if the user had edited it (used by tests and scripts)."""
        editor = self.editors[name]
        if isinstance(editor, (QLineEdit, DateField)):
            editor.setText(str(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(value), 0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value))

    # --- editing and validation ------------------------------------------

    def _fill(self, customer: Customer) -> None:
        self._filling = True
        try:
            text = {
                "code": customer.code, "store_name": customer.store_name, "owner": customer.owner,
                "phone": customer.phone, "licence_no": customer.licence_no, "grade": str(customer.grade or ""),
                "route": customer.route, "tags": list_separator().join(customer.tags) if customer.tags else "",
                "address": customer.address,
                "latitude": "" if customer.latitude is None else repr(customer.latitude),
                "longitude": "" if customer.longitude is None else repr(customer.longitude),
                "licence_expiry": customer.licence_expiry.isoformat() if customer.licence_expiry else "",
            }
            if self._is_new:
                text["grade"] = ""  # make the user choose; 1 is not a sensible default
            for name, value in text.items():
                self.set_field(name, value)
            for name in _ENUM_FIELDS:
                member = getattr(customer, name)
                self.set_field(name, member.value if member is not None else "")
            for name in _CHECK_FIELDS:
                self.set_field(name, getattr(customer, name))
            for name in _TEXT_FIELDS:
                self.set_field(name, getattr(customer, name))
        finally:
            self._filling = False

    def _on_field_edited(self, name: str) -> None:
        if self._filling or self._base is None:
            return
        self._touched.add(name)
        self._store_errors.pop(name, None)
        if self.banner.property("kind") in ("success", "info"):
            self._hide_banner()
        self._revalidate()
        self._update_header()
        self._update_buttons()

    def _parse(self) -> tuple[Customer, list[FieldError]]:
        assert self._base is not None
        return parse_customer(self.form_values(), base=self._base)

    def _revalidate(self) -> None:
        if self._base is None:
            return
        customer, errors = self._parse()
        for extra in self._store_errors.values():
            errors.extend(extra)
        self._errors = errors
        by_field: dict[str, list[FieldError]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error)
        for name, row in self._rows.items():
            shown = by_field.get(name, []) if (self._show_all_errors or name in self._touched
                                                or name in self._store_errors) else []
            self._show_field_errors(row, shown)
        unplaced = [e for e in errors if e.field not in self._rows and not e.warning]
        if unplaced and self._show_all_errors:
            self._show_banner("error", "\n".join(e.render(qt_translate) for e in unplaced))
        self.class_value.setText(self.tr("{klass} (from grade and tags)").format(klass=customer.customer_class.value))
        self.sig_validated.emit()

    def _show_field_errors(self, row: _FieldRow, errors: list[FieldError]) -> None:
        severity = "" if not errors else ("warning" if all(e.warning for e in errors) else "error")
        if errors:
            row.error.setText("\n".join(field_error_text(e) for e in errors))
            row.error.setProperty("severity", severity)
            _repolish(row.error)
        row.error.setVisible(bool(errors))
        target = row.editor.edit if isinstance(row.editor, DateField) else row.editor
        if target.property("validation") != severity:
            target.setProperty("validation", severity)
            _repolish(target)

    def error_text(self, name: str) -> str:
        """The message shown under field ``name`` ("" when none is shown)."""
        row = self._rows[name]
        return row.error.text() if row.error.isVisibleTo(self) else ""

    # --- save / delete ----------------------------------------------------

    def save(self) -> None:
        """Validate, then save off the UI thread. Invalid data is refused with a message naming the fields."""
        if self._base is None or self._saving:
            return
        customer, errors = self._parse()
        problems = blocking(errors)
        if problems:
            self._show_all_errors = True
            self._revalidate()
            self._refuse(problems)
            return
        self._saving = True
        self._show_banner("info", self.tr("Saving…"))
        self._update_buttons()
        sent, generation = self.form_values(), self._load_generation
        ops.save_customer(parent=self, customer=customer) \
            .success(lambda _result: self._on_saved(customer, sent, generation)) \
            .failure(self._on_save_failed) \
            .run_in_background(initiator=self)

    def _refuse(self, problems: list[FieldError]) -> None:
        # Name the fields in the order they appear on the form, top to bottom.
        order = {name: i for i, name in enumerate(self._rows)}
        problems = sorted(problems, key=lambda e: order.get(e.field, len(order)))
        names = list(dict.fromkeys(field_label(e.field) for e in problems))
        self._show_banner("error", self.tr("Not saved. Please correct: {fields}.").format(
            fields=list_separator().join(names)))
        first = next((self._rows[e.field] for e in problems if e.field in self._rows), None)
        if first is not None:
            target = first.editor.edit if isinstance(first.editor, DateField) else first.editor
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_saved(self, customer: Customer, sent: dict[str, Any], generation: int) -> None:
        self._saving = False
        if generation != self._load_generation:
            # The user moved on to another customer while the save ran; leave that one alone.
            self._update_buttons()
            self.sig_saved.emit(customer.id)
            return
        was_new = self._is_new
        if self.form_values() == sent:
            self.set_customer(customer)  # shows the stored form of the values (trimmed, derived class)
        else:
            # Edits made while saving stay on the form, still unsaved.
            self._base = replace(customer, tags=list(customer.tags))
            self._is_new = False
            self._snapshot = sent
            self._revalidate()
            self._update_header()
            self._update_buttons()
        self._show_banner("success", self.tr("New customer saved.") if was_new else self.tr("Saved."))
        self._banner_timer.start(4000)
        self.sig_saved.emit(customer.id)

    def _on_save_failed(self, error: BaseException) -> None:
        self._saving = False
        self._update_buttons()
        if isinstance(error, CustomerInvalid):
            self._store_errors = {}
            for field_error in error.errors:
                self._store_errors.setdefault(field_error.field, []).append(field_error)
            self._show_all_errors = True
            self._revalidate()
            self._refuse(error.errors)
            return
        self._hide_banner()
        ops.show_error(self, error)

    def delete_current(self) -> None:
        """Ask, then delete the customer on the form (a new, unsaved one is just discarded)."""
        if self._base is None:
            return
        if self._is_new:
            self.clear()
            return
        name = self._base.store_name or self._base.code
        answer = QMessageBox.question(
            self, self.tr("Delete customer"),
            self.tr("Delete the customer file of {name} ({code})?\n\nIt disappears from the list on this "
                    "laptop, and the deletion is sent to the server at the next sync.").format(
                name=name, code=self._base.code),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        customer_id = self._base.id
        self._saving = True
        self._update_buttons()

        def deleted(_result: object) -> None:
            self._saving = False
            self.clear()
            self.sig_deleted.emit(customer_id)

        def failed(error: BaseException) -> None:
            self._saving = False
            self._update_buttons()
            ops.show_error(self, error)

        ops.delete_customer(parent=self, customer_id=customer_id).success(deleted).failure(failed) \
            .run_in_background(initiator=self)

    # --- reacting to others -----------------------------------------------

    def _on_operation(self, changes: ops.OpChanges, initiator: object) -> None:
        if initiator is self or not changes.customers or self._base is None or self._is_new:
            return
        if changes.customer_ids and self._base.id not in changes.customer_ids:
            return
        if self.is_dirty():
            self._show_banner("warning", self.tr(
                "This customer was changed elsewhere. Saving will overwrite those changes."))
        else:
            self.load_customer(self._base.id, force=True)

    # --- presentation -----------------------------------------------------

    def _update_header(self) -> None:
        if self._base is None:
            return
        values = self.form_values()
        name = values.get("store_name", "").strip()
        if self._is_new:
            self.title_label.setText(name or self.tr("New customer"))
        else:
            self.title_label.setText(name or self._base.store_name)
        parts = [values.get("code", "").strip(), values.get("owner", "").strip(), values.get("route", "").strip()]
        self.subtitle_label.setText("  ·  ".join(p for p in parts if p) or " ")
        customer, _errors = self._parse()
        klass = customer.customer_class.value
        self.class_badge.setText(self.tr("Class {klass}").format(klass=klass))
        if self.class_badge.property("klass") != klass:
            self.class_badge.setProperty("klass", klass)
            _repolish(self.class_badge)

    def _update_buttons(self) -> None:
        loaded = self._base is not None
        dirty = self.is_dirty()
        self.save_button.setEnabled(loaded and not self._saving and (dirty or self._is_new))
        self.revert_button.setEnabled(loaded and not self._saving and dirty)
        self.delete_button.setEnabled(loaded and not self._saving)
        self.sig_state_changed.emit()

    def _show_banner(self, kind: str, text: str) -> None:
        self._banner_timer.stop()
        self.banner.setText(text)
        self.banner.setProperty("kind", kind)
        _repolish(self.banner)
        self.banner.show()

    def _hide_banner(self) -> None:
        self._banner_timer.stop()
        self.banner.setProperty("kind", "")
        self.banner.hide()

    def _hide_success_banner(self) -> None:
        if self.banner.property("kind") == "success":
            self._hide_banner()

    def banner_text(self) -> str:
        return self.banner.text() if self.banner.isVisibleTo(self) else ""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        titles = {"basic": self.tr("Basic information"), "licence": self.tr("Tobacco retail licence"),
                  "business": self.tr("Business"), "location": self.tr("Location"), "notes": self.tr("Notes")}
        for key, box in self._groups.items():
            box.setTitle(titles[key])
        for name, row in self._rows.items():
            row.label.setText(field_label(name) + (" *" if name in REQUIRED else ""))
        for name, enum_cls in _ENUM_FIELDS.items():
            combo: QComboBox = self.editors[name]  # type: ignore[assignment]
            offset = 1 if name in _OPTIONAL_ENUMS else 0
            for i, member in enumerate(enum_cls):
                combo.setItemText(i + offset, enum_label(member))
        placeholders = {
            "code": self.tr("e.g. HN-0001"), "licence_no": self.tr("12 digits, as printed on the licence"),
            "phone": self.tr("mobile or landline with area code"), "grade": "1–30",
            "tags": self.tr("comma separated, e.g. 近学校, 新品试点"), "latitude": self.tr("e.g. 28.1234"),
            "longitude": self.tr("e.g. 112.9388"), "route": self.tr("e.g. R01"),
        }
        for name, text in placeholders.items():
            self.editors[name].setPlaceholderText(text)  # type: ignore[attr-defined]
        for name in _CHECK_FIELDS:
            self.editors[name].setText(self.tr("Yes"))  # type: ignore[attr-defined]
        self.editors["licence_expiry"].button.setToolTip(self.tr("Pick a date"))  # type: ignore[attr-defined]
        self._empty_label.setText(self.tr("Select a customer in the list to see and edit the file,\n"
                                          "or create a new customer."))
        self.empty_new_button.setText(self.tr("New customer"))
        self.delete_button.setText(self.tr("Delete…"))
        self.revert_button.setText(self.tr("Revert"))
        self.save_button.setText(self.tr("Save"))
        self.save_button.setToolTip(self.tr("Save the customer file (Ctrl+S)"))
        if self._base is not None:
            self._revalidate()
            self._update_header()


def _repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
